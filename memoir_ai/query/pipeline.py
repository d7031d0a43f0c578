"""Answering a question from the memory: traverse → retrieve → fit the budget → answer → audit.

1. Check the settings (a database of another depth is refused before any call).
2. Walk the tree with the strategy (:mod:`~memoir_ai.query.traversal`): one
   selection call per parent and level, concurrently within a level; the
   helpers of the sources under each parent go into its prompt.
3. Read each unique leaf once (:mod:`~memoir_ai.query.retrieve`); empty
   leaves and paths that stop early are dropped and reported.
4. Fit ``max_token_budget`` (:mod:`~memoir_ai.query.budget`): PRUNE keeps the
   highest-ranked whole paths that fit together (:mod:`~memoir_ai.query.prune`);
   SUMMARIZE shortens every chunk (:mod:`~memoir_ai.query.summarize`).
5. Ask for the answer with citations (:mod:`~memoir_ai.query.answer`).
6. Write every call to ``llm_calls`` under one ``operation_id``, in a short
   transaction after the calls (also when the query fails after some calls).

No database transaction is open while a model is called.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database.calls import record_operation_calls
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.helpers import helpers_of_sources
from memoir_ai.errors import DatabaseError, QueryError, ValidationError
from memoir_ai.llm import prompts
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.records import LLMCallError, LLMCallRecord
from memoir_ai.llm.schemas import CategorySelection, LLMPurpose, selection_output
from memoir_ai.query import budget as arithmetic
from memoir_ai.query.answer import AnswerPrompt, answer_chunks, ask_for_answer, helpers_for
from memoir_ai.query.prune import prune_paths
from memoir_ai.query.results import (
    CategoryPath,
    DroppedPath,
    NoResultsError,
    PromptLimitingStrategy,
    QueryCall,
    QueryResult,
    QueryStrategy,
    UsedChunk,
)
from memoir_ai.query.retrieve import RetrievedPath, retrieve_paths
from memoir_ai.query.summarize import SummaryOptions, summarize_chunks, summary_call_tokens
from memoir_ai.query.traversal import SelectionRequest, strategy_plan, traverse
from memoir_ai.query.tree_reader import DatabaseTreeReader
from memoir_ai.query.wording import API_WORDING, QueryWording
from memoir_ai.text.tokens import get_token_counter

__all__ = ["QueryPipeline"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
HELPERS_PER_PROMPT = 5
"""Most source descriptions shown in one selection prompt (those of the first sources by id)."""
MAX_QUERY_CHARACTERS = 20_000


class QueryPipeline:
    """Answers questions from one database with one model (see the module docstring)."""

    def __init__(
        self,
        config: MemoirAIConfig,
        database: DatabaseManager,
        agents: AgentFactory,
        *,
        summary_options: SummaryOptions | None = None,
        helpers_per_prompt: int = HELPERS_PER_PROMPT,
    ) -> None:
        """Query ``database`` with ``config``'s settings, calling models via ``agents``."""
        self.config = config
        self.database = database
        self.agents = agents
        self.depth = config.hierarchy_depth
        self.counter = get_token_counter(config.model_name)
        self.summary_options = summary_options or SummaryOptions()
        self.helpers_per_prompt = helpers_per_prompt

    async def query(
        self,
        query_text: str,
        strategy: QueryStrategy | str = QueryStrategy.ONE_SHOT,
        strategy_params: Mapping[str, Any] | None = None,
        prompt_limiting_strategy: PromptLimitingStrategy | str = PromptLimitingStrategy.PRUNE,
        max_token_budget: int | None = None,
        use_rankings: bool = True,
        limit: int = 10,
        *,
        wording: QueryWording = API_WORDING,
    ) -> QueryResult:
        """Answer ``query_text`` from the memory; see :class:`QueryResult`.

        Messages name the parameters as ``wording`` says (the API's names by
        default; a front door passes its own, e.g. ``memoir query`` its options).

        Raises:
            ValidationError: An empty question, an unknown strategy or bad
                ``strategy_params``, a budget or limit below 1.
            ConfigurationError: The database holds a tree of another depth.
            NoResultsError: No path led to a chunk, or nothing fits the budget
                (a :class:`QueryError` carrying the dropped paths).
            QueryError: Summaries or the final prompt cannot fit the budget, or
                a model call failed for good.
            DatabaseError: Reading the memory or writing the audit log failed.
        """
        started = time.perf_counter()
        budget = self._check_inputs(query_text, max_token_budget, limit, wording)
        plan = strategy_plan(strategy, strategy_params, wording)
        limiting = _limiting(prompt_limiting_strategy, wording)
        operation_id = uuid.uuid4().hex
        calls: list[tuple[LLMCallRecord, BaseModel | None]] = []
        try:
            selections: list[tuple[LLMCallRecord, CategorySelection]] = []
            try:
                traversal = await traverse(
                    plan,
                    self.depth,
                    DatabaseTreeReader(
                        self.database, self.depth, self.helpers_per_prompt, self._in_thread
                    ),
                    lambda request: self._select(query_text, request),
                    calls=selections,
                )
            finally:
                calls.extend(selections)
            dropped = list(traversal.dropped)
            if not traversal.paths:
                raise _nothing_found(dropped, "no path reached a leaf of the tree", wording)
            retrieved, empty = await self._in_thread(self._retrieve, traversal.paths, limit)
            dropped += empty
            if not retrieved:
                raise _nothing_found(_sorted(dropped), "every chosen leaf is empty", wording)
            helpers = await self._in_thread(self._helpers, retrieved)
            prompt = AnswerPrompt(query_text, self.counter)
            if limiting is PromptLimitingStrategy.PRUNE:
                kept, pruned = prune_paths(
                    prompt,
                    retrieved,
                    helpers,
                    budget=budget,
                    use_rankings=use_rankings,
                    earlier=dropped,
                    wording=wording,
                )
                dropped += pruned
                summaries: dict[int, str] = {}
            else:
                kept = retrieved
                summaries = await self._summarize(
                    prompt, retrieved, helpers, budget, calls, wording
                )
            shown = answer_chunks(kept, summaries)
            kept_helpers = helpers_for(kept, helpers)
            prompt_text = prompt.render(shown, kept_helpers)
            prompt_tokens = prompt.count(shown, kept_helpers)
            arithmetic.check_fits(prompt_tokens, budget, wording=wording)
            answer, record = await ask_for_answer(
                self.agents, prompt_text, [chunk.id for chunk in shown], budget=budget
            )
            calls.append((record, answer))
        except LLMCallError as exc:
            calls.append((exc.record, None))
            await self._record(calls, operation_id, failed=True)
            raise QueryError(
                f"The query could not be answered: {exc.message}", remedy=exc.remedy
            ) from exc
        except QueryError:
            await self._record(calls, operation_id, failed=True)
            raise
        await self._record(calls, operation_id)
        cited = tuple(dict.fromkeys(answer.cited_chunk_ids))
        used = _used_chunks(kept, summaries, set(cited))
        return QueryResult(
            query=query_text,
            answer=answer.answer,
            cited_chunk_ids=cited,
            chunks=used,
            paths=tuple(item.path for item in kept),
            dropped_paths=tuple(_sorted(dropped)),
            llm_calls=tuple(QueryCall.from_record(record, output) for record, output in calls),
            total_latency_seconds=time.perf_counter() - started,
            strategy=plan.strategy,
            prompt_limiting_strategy=limiting,
            max_token_budget=budget,
            prompt_tokens=prompt_tokens,
            summarized=bool(summaries),
            operation_id=operation_id,
            temperature=self.agents.settings.temperature,
            trace=traversal.trace,
        )

    # --- steps ------------------------------------------------------------------------------

    def check_arguments(
        self,
        query_text: str,
        strategy: QueryStrategy | str,
        strategy_params: Mapping[str, Any] | None,
        prompt_limiting_strategy: PromptLimitingStrategy | str,
        max_token_budget: int | None,
        limit: int,
        *,
        wording: QueryWording = API_WORDING,
    ) -> None:
        """Refuse bad arguments before anything is read or called (no I/O).

        Raises:
            ValidationError: the same refusals as :meth:`query`'s argument checks.
        """
        self._check_inputs(query_text, max_token_budget, limit, wording)
        strategy_plan(strategy, strategy_params, wording)
        _limiting(prompt_limiting_strategy, wording)

    def _check_inputs(
        self, query_text: str, max_token_budget: int | None, limit: int, wording: QueryWording
    ) -> int:
        if not isinstance(query_text, str) or not query_text.strip():
            raise ValidationError(
                "The question is empty.",
                remedy=f"pass the question to answer as {wording.question}.",
            )
        if len(query_text) > MAX_QUERY_CHARACTERS:
            raise ValidationError(
                f"The question has {len(query_text)} characters, more than {MAX_QUERY_CHARACTERS}.",
                remedy=f"ask a shorter question; file long material with {wording.ingest} instead.",
            )
        budget = self.config.max_token_budget if max_token_budget is None else max_token_budget
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
            raise ValidationError(
                f"{wording.budget_name} must be a positive number of tokens, got {budget!r}.",
                remedy=f"pass e.g. {wording.budget(40000)}.",
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationError(
                f"{wording.limit_name} (chunks per path) must be a positive whole number, "
                f"got {limit!r}.",
                remedy=f"pass e.g. {wording.limit(10)}.",
            )
        return budget

    async def _select(
        self, query_text: str, request: SelectionRequest
    ) -> tuple[CategorySelection, LLMCallRecord]:
        names = [node.name for node in request.candidates]
        prompt = prompts.selection_prompt(
            query_text,
            candidates=[prompts.CandidateCategory(name) for name in names],
            count=min(request.count, len(names)),
            level=request.level,
            depth=self.depth,
            parent_path=request.parent_path,
            helpers=request.helpers,
        )
        output_type = selection_output(names, request.count)
        return await self.agents.call(output_type, prompt, LLMPurpose.SELECT)

    def _retrieve(
        self, paths: Sequence[CategoryPath], limit: int
    ) -> tuple[list[RetrievedPath], list[DroppedPath]]:
        return self.database.run(
            lambda session: retrieve_paths(session, paths, per_path_limit=limit),
            doing="reading the chunks of the chosen categories",
        )

    def _helpers(self, retrieved: Sequence[RetrievedPath]) -> dict[str, str]:
        sources = sorted({chunk.source_id for item in retrieved for chunk in item.chunks})
        found = self.database.run(
            lambda session: helpers_of_sources(session, sources),
            doing="reading the contextual helpers of the sources used",
        )
        return {helper.source_id: helper.helper_text for helper in found}

    async def _summarize(
        self,
        prompt: AnswerPrompt,
        retrieved: Sequence[RetrievedPath],
        helpers: Mapping[str, str],
        budget: int,
        calls: list[tuple[LLMCallRecord, BaseModel | None]],
        wording: QueryWording,
    ) -> dict[int, str]:
        chunks = answer_chunks(retrieved, {})
        total = prompt.count(chunks, helpers_for(retrieved, helpers))
        if total <= budget:
            return {}
        # A stored chunk's token_count is one encode of exactly its text: no need to encode again.
        chunk_tokens = sum(chunk.token_count for item in retrieved for chunk in item.chunks)
        fixed = total - chunk_tokens
        lengths = [len(chunk.text) for chunk in chunks]

        def largest_call(candidate: int) -> int:
            """The summary call of the largest chunk with the targets ``candidate`` would give."""
            ratio = min(1.0, (candidate - fixed) / chunk_tokens)
            base, items = summary_call_tokens(
                self.counter,
                prompt.query,
                [
                    prompts.SummaryChunk(chunk.id, chunk.text, target)
                    for chunk, target in zip(
                        chunks, arithmetic.char_targets(lengths, ratio), strict=True
                    )
                ],
            )
            return base + max(items)

        arithmetic.check_summary_budget(
            budget=budget,
            fixed_tokens=fixed,
            chunk_count=len(chunks),
            full_tokens=total,
            headroom=self.summary_options.headroom_tokens,
            call_tokens=largest_call,
            wording=wording,
        )
        ratio = arithmetic.compression_ratio(
            budget=budget, fixed_tokens=fixed, chunk_tokens=chunk_tokens, wording=wording
        )
        targets = arithmetic.char_targets(lengths, ratio)
        logger.info("SUMMARIZE: %d tokens for a budget of %d; ratio %.3f.", total, budget, ratio)
        summaries = await summarize_chunks(
            self.agents,
            self.counter,
            prompt.query,
            [
                prompts.SummaryChunk(chunk.id, chunk.text, target)
                for chunk, target in zip(chunks, targets, strict=True)
            ],
            budget=budget,
            options=self.summary_options,
            calls=calls,
            wording=wording,
        )
        arithmetic.check_summary_lengths(
            [len(summaries[chunk.id]) for chunk in chunks],
            targets,
            tolerance=self.summary_options.tolerance,
            wording=wording,
        )
        return summaries

    async def _record(
        self,
        calls: Sequence[tuple[LLMCallRecord, BaseModel | None]],
        operation_id: str,
        *,
        failed: bool = False,
    ) -> None:
        if not calls:
            return
        try:
            await self._in_thread(
                functools.partial(
                    record_operation_calls,
                    self.database,
                    [record for record, _ in calls],
                    doing="recording the calls of a query",
                    operation_id=operation_id,
                    keep_payloads=self.config.record_llm_payloads,
                )
            )
        except DatabaseError as exc:
            if not failed:
                raise
            logger.warning("Could not record the calls of a failed query: %s", exc)

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        """Run blocking database work off the event loop (its errors are DatabaseErrors)."""
        return await asyncio.to_thread(function, *args)


def _limiting(value: PromptLimitingStrategy | str, wording: QueryWording) -> PromptLimitingStrategy:
    try:
        return PromptLimitingStrategy(value)
    except ValueError:
        raise ValidationError(
            f"Unknown prompt limiting strategy {value!r}.",
            remedy=f"use {wording.prune} or {wording.summarize}.",
        ) from None


def _used_chunks(
    retrieved: Sequence[RetrievedPath], summaries: Mapping[int, str], cited: set[int]
) -> tuple[UsedChunk, ...]:
    return tuple(
        UsedChunk(
            id=chunk.id,
            category_path=item.path.names,
            relevance=item.path.ranked_relevance,
            created_at=chunk.created_at,
            text=chunk.content,
            source_id=chunk.source_id,
            token_count=chunk.token_count,
            summary=summaries.get(chunk.id),
            cited=chunk.id in cited,
        )
        for item in retrieved
        for chunk in item.chunks
    )


def _sorted(dropped: Sequence[DroppedPath]) -> list[DroppedPath]:
    return sorted(dropped, key=lambda item: item.path.ids)


def _nothing_found(
    dropped: Sequence[DroppedPath], why: str, wording: QueryWording
) -> NoResultsError:
    if not dropped:
        return NoResultsError(
            "The memory holds no chunk yet (no category, or only empty ones), so there is "
            "nothing to answer from.",
            dropped_paths=(),
            remedy=f"file some text first ({wording.ingest}).",
        )
    listed = "; ".join(f"{item.path.label()} ({item.reason})" for item in dropped)
    return NoResultsError(
        f"No chunk was found for the question: {why}. Dropped paths: {listed}.",
        dropped_paths=tuple(dropped),
        considered_paths=tuple(item.path for item in dropped),
        remedy="ask about what the memory holds, or try a wider strategy "
        f"({wording.strategy('wide_branch')}).",
    )
