"""Ingestion of 1,000 chunks with the offline model slowed to 100 ms a call, at max_concurrency 8.

For each path-assignment mode (whole paths, level by level, and auto, which
chooses per batch): wall time against the lower bound calls x latency / 8,
model calls per chunk and prompt tokens per chunk. Each mode ingests into a
fresh SQLite file, so the tree starts empty every time.

Also the size of the audit log: the bytes of the request and response columns
of ``llm_calls`` (summed by SQLite) per byte of UTF-8 text ingested, for the
eight samples and for the 1 MB corpus, with the default settings.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

from benchmarks import Figure, benchmark
from benchmarks.corpus import english_corpus, fingerprint

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

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


def _payload_bytes(database: Path) -> int:
    """The bytes of the payload columns of ``llm_calls``, summed by SQLite on the raw values."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        (total,) = connection.execute(
            "SELECT COALESCE(SUM(LENGTH(CAST(request_text AS BLOB))), 0)"
            " + COALESCE(SUM(LENGTH(CAST(response_text AS BLOB))), 0) FROM llm_calls"
        ).fetchone()
    connection.close()
    return int(total)


def _log_ratio(texts: dict[str, str], database: Path) -> tuple[float, int, int]:
    from memoir_ai import MemoirAI

    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:  # the offline model
        for source_id, text in texts.items():
            memoir.ingest_text_sync(text, source_id)
        calls = len(memoir.llm_calls())
    ingested = sum(len(text.encode("utf-8")) for text in texts.values())
    logged = _payload_bytes(database)
    return logged / ingested, logged, calls


@benchmark("ingest")
def audit_log_figures() -> list[Figure]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    logging.getLogger("memoir_ai").setLevel(logging.WARNING)
    samples = {
        path.relative_to(SAMPLES).as_posix(): path.read_text("utf-8")
        for path in sorted(SAMPLES.rglob("*.md"))
    }
    corpus = {"corpus.md": english_corpus()}
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        for name, texts in (("8 samples", samples), ("1 MB corpus", corpus)):
            ratio, logged, calls = _log_ratio(texts, Path(folder) / f"{len(texts)}.db")
            size = sum(len(text.encode("utf-8")) for text in texts.values())
            figures.append(
                Figure(
                    f"audit-log bytes per MB ingested [{name}]",
                    ratio,
                    "MB/MB",
                    note=f"{logged:,} bytes of requests and responses for {size:,} bytes "
                    f"of text, {calls} calls; default settings, offline model",
                    goal="<= 0.3",
                    details={"log_bytes": logged, "ingested_bytes": size, "calls": calls},
                )
            )
    return figures
