"""Ingestion under faults: a failing database, a failing provider, SIGKILL, two writers at once.

Faults are real: a database trigger that rejects one chunk, a pydantic-ai
FunctionModel that answers HTTP 503/429, a child process killed with SIGKILL,
and two child processes ingesting into one database at the same moment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel

from memoir_ai import MemoirAI, MemoirAIConfig
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.errors import ClassificationError, DatabaseError
from memoir_ai.llm.offline import OfflineResponder
from tests.corpus import REJECT_ZEBRA_CHUNKS, SUBJECTS, execute

ROOT = Path(__file__).resolve().parents[2]
TEXT = "\n\n".join(paragraph for paragraphs in SUBJECTS.values() for paragraph in paragraphs)
SETTINGS: dict[str, Any] = {"chunk_min_tokens": 40, "chunk_max_tokens": 80, "batch_size": 3}


def counts(database_url: str) -> dict[str, int]:
    return {
        table: execute(database_url, f"SELECT COUNT(*) FROM {table}")[0][0]
        for table in ("chunks", "categories", "sources")
    }


def test_a_database_failure_while_writing_leaves_nothing_and_a_retry_succeeds(
    database_url: str, backend: str
) -> None:
    with MemoirAI(database_url=database_url, **SETTINGS) as memoir:
        memoir.ingest_text_sync(SUBJECTS["cooking"][0], "first")
        before = counts(database_url)
        execute(database_url, *REJECT_ZEBRA_CHUNKS[backend])
        poisoned = TEXT + "\n\nThe last paragraph mentions a ZEBRA that no database accepts here."
        with pytest.raises(DatabaseError, match="Nothing of the source was stored") as raised:
            memoir.ingest_text_sync(poisoned, "second")
        assert "injected failure" in str(raised.value)
        assert raised.value.__cause__ is not None
        assert counts(database_url) == before  # no chunk, no category, no source row
        execute(
            database_url,
            "DROP TRIGGER reject_chunk" + (" ON chunks" if backend == "postgresql" else ""),
        )
        retried = memoir.ingest_text_sync(poisoned, "second")
    assert retried.status == "created"
    after = counts(database_url)
    assert after["chunks"] == before["chunks"] + len(retried.chunks)
    assert after["sources"] == 2


def test_a_provider_down_for_good_stores_nothing_but_the_audit(sqlite_url: str) -> None:
    calls = 0

    def down(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        nonlocal calls
        calls += 1
        raise ModelHTTPError(503, "fake", "service unavailable")

    with (
        MemoirAI(
            database_url=sqlite_url, llm=FunctionModel(down, model_name="down"), **SETTINGS
        ) as memoir,
        pytest.raises(ClassificationError, match="failed after 4 attempt") as raised,
    ):
        memoir.ingest_text_sync(TEXT, "doc")
    assert "Fix:" in str(raised.value)
    assert counts(sqlite_url) == {"chunks": 0, "categories": 0, "sources": 0}
    audit = execute(sqlite_url, "SELECT outcome, attempts, error FROM llm_calls")
    assert audit and all(row[0] == "error" and row[1] == 4 and "503" in row[2] for row in audit)
    assert calls >= 4


def test_rate_limits_are_retried_with_backoff_and_recorded(sqlite_url: str) -> None:
    responder = OfflineResponder()
    failures = {"left": 2}

    async def flaky(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        if failures["left"]:
            failures["left"] -= 1
            raise ModelHTTPError(429, "fake", "slow down")
        return await responder(messages, info)

    settings = {
        **SETTINGS,
        "batch_size": 50,
        "path_assignment": "whole_path",
        "auto_source_identification": False,
    }
    with MemoirAI(
        database_url=sqlite_url, llm=FunctionModel(flaky, model_name="flaky"), **settings
    ) as memoir:
        result = memoir.ingest_text_sync(TEXT, "doc")
    assert result.status == "created"
    assert result.llm_calls[0].attempts == 3
    assert execute(sqlite_url, "SELECT attempts, outcome FROM llm_calls") == [(3, "ok")]


WORKER = textwrap.dedent(
    """
    import logging, pathlib, sys, time
    sys.path.insert(0, {root!r})
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    from memoir_ai import MemoirAI
    from memoir_ai.llm.offline import offline_model
    from tests.corpus import REJECT_ZEBRA_CHUNKS, SUBJECTS, execute

    url, source, subjects, latency, start = sys.argv[1:6]
    limits = {{1: 2, 2: 3, 3: 4}}
    text = "\\n\\n".join(p for name in subjects.split(",") for p in SUBJECTS[name])
    memoir = MemoirAI(database_url=url, llm=offline_model(float(latency)),
                      chunk_min_tokens=40, chunk_max_tokens=80, batch_size=2,
                      max_categories_per_level=limits)
    memoir.database.create_tables()
    # A barrier, not a clock: each worker says it is ready, then waits for the other.
    barrier = pathlib.Path(start)
    if barrier.name != "none":
        barrier.mkdir(exist_ok=True)
        (barrier / source).touch()
        while len(list(barrier.iterdir())) < 2:
            time.sleep(0.01)
    print("started", flush=True)
    result = memoir.ingest_text_sync(text, source)
    print("done", result.status, len(result.chunks), flush=True)
    """
)


def worker(
    tmp_path: Path, url: str, source: str, subjects: str, latency: float, barrier: str = "none"
) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(root=str(ROOT)), encoding="utf-8")
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(script), url, source, subjects, str(latency), barrier],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_two_processes_at_once_never_exceed_the_limits(database_url: str, tmp_path: Path) -> None:
    with MigrationManager(MemoirAIConfig(database_url=database_url)) as manager:
        manager.initialize_database()
    barrier = str(tmp_path / "barrier")
    first = worker(tmp_path, database_url, "a", "astronomy,cooking", 0.05, barrier)
    second = worker(tmp_path, database_url, "b", "football,medieval", 0.05, barrier)
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    for process, (out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err
        assert "done created" in out
    per_level = dict(execute(database_url, "SELECT level, COUNT(*) FROM categories GROUP BY level"))
    assert per_level[1] <= 2 and per_level[2] <= 3 and per_level[3] <= 4
    assert execute(database_url, "SELECT COUNT(DISTINCT source_id) FROM chunks") == [(2,)]
    leaves = execute(
        database_url,
        "SELECT DISTINCT k.level FROM chunks c JOIN categories k ON k.id = c.category_id",
    )
    assert leaves == [(3,)]
    # Both planned against the same empty tree; the later writer had to fit the earlier's.
    assert any("Another writer changed the tree" in err for _, err in outputs)


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", ["Batch 1:", "Storing"])
def test_sigkill_mid_ingest_leaves_a_valid_database_and_no_partial_source(
    sqlite_url: str, tmp_path: Path, kill_after: str
) -> None:
    with MigrationManager(MemoirAIConfig(database_url=sqlite_url)) as manager:
        manager.initialize_database()
    process = worker(tmp_path, sqlite_url, "killed", "astronomy,cooking,football,medieval", 0.05)
    assert process.stderr is not None
    for line in process.stderr:
        if kill_after in line:
            os.kill(process.pid, signal.SIGKILL)
            break
    _, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, err
    with MigrationManager(MemoirAIConfig(database_url=sqlite_url)) as manager:
        assert manager.validate_database_schema().is_valid
    stored = counts(sqlite_url)
    sources = stored["sources"]
    chunks = execute(sqlite_url, "SELECT COUNT(*) FROM chunks WHERE source_id = 'killed'")[0][0]
    if sources == 0:  # killed before the commit: nothing at all
        assert stored == {"chunks": 0, "categories": 0, "sources": 0}
    else:  # killed just after it: the whole source
        assert chunks > 0
    # Either way a new run completes the source.
    again = worker(tmp_path, sqlite_url, "killed", "astronomy,cooking,football,medieval", 0.0)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "done" in out
