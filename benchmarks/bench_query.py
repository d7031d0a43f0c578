"""Query: LLM calls and wall time per strategy; SQL retrieval at a million chunks.

1. Strategies. A depth-3 tree (8 x 8 x 8 categories, 3 chunks per leaf) is
   written straight into a SQLite file; each strategy answers one question
   with the offline model slowed to 100 ms a call at max_concurrency 8. The
   figure is the wall time against (levels + 1) x latency, the floor when
   every level's calls run at once: a level with more calls than the
   concurrency limit takes several rounds, so wide strategies sit above it.
2. Retrieval. 1,000,000 chunks under 10,000 leaves (10 x 10 x 100 categories,
   100 chunks per leaf) generated straight into the database: SQLAlchemy Core
   executemany on SQLite, COPY on PostgreSQL (when MEMOIR_BENCH_POSTGRES_URL or
   MEMOIR_TEST_POSTGRES_URL is set; a scratch database is created and
   dropped). Median and p99 of reading one leaf's chunks (the query's read:
   created_at then id, limit 10; and the whole leaf) over 400 random leaves,
   and of loading the whole tree. ``--quick`` (or MEMOIR_BENCH_QUICK=1) uses
   100,000 chunks under 1,000 leaves; every figure says its scale.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks import Figure, benchmark

LATENCY = 0.1
CONCURRENCY = 8
STRATEGY_FANOUT = 8
STRATEGIES = ("one_shot", "wide_branch", "zoom_in", "branch_out")
FULL_SCALE = (10, 10, 100, 100)  # roots, children per root, leaves per child, chunks per leaf
QUICK_SCALE = (10, 10, 10, 100)
LEAF_SAMPLES = 400
TREE_SAMPLES = 30
BATCH = 20_000
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
WORDS = ("star", "planet", "orbit", "castle", "knight", "bread", "sauce", "match", "goal", "comet")


def _quick() -> bool:
    return "--quick" in sys.argv or os.environ.get("MEMOIR_BENCH_QUICK") == "1"


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _categories(roots: int, children: int, leaves: int) -> Iterator[dict[str, Any]]:
    """Rows of a full tree, ids in breadth-first order; names drawn from a small vocabulary."""
    next_id = 1
    level_ids: list[int] = []
    for index in range(roots):
        yield _category(next_id, f"{WORDS[index % len(WORDS)]} {index}", 1, None)
        level_ids.append(next_id)
        next_id += 1
    for level, width in ((2, children), (3, leaves)):
        parents, level_ids = level_ids, []
        for parent in parents:
            for index in range(width):
                name = f"{WORDS[(parent + index) % len(WORDS)]} {parent}.{index}"
                yield _category(next_id, name, level, parent)
                level_ids.append(next_id)
                next_id += 1


def _category(id_: int, name: str, level: int, parent: int | None) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "level": level,
        "parent_id": parent,
        "parent_level": None if parent is None else level - 1,
        "metadata": {},
        "created_at": EPOCH,
        "updated_at": EPOCH,
    }


def _chunk(id_: int, leaf: int, position: int) -> dict[str, Any]:
    word = WORDS[id_ % len(WORDS)]
    content = f"Chunk {id_} about the {word}: a generated sentence of plain words about {word}s."
    stamp = EPOCH + dt.timedelta(seconds=id_ // 7)  # ties on created_at, broken by id
    return {
        "id": id_,
        "content": content,
        "token_count": 20,
        "category_id": leaf,
        "source_id": f"bench-{leaf}",
        "position": position,
        "start_offset": 0,
        "end_offset": len(content),
        "metadata": {},
        "created_at": stamp,
        "updated_at": stamp,
    }


def _prepare(url: str) -> Any:
    from memoir_ai import MemoirAIConfig
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.database.settings import remember_settings

    config = MemoirAIConfig(database_url=url)
    database = DatabaseManager(config)
    database.create_tables()
    with database.transaction() as session:
        remember_settings(session, hierarchy_depth=3, tokenizer_model="offline")
    return database


def _fill(database: Any, scale: tuple[int, int, int, int]) -> tuple[list[int], float]:
    """Write the tree and its chunks; return the leaf ids and the seconds it took."""
    from memoir_ai.database.models import Category, Chunk

    roots, children, leaves, per_leaf = scale
    started = time.perf_counter()
    categories = list(_categories(roots, children, leaves))
    leaf_ids = [row["id"] for row in categories if row["level"] == 3]
    with database.engine.begin() as connection:
        connection.execute(Category.__table__.insert(), categories)
    rows = (
        _chunk(index * per_leaf + position + 1, leaf, position)
        for index, leaf in enumerate(leaf_ids)
        for position in range(per_leaf)
    )
    if database.engine.dialect.name == "postgresql":
        _copy(database, rows)
    else:
        batch: list[dict[str, Any]] = []
        with database.engine.begin() as connection:
            for row in rows:
                batch.append(row)
                if len(batch) == BATCH:
                    connection.execute(Chunk.__table__.insert(), batch)
                    batch = []
            if batch:
                connection.execute(Chunk.__table__.insert(), batch)
    return leaf_ids, time.perf_counter() - started


def _copy(database: Any, rows: Iterator[dict[str, Any]]) -> None:
    columns = (
        "id, content, token_count, category_id, source_id, position, start_offset, "
        "end_offset, metadata, created_at, updated_at"
    )
    connection = database.engine.raw_connection()
    try:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY chunks ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(
                    (
                        row["id"],
                        row["content"],
                        row["token_count"],
                        row["category_id"],
                        row["source_id"],
                        row["position"],
                        row["start_offset"],
                        row["end_offset"],
                        "{}",
                        row["created_at"],
                        row["updated_at"],
                    )
                )
        connection.commit()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE chunks")
        connection.commit()
    finally:
        connection.close()


def _timed(function: Callable[[], object], samples: int) -> list[float]:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return timings


def _retrieval(backend: str, url: str) -> list[Figure]:
    from memoir_ai.database.categories import load_categories
    from memoir_ai.database.chunks import read_leaf_chunks

    scale = QUICK_SCALE if _quick() else FULL_SCALE
    roots, children, leaves, per_leaf = scale
    total_leaves = roots * children * leaves
    label = f"{total_leaves * per_leaf:,} chunks under {total_leaves:,} leaves"
    database = _prepare(url)
    try:
        leaf_ids, fill_seconds = _fill(database, scale)
        picks = random.Random(7).choices(leaf_ids, k=LEAF_SAMPLES)
        with database.session() as session:
            read_leaf_chunks(session, picks[0])  # warm the connection and the cache
            iterator = iter(picks)
            page = _timed(lambda: read_leaf_chunks(session, next(iterator), limit=10), len(picks))
            iterator = iter(picks)
            whole = _timed(lambda: read_leaf_chunks(session, next(iterator)), len(picks))
            sizes = {len(read_leaf_chunks(session, leaf)) for leaf in picks[:20]}
            tree = _timed(lambda: load_categories(session), TREE_SAMPLES)
            categories = len(load_categories(session))
    finally:
        database.dispose()
    details: dict[str, float | int | str] = {
        "backend": backend,
        "chunks": total_leaves * per_leaf,
        "leaves": total_leaves,
        "categories": categories,
        "chunks_per_leaf": ",".join(str(size) for size in sorted(sizes)),
        "generation_seconds": round(fill_seconds, 1),
        "scale": "quick" if _quick() else "full",
    }
    figures = []
    for name, samples in (
        ("read one leaf, first 10 chunks", page),
        (f"read one leaf, all {per_leaf} chunks", whole),
        (f"load the tree ({categories:,} categories)", tree),
    ):
        note = f"{backend}, {label}; {len(samples)} samples; generated in {fill_seconds:.0f} s"
        figures.append(
            Figure(
                f"{name} median [{backend}]",
                statistics.median(samples) * 1000,
                "ms",
                note=note,
                details=details,
            )
        )
        figures.append(Figure(f"{name} p99 [{backend}]", _p99(samples) * 1000, "ms", note=note))
    return figures


def _postgres_url() -> str | None:
    return os.environ.get("MEMOIR_BENCH_POSTGRES_URL") or os.environ.get("MEMOIR_TEST_POSTGRES_URL")


def _scratch_postgres(base_url: str) -> tuple[str, Callable[[], None]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    name = f"memoir_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@benchmark("query retrieval")
def retrieval_figures() -> list[Figure]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    logging.getLogger("memoir_ai").setLevel(logging.WARNING)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        figures += _retrieval("sqlite", f"sqlite:///{Path(folder) / 'retrieval.db'}")
    postgres = _postgres_url()
    if postgres is None:
        figures.append(
            Figure(
                "read one leaf [postgresql]",
                None,
                "ms",
                note="set MEMOIR_BENCH_POSTGRES_URL (or MEMOIR_TEST_POSTGRES_URL) to measure",
            )
        )
        return figures
    url, drop = _scratch_postgres(postgres)
    try:
        figures += _retrieval("postgresql", url)
    finally:
        drop()
    return figures


def _strategy(strategy: str, url: str) -> list[Figure]:
    from memoir_ai import MemoirAI
    from memoir_ai.llm.offline import offline_model

    with MemoirAI(
        database_url=url, llm=offline_model(LATENCY), max_concurrency=CONCURRENCY
    ) as memoir:

        async def timed() -> tuple[Any, float]:
            # Warm up: schema check, tokenizer and agents are first-use costs, not the query's.
            await memoir.query("Which knights guard the castle?", strategy="one_shot")
            started = time.perf_counter()
            answered = await memoir.query("Which comets orbit the star?", strategy=strategy)
            return answered, time.perf_counter() - started

        result, wall = asyncio.run(timed())
    calls = result.llm_call_count
    floor = (3 + 1) * LATENCY
    note = (
        f"{calls} calls of {LATENCY * 1000:.0f} ms at concurrency {CONCURRENCY}; "
        f"{len(result.paths)} path(s), {len(result.chunks)} chunk(s); "
        f"tree {STRATEGY_FANOUT}x{STRATEGY_FANOUT}x{STRATEGY_FANOUT}"
    )
    details: dict[str, float | int | str] = {
        "strategy": strategy,
        "calls": calls,
        "paths": len(result.paths),
        "chunks": len(result.chunks),
        "wall_seconds": round(wall, 3),
        "floor_seconds": floor,
    }
    return [
        Figure(f"LLM calls [{strategy}]", calls, "calls", note=note, details=details),
        Figure(
            f"query wall / (levels + 1) x latency [{strategy}]",
            wall / floor,
            "x",
            note=f"{wall:.2f} s vs {floor:.1f} s; {note}",
            goal="1 when every level fits in one round of concurrent calls",
        ),
    ]


@benchmark("query strategies")
def strategy_figures() -> list[Figure]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    logging.getLogger("memoir_ai").setLevel(logging.WARNING)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'strategies.db'}"
        database = _prepare(url)
        try:
            _fill(database, (STRATEGY_FANOUT, STRATEGY_FANOUT, STRATEGY_FANOUT, 3))
        finally:
            database.dispose()
        for strategy in STRATEGIES:
            figures.extend(_strategy(strategy, url))
    return figures
