"""SUMMARIZE: shorten every retrieved chunk to its character target with the model.

Chunks are summarized several per call, in parts whose prompt fits the budget
minus the instruction headroom (:func:`~memoir_ai.query.budget.pack_parts`);
parts run concurrently. A summary that is missing or longer than its target is
asked for again, alone, up to ``retries`` times; one still too long is kept
(the total is checked against the tolerance afterwards), one still missing is
an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from memoir_ai.errors import QueryError
from memoir_ai.llm import prompts
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.limits import summary_max_tokens
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.llm.schemas import ChunkSummaries, LLMPurpose, summary_output
from memoir_ai.query.budget import (
    DEFAULT_SUMMARY_HEADROOM,
    DEFAULT_SUMMARY_RETRIES,
    DEFAULT_SUMMARY_TOLERANCE,
    pack_parts,
)
from memoir_ai.query.wording import API_WORDING, QueryWording
from memoir_ai.text.tokens import TokenCounter

__all__ = ["SummaryOptions", "summarize_chunks", "summary_call_tokens"]

SummaryCall = tuple[LLMCallRecord, BaseModel | None]


@dataclass(frozen=True)
class SummaryOptions:
    """The knobs of SUMMARIZE: headroom per call, retries per summary, total tolerance."""

    headroom_tokens: int = DEFAULT_SUMMARY_HEADROOM
    retries: int = DEFAULT_SUMMARY_RETRIES
    tolerance: float = DEFAULT_SUMMARY_TOLERANCE

    def __post_init__(self) -> None:
        """Reject settings that cannot work."""
        if self.headroom_tokens < 0 or self.retries < 0 or self.tolerance < 0:
            raise QueryError(
                f"Summary options must not be negative, got {self}.",
                remedy="use headroom_tokens ≥ 0, retries ≥ 0 and tolerance ≥ 0.",
            )


def summary_call_tokens(
    counter: TokenCounter, query: str, chunks: Sequence[prompts.SummaryChunk]
) -> tuple[int, list[int]]:
    """The tokens of a summary call without chunks, and what each chunk (with its target) adds."""
    base = counter.count(prompts.instructions(LLMPurpose.SUMMARIZE)) + counter.count(
        prompts.summary_prompt([], query=query)
    )
    item_tokens = [
        counter.count(
            prompts.chunk_block(chunk.id, chunk.text, f"at most {chunk.target_chars} characters")
            + "\n\n"
        )
        for chunk in chunks
    ]
    return base, item_tokens


async def summarize_chunks(
    agents: AgentFactory,
    counter: TokenCounter,
    query: str,
    chunks: Sequence[prompts.SummaryChunk],
    *,
    budget: int,
    options: SummaryOptions,
    calls: list[SummaryCall],
    wording: QueryWording = API_WORDING,
) -> dict[int, str]:
    """Summaries by chunk id; each call made is appended to ``calls`` (in the order asked).

    Calls are appended as each round completes, so they reach the audit log
    even when a later round fails.
    """
    base, item_tokens = summary_call_tokens(counter, query, chunks)
    parts = pack_parts(
        item_tokens,
        base_tokens=base,
        budget=budget,
        headroom=options.headroom_tokens,
        wording=wording,
    )
    summaries: dict[int, str] = {}
    results = await asyncio.gather(
        *(_summarize(agents, query, [chunks[index] for index in part]) for part in parts)
    )
    for output, record in results:
        calls.append((record, output))
        _collect(output, summaries)
    pending = [chunk for chunk in chunks if _needs_retry(chunk, summaries)]
    for _ in range(options.retries):
        if not pending:
            break
        again = await asyncio.gather(*(_summarize(agents, query, [chunk]) for chunk in pending))
        for chunk, (output, record) in zip(pending, again, strict=True):
            calls.append((record, output))
            retried: dict[int, str] = {}
            _collect(output, retried)
            if chunk.id in retried and (
                chunk.id not in summaries or len(retried[chunk.id]) < len(summaries[chunk.id])
            ):
                summaries[chunk.id] = retried[chunk.id]
        pending = [chunk for chunk in pending if _needs_retry(chunk, summaries)]
    missing = [chunk.id for chunk in chunks if chunk.id not in summaries]
    if missing:
        raise QueryError(
            f"The model returned no summary for chunk(s) {missing}, even when asked again.",
            remedy=f"retry, use {wording.prune}, or use a model that follows JSON schemas "
            "more reliably.",
        )
    return summaries


async def _summarize(
    agents: AgentFactory, query: str, part: Sequence[prompts.SummaryChunk]
) -> tuple[ChunkSummaries, LLMCallRecord]:
    prompt = prompts.summary_prompt(part, query=query)
    return await agents.call(
        summary_output([chunk.id for chunk in part]),
        prompt,
        LLMPurpose.SUMMARIZE,
        max_tokens=summary_max_tokens([chunk.target_chars for chunk in part]),
    )


def _collect(output: ChunkSummaries, summaries: dict[int, str]) -> None:
    for item in output.summaries:
        summaries.setdefault(item.id, item.summary.strip())


def _needs_retry(chunk: prompts.SummaryChunk, summaries: dict[int, str]) -> bool:
    return chunk.id not in summaries or len(summaries[chunk.id]) > chunk.target_chars
