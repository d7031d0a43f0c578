"""The HTTP API under load, and stopped with SIGTERM in the middle of it.

Small numbers (a few clients for a few seconds, no timing asserts): ``make bench``
runs the big version (benchmarks/bench_serve.py). The installed ``memoir serve``
runs as a subprocess with the offline model slowed to 100 ms a call
(``MEMOIR_OFFLINE_LATENCY``), so that requests overlap as a remote model's would.
What got stored is checked by :func:`benchmarks.serve_load.check_stored`, which
reads the database on its own: every acknowledged ingest is there, and every
stored source is whole.
"""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio
import anyio.to_thread
import httpx
import pytest
from sqlalchemy.engine import make_url

from benchmarks.serve_load import LoadReport, check_stored, run_load, seed
from tests.http_servers import serve_in_thread, serve_process

LATENCY = {"MEMOIR_OFFLINE_LATENCY": "0.1"}
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_mixed_load_loses_nothing(database_url: str, tmp_path: Path) -> None:
    with serve_process(database_url, tmp_path, **LATENCY) as (base, _, log):
        seeded = anyio.run(seed, base)
        report = anyio.run(lambda: run_load(base, clients=4, seconds=4, query_share=0.6))
    assert report.errors == [], report.errors
    assert report.acknowledged and report.latencies["query"], report
    assert check_stored(database_url, report.acknowledged, {**report.sent, **seeded}) == []
    output = log.read_text("utf-8")
    assert "Traceback" not in output and "POST /api/query" in output  # the access log
    password = make_url(database_url).password
    assert password is None or str(password) not in output


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_sigterm_mid_load_leaves_no_partial_source(database_url: str, tmp_path: Path) -> None:
    """SIGTERM while ingests are in flight: each source is whole or absent, none half stored."""
    with serve_process(database_url, tmp_path, **LATENCY) as (base, process, log):
        seeded = anyio.run(seed, base, None, 1)

        signalled: list[float] = []

        async def load_and_stop() -> LoadReport:
            async def stop() -> None:
                await anyio.sleep(2)
                process.send_signal(signal.SIGTERM)
                signalled.append(time.monotonic())

            async with anyio.create_task_group() as group:
                group.start_soon(stop)
                return await run_load(base, clients=6, seconds=5, query_share=0.0)

        report = anyio.run(load_and_stop)
        assert process.wait(timeout=60) == 0, log.read_text("utf-8")
    # Ingests in flight at the signal were finished and answered before the server exited...
    assert any(at > signalled[0] for at in report.acknowledged_at.values()), report
    # ...new ones were refused (no connection), and nothing is half stored.
    assert report.errors
    assert check_stored(database_url, report.acknowledged, {**report.sent, **seeded}) == []
    assert "Traceback" not in log.read_text("utf-8")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_an_ingest_waiting_on_the_model_blocks_no_other_request(database_url: str) -> None:
    """The model is held at a gate: while an ingest waits there, reads are answered."""
    from pydantic_ai.messages import ModelMessage, ModelResponse
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    from memoir_ai import MemoirAI
    from memoir_ai.api import create_app
    from memoir_ai.config import ServerConfig
    from memoir_ai.llm.offline import OfflineResponder

    entered, release = threading.Event(), threading.Event()
    responder = OfflineResponder()

    async def gated(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        entered.set()
        await anyio.to_thread.run_sync(release.wait)
        return await responder(messages, info)

    text = (SAMPLES / "astronomy" / "moon-phases.md").read_text("utf-8")
    with MemoirAI(database_url=database_url, llm=FunctionModel(gated), front_door="http") as memoir:
        memoir.initialize()
        with (
            serve_in_thread(create_app(memoir, ServerConfig(api_token=None))) as base,
            httpx.Client(base_url=base, timeout=120) as client,
            ThreadPoolExecutor(1) as pool,
        ):
            ingest = pool.submit(
                client.post, "/api/sources", json={"text": text, "source_id": "moon"}
            )
            try:
                assert entered.wait(timeout=60), "the ingest never reached the model"
                for path in ("/healthz", "/api/sources", "/api/tree", "/api/info", "/api/calls"):
                    assert client.get(path).status_code == 200, path
                assert client.get("/api/sources").json() == []  # not stored before it is done
                assert not ingest.done()
            finally:
                release.set()
            assert ingest.result(timeout=120).status_code == 201
            assert [s["source_id"] for s in client.get("/api/sources").json()] == ["moon"]
