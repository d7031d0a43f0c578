"""``memoir tidy``: merges of near-duplicate siblings proposed by the model, then carried out.

:meth:`TidyPlanner.propose` reads the tree once (no lock: it only reads), and
for every parent with two or more children asks the model through the
``curate`` agent which siblings hold the same subject, showing each sibling's
name, chunk count, the content words of its first chunks and the opening of
one. The answers' names are a ``Literal`` of the siblings shown. No
transaction is open during the calls; the calls are then logged like every
other (purpose ``curate``, one ``operation_id``). The offline model answers by
shared words (:mod:`memoir_ai.llm._offline_curate`).

:meth:`TidyPlanner.apply` carries a plan out as ordinary merges, deepest level
first (so the ids of the plan still name the same categories), each its own
recorded, undoable change; a proposal the tree no longer allows is skipped
with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database import changes as sql
from memoir_ai.database.calls import record_operation_calls
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.models import Chunk
from memoir_ai.errors import CategoryNotFoundError, TreeChangeError
from memoir_ai.llm import _lexical as lexical
from memoir_ai.llm import prompts
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.inputs import CurationCandidate
from memoir_ai.llm.records import LLMCallError, LLMCallRecord
from memoir_ai.llm.schemas import CurationPlan, LLMPurpose, curation_output
from memoir_ai.maintenance._tree import Tree
from memoir_ai.maintenance.results import MergeProposal, SkippedProposal, TidyPlan
from memoir_ai.maintenance.service import TreeMaintenance

__all__ = ["TidyPlanner"]

logger = logging.getLogger(__name__)

SAMPLED_CHUNKS = 5
"""Chunks read per leaf to find a category's content words."""
SAMPLE_CHARS = 2000
KEYWORDS = 12
OPENING_CHARS = 160


@dataclass(frozen=True)
class _Group:
    parent_id: int | None
    level: int
    parent_path: tuple[str, ...]
    ids: tuple[int, ...]
    candidates: tuple[CurationCandidate, ...]


