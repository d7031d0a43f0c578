"""Evaluation: how well ``memoir eval`` packs its questions into the concurrency it has.

The eight samples are ingested into a SQLite file (offline model, no delay);
then ``evaluate`` answers the 58 questions of ``eval/samples.jsonl`` with every
strategy and the BM25 baseline, the offline model slowed to 100 ms a call, 8
questions and 8 calls at once. The floor of a strategy is questions x its calls
per question x latency / concurrency: every call waiting its turn in a full
pipe. The figure is the strategy's wall time over that floor, for the slowest
strategy (most calls per question) as the issue asks, and for each of the
others. The stand-in's own word statistics run on the event loop, one call at a
time, and add to the wall time (see the ingest benchmark).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

from benchmarks import Figure, benchmark

LATENCY = 0.1
CONCURRENCY = 8
BUDGET = 2000
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DATASET = ROOT / "eval" / "samples.jsonl"


def _ingest(url: str) -> None:
    from memoir_ai import MemoirAI
    from memoir_ai.llm.offline import offline_model

    with MemoirAI(database_url=url, llm=offline_model()) as memoir:
        for sample in sorted(SAMPLES.rglob("*.md")):
            memoir.ingest_text_sync(
                sample.read_text("utf-8"), source_id=sample.relative_to(SAMPLES).as_posix()
            )


@benchmark("evaluation")
def eval_figures() -> list[Figure]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    logging.getLogger("memoir_ai").setLevel(logging.ERROR)
    from memoir_ai import MemoirAI
    from memoir_ai.evaluation import evaluate_sync, load_dataset
    from memoir_ai.llm.offline import offline_model

    dataset = load_dataset(DATASET)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'eval.db'}"
        _ingest(url)
        with MemoirAI(
            database_url=url, llm=offline_model(LATENCY), max_concurrency=CONCURRENCY
        ) as memoir:
            started = time.perf_counter()
            report = evaluate_sync(
                memoir, dataset, max_token_budget=BUDGET, concurrency=CONCURRENCY
            )
            total = time.perf_counter() - started
    questions = report.questions
    rows = []
    for result in report.strategies:
        calls = result.calls_per_question or 0.0
        floor = questions * calls * LATENCY / CONCURRENCY
        rows.append((result, calls, floor))
    slowest = max(rows, key=lambda row: row[1])
    figures = [
        Figure(
            f"eval wall / (questions x calls x latency / concurrency) [{slowest[0].name}, slowest]",
            slowest[0].wall_seconds / slowest[2] if slowest[2] else None,
            "x",
            note=f"{slowest[0].wall_seconds:.2f} s vs {slowest[2]:.2f} s: {questions} questions x "
            f"{slowest[1]:.2f} calls x {LATENCY * 1000:.0f} ms / {CONCURRENCY}",
            goal="1 when every call waits only for a free slot",
            details={
                "strategy": slowest[0].name,
                "questions": questions,
                "calls_per_question": round(slowest[1], 3),
                "wall_seconds": round(slowest[0].wall_seconds, 3),
                "floor_seconds": round(slowest[2], 3),
                "eval_seconds": round(total, 3),
            },
        )
    ]
    for result, calls, floor in rows:
        if result is slowest[0]:
            continue
        figures.append(
            Figure(
                f"eval wall / floor [{result.name}]",
                result.wall_seconds / floor if floor else None,
                "x",
                note=f"{result.wall_seconds:.2f} s vs {floor:.2f} s; {calls:.2f} calls a question",
            )
        )
    figures.append(
        Figure(
            "whole eval (4 strategies + bm25, 58 questions)",
            total,
            "s",
            note=f"offline model at {LATENCY * 1000:.0f} ms a call, concurrency {CONCURRENCY}, "
            f"budget {BUDGET}",
        )
    )
    return figures
