"""Busy time of one model call (offline model): agents and output types built per call vs once.

The query's calls (a traversal step choosing 3 of 8 categories, the answer
citing 10 chunks) and an ingestion's level-by-level classification of 5
chunks go through :class:`~memoir_ai.llm.agents.AgentFactory` with the
offline model (no latency), in one run, two ways:

- **per call**: a fresh narrowed output type for every call (the cache
  bypassed through the builders' uncached functions), so a new ``Agent`` is
  built for every call too — what every call paid before the caches;
- **once per shape**: the public builders, whose classes (and so agents) are
  cached by shape.

Busy time is the process CPU time of a call (``time.process_time``), median
over the calls; the figure is the ratio once-per-shape / per-call.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks import Figure, benchmark

CALLS = 120
CANDIDATES = [f"Subject {letter}" for letter in "ABCDEFGH"]
CHUNK_IDS = list(range(1, 11))
CHUNK_TEXT = (
    "The Moon shows phases because half of it is always lit by the Sun, and as it orbits "
    "the Earth we see a changing share of that lit half, from new to full and back. "
)


def _prompts() -> dict[str, Any]:
    from memoir_ai.llm import prompts

    chunks = [prompts.PromptChunk(i, CHUNK_TEXT) for i in range(1, 6)]
    return {
        "select": prompts.selection_prompt(
            "Why does the Moon have phases?",
            candidates=[prompts.CandidateCategory(name) for name in CANDIDATES],
            count=3,
            level=1,
            depth=3,
        ),
        "answer": prompts.answer_prompt(
            "Why does the Moon have phases?",
            [prompts.AnswerChunk(i, CHUNK_TEXT, ("Astronomy", "Moon")) for i in CHUNK_IDS],
        ),
        "classify": prompts.classification_prompt(
            chunks, level=1, depth=3, existing=CANDIDATES, allow_new=True
        ),
    }


def _builders(cached: bool) -> dict[str, Callable[[], type[Any]]]:
    from memoir_ai.llm import schemas

    if cached:
        return {
            "select": lambda: schemas.selection_output(CANDIDATES, 3),
            "answer": lambda: schemas.answer_output(CHUNK_IDS),
            "classify": lambda: schemas.classification_output(CANDIDATES, True, 5),
        }
    selection = schemas._selection_output.__wrapped__
    answer = schemas._answer_output.__wrapped__
    classification = schemas._classification_output.__wrapped__
    return {
        "select": lambda: selection(tuple(CANDIDATES), 3),
        "answer": lambda: answer(tuple(CHUNK_IDS)),
        "classify": lambda: classification((), True, 5),
    }


def _busy_seconds(cached: bool) -> dict[str, float]:
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.llm.models import LLMSettings
    from memoir_ai.llm.schemas import LLMPurpose

    prompts = _prompts()
    builders = _builders(cached)
    factory = AgentFactory(LLMSettings())
    purposes = {
        "select": LLMPurpose.SELECT,
        "answer": LLMPurpose.ANSWER,
        "classify": LLMPurpose.CLASSIFY,
    }

    async def measure() -> dict[str, float]:
        medians = {}
        for name, build in builders.items():
            samples = []
            for _ in range(CALLS):
                started = time.process_time()
                await factory.call(build(), prompts[name], purposes[name])
                samples.append(time.process_time() - started)
            medians[name] = statistics.median(samples[5:])  # the first calls warm caches
        return medians

    return asyncio.run(measure())


@benchmark("llm calls")
def call_busy_time() -> list[Figure]:
    import logging

    logging.getLogger("memoir_ai").setLevel(logging.ERROR)
    _busy_seconds(cached=True)  # imports and first-use costs, paid by neither side below
    before = _busy_seconds(cached=False)
    after = _busy_seconds(cached=True)
    figures = []
    for name in before:
        figures.append(
            Figure(
                f"{name} call busy time, once per shape / per call (offline model)",
                after[name] / before[name],
                "×",
                note=f"{after[name] * 1000:.2f} ms vs {before[name] * 1000:.2f} ms CPU a call",
                details={
                    "per_call_ms": before[name] * 1000,
                    "once_per_shape_ms": after[name] * 1000,
                },
            )
        )
    return figures


if __name__ == "__main__":
    for figure in call_busy_time():
        print(f"{figure.name}: {figure.value:.3f} ({figure.note})")