class TidyPlanner:
    """Proposes and applies merges of near-duplicate siblings (module docstring)."""

    def __init__(
        self, config: MemoirAIConfig, database: DatabaseManager, agents: AgentFactory
    ) -> None:
        """Plan for the tree of ``database``, asking the model of ``agents``."""
        self.config = config
        self.database = database
        self.agents = agents

    async def propose(self) -> TidyPlan:
        """Ask the model about every group of siblings; return the plan (nothing is changed)."""
        tree, groups = await asyncio.to_thread(
            self.database.run, self._read, doing="reading the tree to tidy"
        )
        operation_id = uuid.uuid4().hex
        outcomes = await asyncio.gather(
            *(self._ask(group) for group in groups), return_exceptions=True
        )
        records: list[LLMCallRecord] = []
        proposals: list[MergeProposal] = []
        failure: BaseException | None = None
        for group, outcome in zip(groups, outcomes, strict=True):
            if isinstance(outcome, LLMCallError):
                records.append(outcome.record)
                failure = failure or outcome
            elif isinstance(outcome, BaseException):
                failure = failure or outcome
            else:
                output, record = outcome
                records.append(record)
                proposals.extend(_proposals(tree, group, output))
        await asyncio.to_thread(self._log_calls, records, operation_id)
        if failure is not None:
            raise failure
        return TidyPlan(
            proposals=tuple(proposals),
            model=self.agents.model_name,
            operation_id=operation_id,
            calls=len(records),
            input_tokens=sum(r.input_tokens for r in records),
            output_tokens=sum(r.output_tokens for r in records),
        )

    def apply(self, plan: TidyPlan, maintenance: TreeMaintenance) -> TidyPlan:
        """Carry out ``plan``'s merges, deepest first; return it with what was done and skipped."""
        applied = []
        skipped = []
        ordered = sorted(plan.proposals, key=lambda p: (-len(p.source_path), p.source_path))
        for proposal in ordered:
            try:
                applied.append(maintenance.merge(proposal.source_id, proposal.into_id))
            except (CategoryNotFoundError, TreeChangeError) as error:
                skipped.append(SkippedProposal(proposal=proposal, reason=error.message))
        return plan.model_copy(update={"applied": tuple(applied), "skipped": tuple(skipped)})

    # -- reading and asking -----------------------------------------------------------------

    def _read(self, session: Session) -> tuple[Tree, list[_Group]]:
        tree = Tree(sql.load_tree(session), sql.chunk_counts(session), self.config.hierarchy_depth)
        samples = _samples(session)
        groups = []
        for parent_id, children in tree.children_of.items():
            if len(children) < 2:
                continue
            candidates = []
            for child in children:
                texts = [text for row in tree.subtree(child.id) for text in samples.get(row.id, [])]
                profile = lexical.profile(" ".join(texts))
                candidates.append(
                    CurationCandidate(
                        name=child.name,
                        chunk_count=tree.total(child.id),
                        keywords=tuple(profile.spelling(stem) for stem in profile.top(KEYWORDS)),
                        sample=lexical.truncate(" ".join(texts[0].split()), OPENING_CHARS)
                        if texts
                        else "",
                    )
                )
            groups.append(
                _Group(
                    parent_id,
                    children[0].level,
                    tree.path(parent_id) if parent_id is not None else (),
                    tuple(child.id for child in children),
                    tuple(candidates),
                )
            )
        groups.sort(key=lambda g: (g.level, g.parent_path))
        return tree, groups

    async def _ask(self, group: _Group) -> tuple[CurationPlan, LLMCallRecord]:
        prompt = prompts.curation_prompt(
            group.candidates, level=group.level, parent_path=group.parent_path
        )
        names = [candidate.name for candidate in group.candidates]
        return await self.agents.call(curation_output(names), prompt, LLMPurpose.CURATE)

    def _log_calls(self, records: Sequence[LLMCallRecord], operation_id: str) -> None:
        record_operation_calls(
            self.database,
            records,
            doing="recording the calls of tidy",
            operation_id=operation_id,
            keep_payloads=self.config.record_llm_payloads,
        )


def _samples(session: Session) -> dict[int, list[str]]:
    """Category id → the openings of its first chunks (at most :data:`SAMPLED_CHUNKS`)."""
    numbered = select(
        Chunk.category_id,
        func.substr(Chunk.content, 1, SAMPLE_CHARS).label("text"),
        func.row_number().over(partition_by=Chunk.category_id, order_by=Chunk.id).label("rank"),
    ).subquery()
    rows = session.execute(
        select(numbered.c.category_id, numbered.c.text)
        .where(numbered.c.rank <= SAMPLED_CHUNKS)
        .order_by(numbered.c.category_id, numbered.c.rank)
    )
    found: dict[int, list[str]] = {}
    for category_id, text in rows:
        found.setdefault(category_id, []).append(text)
    return found


def _proposals(tree: Tree, group: _Group, output: CurationPlan) -> list[MergeProposal]:
    """The model's merges as proposals by id: one per category merged away, never chained."""
    by_name = {tree.rows[i].name: i for i in group.ids}
    targets: dict[int, tuple[int, str]] = {}
    for merge in output.merges:
        source, into = by_name.get(merge.category), by_name.get(merge.into)
        if source is None or into is None or source == into or source in targets:
            continue
        targets[source] = (into, merge.reason)
    proposals = []
    for source, (into, reason) in targets.items():
        seen = {source}
        while into in targets and into not in seen:  # A → B → C: A goes straight to C
            seen.add(into)
            into = targets[into][0]
        if into in seen:
            continue  # a cycle: the model contradicted itself; propose nothing for it
        proposals.append(
            MergeProposal(
                source_id=source,
                into_id=into,
                source_path=tree.path(source),
                into_path=tree.path(into),
                reason=reason,
            )
        )
    return proposals
