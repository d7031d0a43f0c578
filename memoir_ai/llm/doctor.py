"""A smoke test of a model: one tiny request per purpose, as memoir-ai would send it.

:func:`check_model` runs the six purposes (helper, classify, select,
summarize, answer, and curate for ``memoir tidy``) with the real prompts,
output types, checks, bounds, retry policy and output-mode fallback, on short
made-up texts, and reports for each the output mode that worked, the latency,
the tokens and whether the answer validated. It never opens a database.
``memoir doctor`` prints it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memoir_ai.llm import prompts, schemas
from memoir_ai.llm.records import LLMCallError, LLMCallRecord
from memoir_ai.llm.schemas import LLMPurpose

if TYPE_CHECKING:
    from pydantic import BaseModel

    from memoir_ai.llm.agents import AgentFactory

__all__ = ["PurposeCheck", "check_model"]

MOON = (
    "The Moon shows phases because half of it is always lit by the Sun. As it orbits the "
    "Earth once a month, we see a changing share of that lit half, from new moon to full."
)
BREAD = (
    "A sourdough starter is flour and water left to ferment. Fed daily, its wild yeast and "
    "bacteria make bread rise and give it a sour taste."
)
QUESTION = "Why does the Moon have phases?"


@dataclass(frozen=True)
class PurposeCheck:
    """How one purpose fared: the mode that worked, latency, tokens, and whether it validated."""

    purpose: LLMPurpose
    validated: bool
    structured_output: str
    latency_seconds: float
    input_tokens: int
    output_tokens: int
    attempts: int
    requests: int
    max_tokens: int | None
    detail: str

    @classmethod
    def from_record(cls, record: LLMCallRecord, detail: str) -> PurposeCheck:
        """The check of a call that ended with ``record``."""
        return cls(
            purpose=record.purpose,
            validated=record.outcome == "ok",
            structured_output=record.structured_output,
            latency_seconds=record.latency_seconds,
            input_tokens=record.input_tokens,
            output_tokens=record.output_tokens,
            attempts=record.attempts,
            requests=record.requests,
            max_tokens=record.max_tokens,
            detail=detail,
        )


Probe = Callable[["AgentFactory"], Awaitable[tuple["BaseModel", LLMCallRecord]]]


async def check_model(agents: AgentFactory) -> list[PurposeCheck]:
    """One request per purpose through ``agents``, in the order an ingestion and a query make them.

    A call that fails is reported, not raised: the point is to see all five.
    A configuration mistake (unknown provider, missing key) is raised as usual.
    """
    checks = []
    for probe in _PROBES.values():
        try:
            output, record = await probe(agents)
        except LLMCallError as exc:
            checks.append(PurposeCheck.from_record(exc.record, exc.message))
            continue
        checks.append(PurposeCheck.from_record(record, _describe(output, record)))
    return checks


def _describe(output: BaseModel, record: LLMCallRecord) -> str:
    text = output.model_dump_json()
    shown = text if len(text) <= 120 else text[:117] + "..."
    return "; ".join([shown, *record.notes])


async def _helper(agents: AgentFactory) -> tuple[BaseModel, LLMCallRecord]:
    prompt = prompts.helper_prompt(
        f"# Moon Notes\n\n{MOON}", source_id="moon-notes.md", file_name="moon-notes.md"
    )
    return await agents.call(schemas.GeneratedHelper, prompt, LLMPurpose.HELPER)


async def _classify(agents: AgentFactory) -> tuple[BaseModel, LLMCallRecord]:
    chunks = [prompts.PromptChunk(1, MOON), prompts.PromptChunk(2, BREAD)]
    prompt = prompts.classification_prompt(
        chunks, level=1, depth=3, existing=["Astronomy"], allow_new=True
    )
    output_type = schemas.classification_output(["Astronomy"], True, len(chunks))
    return await agents.call(output_type, prompt, LLMPurpose.CLASSIFY)


async def _select(agents: AgentFactory) -> tuple[BaseModel, LLMCallRecord]:
    names = ["Astronomy", "Baking", "Football"]
    prompt = prompts.selection_prompt(
        QUESTION,
        candidates=[prompts.CandidateCategory(name) for name in names],
        count=1,
        level=1,
        depth=3,
    )
    return await agents.call(schemas.selection_output(names, 1), prompt, LLMPurpose.SELECT)


async def _summarize(agents: AgentFactory) -> tuple[BaseModel, LLMCallRecord]:
    from memoir_ai.llm.limits import summary_max_tokens

    chunk = prompts.SummaryChunk(1, MOON, 90)
    prompt = prompts.summary_prompt([chunk], query=QUESTION)
    return await agents.call(
        schemas.summary_output([1]),
        prompt,
        LLMPurpose.SUMMARIZE,
        max_tokens=summary_max_tokens([chunk.target_chars]),
    )


async def _answer(agents: AgentFactory) -> tuple[BaseModel, LLMCallRecord]:
    from memoir_ai.llm.limits import answer_max_tokens

    chunks = [prompts.AnswerChunk(1, MOON, ("Astronomy", "Moon", "Phases"))]
    prompt = prompts.answer_prompt(QUESTION, chunks)
    return await agents.call(
        schemas.answer_output([1]), prompt, LLMPurpose.ANSWER, max_tokens=answer_max_tokens(4000)
    )


async def _curate(agents: AgentFactory) -> tuple[BaseModel, LLMCallRecord]:
    siblings = [
        prompts.CurationCandidate("Moon & Phases", 2, ("moon", "phase", "lit")),
        prompts.CurationCandidate("Phases & Moon", 1, ("moon", "phase", "orbit")),
        prompts.CurationCandidate("Bread", 3, ("flour", "dough", "oven")),
    ]
    prompt = prompts.curation_prompt(siblings, level=2, parent_path=("Astronomy",))
    output_type = schemas.curation_output([sibling.name for sibling in siblings])
    return await agents.call(output_type, prompt, LLMPurpose.CURATE)


_PROBES: dict[LLMPurpose, Probe] = {
    LLMPurpose.HELPER: _helper,
    LLMPurpose.CLASSIFY: _classify,
    LLMPurpose.SELECT: _select,
    LLMPurpose.SUMMARIZE: _summarize,
    LLMPurpose.ANSWER: _answer,
    LLMPurpose.CURATE: _curate,
}
