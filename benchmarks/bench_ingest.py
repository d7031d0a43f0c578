"""Ingestion of 1,000 chunks with the offline model slowed to 100 ms a call, at max_concurrency 8.

For each path-assignment mode (whole paths, level by level, and auto, which
chooses per batch): wall time against the lower bound calls x latency / 8,
model calls per chunk and prompt tokens per chunk. Each mode ingests into a
fresh SQLite file, so the tree starts empty every time.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

from benchmarks import Figure, benchmark
from benchmarks.corpus import english_corpus, fingerprint

CHUNKS = 1000
LATENCY = 0.1
CONCURRENCY = 8
MODES = ("whole_path", "level_by_level", "auto")
SETTINGS = {"chunk_min_tokens": 60, "chunk_max_tokens": 100, "batch_size": 5}
HELPER = "A generated collection of short English stories about villages, travels and trades."


def _text() -> str:
    from memoir_ai.text.chunker import TextChunker

    corpus = english_corpus()
    chunks = TextChunker(SETTINGS["chunk_min_tokens"], SETTINGS["chunk_max_tokens"]).chunk_text(
        corpus
    )
    return corpus[: chunks[CHUNKS - 1].end_offset]


def _measure(mode: str, text: str, folder: Path) -> list[Figure]:
    from memoir_ai import MemoirAI
    from memoir_ai.llm.offline import offline_model

    url = f"sqlite:///{folder / f'{mode}.db'}"
    with MemoirAI(
        database_url=url,
        llm=offline_model(LATENCY),
        max_concurrency=CONCURRENCY,
        path_assignment=mode,
        **SETTINGS,
    ) as memoir:
        memoir.database.create_tables()
        started = time.perf_counter()
        result = memoir.ingest_text_sync(text, "corpus", contextual_helper=HELPER)
        wall = time.perf_counter() - started
    chunks = len(result.chunks)
    calls = result.llm_call_count
    bound = calls * LATENCY / CONCURRENCY
    details: dict[str, float | int | str] = {
        "mode": mode,
        "chunks": chunks,
        "calls": calls,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "categories_created": len(result.categories_created),
        "wall_seconds": round(wall, 3),
        "lower_bound_seconds": round(bound, 3),
        "text_sha256_16": fingerprint(text),
    }
    note = f"{chunks} chunks, {calls} calls of {LATENCY * 1000:.0f} ms at concurrency {CONCURRENCY}"
    return [
        Figure(
            f"ingest wall / lower bound [{mode}]",
            wall / bound,
            "x",
            note=f"{wall:.1f} s vs {bound:.1f} s; {note}",
            goal="close to 1",
            details=details,
        ),
        Figure(f"LLM calls per chunk [{mode}]", calls / chunks, "calls", note=note),
        Figure(
            f"prompt tokens per chunk [{mode}]",
            result.input_tokens / chunks,
            "tokens",
            note="offline model's token usage estimate, tree and helper included",
        ),
    ]


@benchmark("ingest")
def ingest_figures() -> list[Figure]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    logging.getLogger("memoir_ai").setLevel(logging.WARNING)
    text = _text()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        for mode in MODES:
            figures.extend(_measure(mode, text, Path(folder)))
    return figures
