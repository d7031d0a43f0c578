"""Load on the HTTP API: concurrent clients mixing questions and ingests, then a check.

Shared by ``bench_serve`` (16 clients for 30 s) and the tests (a few clients for a
few seconds). Each client loops until the time is up: with probability
``query_share`` it asks a question (``POST /api/query``), otherwise it ingests a
source of its own (``POST /api/sources``: a sample text with a line that makes
it distinct, under an id never used before). Every request that is not
answered with a 2xx, or not answered at all, is an error.

:func:`check_stored` then reads the database with a :class:`MemoirAI` of its
own and SQL, independently of the server: every acknowledged ingest must be
stored, and every stored source must be whole — its chunks, positions 0..n-1,
are the slices of the text sent at their offsets and cover all of it (only
whitespace between them) — and no chunk may lack its source row.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memoir_ai.results import ChunkDetail

__all__ = ["LoadReport", "check_stored", "percentile", "run_load", "sample_texts", "seed"]

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
QUESTIONS = (
    "Why does the Moon have phases?",
    "How do I keep a sourdough starter alive?",
    "What did the Hanseatic League trade?",
    "Who scored in the last match of the season?",
    "What did merchants buy at the fairs of Champagne?",
    "How are loaves shaped before baking?",
)


def sample_texts() -> dict[str, str]:
    """The sample texts by their path under ``samples/``."""
    return {
        path.relative_to(SAMPLES).as_posix(): path.read_text("utf-8")
        for path in sorted(SAMPLES.glob("*/*.md"))
    }


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` quantile (0.5, 0.99) of ``samples``, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class LoadReport:
    """What the clients sent, what was acknowledged, how long it took, and what failed."""

    clients: int
    seconds: float = 0.0
    sent: dict[str, str] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)
    acknowledged_at: dict[str, float] = field(default_factory=dict)  # time.monotonic()
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"query": [], "ingest": []})
    errors: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Requests answered with success."""
        return sum(len(samples) for samples in self.latencies.values())

    def summary(self, kind: str) -> str:
        """``n, p50, p99`` of one kind of request, for a note."""
        samples = self.latencies[kind]
        if not samples:
            return f"{kind}: none"
        return (
            f"{kind}: {len(samples)}, p50 {statistics.median(samples) * 1000:.0f} ms, "
            f"p99 {percentile(samples, 0.99) * 1000:.0f} ms"
        )


async def seed(base_url: str, token: str | None = None, count: int = 2) -> dict[str, str]:
    """Ingest ``count`` samples so that questions have something to walk; return them."""
    import httpx

    texts = dict(list(sample_texts().items())[:count])
    async with httpx.AsyncClient(base_url=base_url, headers=_headers(token), timeout=300) as client:
        for source_id, text in texts.items():
            answer = await client.post("/api/sources", json={"text": text, "source_id": source_id})
            answer.raise_for_status()
    return texts


async def run_load(
    base_url: str,
    *,
    clients: int,
    seconds: float,
    token: str | None = None,
    query_share: float = 0.8,
    rng_seed: int = 7,
    prefix: str = "load",
) -> LoadReport:
    """Drive ``clients`` concurrent clients for ``seconds``; see the module docstring."""
    import httpx

    report = LoadReport(clients=clients)
    texts = list(sample_texts().values())
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)

    async def client_loop(number: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(rng_seed * 1000 + number)
        sequence = 0
        while time.monotonic() < deadline:
            if rng.random() < query_share:
                kind = "query"
                path = "/api/query"
                body: dict[str, object] = {"question": rng.choice(QUESTIONS)}
            else:
                kind = "ingest"
                sequence += 1
                source_id = f"{prefix}/{number}/{sequence}"
                text = rng.choice(texts) + f"\n\nLoad note {source_id}: kept for the check.\n"
                report.sent[source_id] = text
                path = "/api/sources"
                body = {"text": text, "source_id": source_id}
            started = time.perf_counter()
            try:
                answer = await client.post(path, json=body)
            except httpx.HTTPError as error:
                report.errors.append(f"{kind}: {type(error).__name__}: {error}")
                continue
            elapsed = time.perf_counter() - started
            if not answer.is_success:
                report.errors.append(f"{kind}: {answer.status_code} {answer.text[:300]}")
                continue
            report.latencies[kind].append(elapsed)
            if kind == "ingest":
                report.acknowledged[source_id] = text
                report.acknowledged_at[source_id] = time.monotonic()

    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=base_url, headers=_headers(token), timeout=300, limits=limits
    ) as client:
        await asyncio.gather(*(client_loop(number, client) for number in range(clients)))
    report.seconds = time.perf_counter() - started
    return report


def check_stored(
    database_url: str, acknowledged: dict[str, str], sent: dict[str, str]
) -> list[str]:
    """What is wrong with the stored sources (see the module docstring); empty when all is well.

    ``sent`` holds the text of every source id that may be stored (acknowledged or not).
    """
    from sqlalchemy import text as sql

    from memoir_ai import MemoirAI

    problems: list[str] = []
    with MemoirAI(database_url=database_url) as memoir:
        stored = {summary.source_id: summary for summary in memoir.list_sources()}
        problems += [
            f"{source_id}: acknowledged, not stored"
            for source_id in acknowledged
            if source_id not in stored
        ]
        for source_id, summary in stored.items():
            if source_id not in sent:
                problems.append(f"{source_id}: stored, never sent")
                continue
            chunks = memoir.list_chunks(source_id)
            if len(chunks) != summary.chunk_count:
                problems.append(
                    f"{source_id}: {len(chunks)} chunks, summary says {summary.chunk_count}"
                )
            problems += _whole(source_id, sent[source_id], chunks)
        with memoir.database.engine.connect() as connection:
            orphans = connection.execute(
                sql(
                    "SELECT COUNT(*) FROM chunks WHERE NOT EXISTS "
                    "(SELECT 1 FROM sources WHERE sources.source_id = chunks.source_id)"
                )
            ).scalar_one()
        if orphans:
            problems.append(f"{orphans} chunk(s) without their source")
    return problems


def _whole(source_id: str, text: str, chunks: list[ChunkDetail]) -> list[str]:
    """Problems of one source's chunks against the text sent."""
    problems = []
    ordered = sorted(chunks, key=lambda chunk: chunk.position)
    if [chunk.position for chunk in ordered] != list(range(len(ordered))):
        problems.append(f"{source_id}: positions are not 0..{len(ordered) - 1}")
    if not ordered:
        return [f"{source_id}: stored without chunks"]
    cursor = 0
    for chunk in ordered:
        start, end = chunk.start_offset, chunk.end_offset
        if text[start:end] != chunk.content:
            problems.append(f"{source_id}: chunk {chunk.position} is not the text at its offsets")
        if text[cursor:start].strip():
            problems.append(f"{source_id}: text before offset {start} is in no chunk")
        cursor = max(cursor, end)
    if text[cursor:].strip():
        problems.append(f"{source_id}: the text after offset {cursor} is in no chunk")
    return problems


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
