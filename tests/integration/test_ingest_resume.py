"""A killed ``memoir ingest`` pays again only for the calls that had not completed.

The model is a local OpenAI-compatible server that counts every request it
receives (the measure: nothing the client says about itself). An uninterrupted
run of one large file sets the count to beat. Then, for each point (about 25%,
50% and 90% of the calls), a fresh database: the server holds the request at
that point and every later one unanswered, the test waits until the answers
sent before it are kept, kills the ``memoir ingest`` process with SIGKILL, and
runs the same command again against an ordinary server. The two runs together
may make at most the uninterrupted run's requests plus the ones in flight at
the kill. Without kept answers the re-run pays for every call again and the
check fails.

The server's answers depend on the whole request, tree view included, so the
tree grows differently with the order in which concurrent calls finish; the
whole-path mode makes one call per batch, so the uninterrupted count is the
same on every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.fakes import FakeOpenAIServer, answer_from_schema, request_schema

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
NAMES = (
    ("Astronomy", "Cooking", "Football", "Trade"),
    ("Planets", "Bread", "Seasons", "Ports", "Tools"),
    ("Orbits", "Ovens", "Matches", "Ships", "Maps", "Notes"),
)
SETTINGS = {
    "MEMOIR_MODEL": "openai-compatible:counted",
    "MEMOIR_CHUNK_MIN_TOKENS": "40",
    "MEMOIR_CHUNK_MAX_TOKENS": "80",
    "MEMOIR_BATCH_SIZE": "3",
    "MEMOIR_MAX_CONCURRENCY": "4",
    "MEMOIR_PATH_ASSIGNMENT": "whole_path",
}
WAIT_SECONDS = 120  # a bound on waiting for the process, never a measure of speed


def answer(body: dict[str, Any]) -> Any:
    """A valid answer for the request's schema; category names chosen by the request's hash."""
    value = answer_from_schema(request_schema(body) or {})
    if isinstance(value, dict) and value.get("chunks") and "path" in value["chunks"][0]:
        digest = hashlib.sha256(json.dumps(body.get("messages")).encode()).digest()
        for index, item in enumerate(value["chunks"]):
            item["path"] = [
                names[(digest[index] + level) % len(names)] for level, names in enumerate(NAMES)
            ]
    return value


def _large_file(folder: Path) -> Path:
    parts = [path.read_text("utf-8") for path in sorted(SAMPLES.rglob("*.md"))]
    path = folder / "large.md"
    path.write_text("\n\n".join(parts), encoding="utf-8")
    return path


def _start(cwd: Path, url: str, server: FakeOpenAIServer, path: Path) -> subprocess.Popen[str]:
    script = Path(sys.executable).parent / "memoir"
    command = [str(script)] if script.exists() else [shutil.which("memoir") or "memoir"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env.update(SETTINGS)
    env.update(
        {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "MEMOIR_MODEL_BASE_URL": server.base_url,
            "MEMOIR_DATABASE_URL": url,
            "COLUMNS": "200",
        }
    )
    return subprocess.Popen(
        [*command, "ingest", str(path)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(cwd: Path, url: str, server: FakeOpenAIServer, path: Path) -> int:
    """Requests one complete ``memoir ingest`` made."""
    before = len(server.requests)
    process = _start(cwd, url, server, path)
    out, err = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, err
    assert "1 source(s) stored" in out, out
    return len(server.requests) - before


def _scalar(url: str, sql: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def _wait_until_settled(url: str, server: FakeOpenAIServer, answered: int) -> None:
    """Until every answer sent before the hold is kept and a request is held."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if server.answered == answered and server.held >= 1:
            try:
                if _scalar(url, "SELECT COUNT(*) FROM kept_outputs") == answered:
                    return
            except Exception:  # noqa: BLE001 - the schema may not exist yet
                pass
        time.sleep(0.05)
    pytest.fail(f"the ingestion did not keep {answered} answers (server: {server.answered})")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> int:
    """Requests of one run that nobody interrupts (a fresh SQLite database)."""
    folder = tmp_path_factory.mktemp("whole")
    with FakeOpenAIServer(answer) as server:
        return _run(folder, f"sqlite:///{folder / 'memoir.db'}", server, _large_file(folder))


POINTS = [
    pytest.param(backend, share, id=f"{backend}-{int(share * 100)}%")
    for backend, shares in (("sqlite", (0.25, 0.5, 0.9)), ("postgresql", (0.25, 0.5, 0.9)))
    for share in shares
] + [pytest.param("mysql", 0.5, id="mysql-50%")]


@pytest.mark.parametrize(("backend", "share"), POINTS)
def test_a_killed_ingest_pays_again_only_for_calls_not_completed(
    database_url: str, tmp_path: Path, uninterrupted: int, share: float
) -> None:
    path = _large_file(tmp_path)
    hold_at = max(3, round(uninterrupted * share))
    answered = hold_at - 1
    with FakeOpenAIServer(answer, hold_from=hold_at) as server:
        process = _start(tmp_path, database_url, server, path)
        try:
            _wait_until_settled(database_url, server, answered)
            in_flight = server.held
            first_run = len(server.requests)
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=WAIT_SECONDS)
            server.release()
    assert process.returncode == -signal.SIGKILL
    assert _scalar(database_url, "SELECT COUNT(*) FROM sources") == 0  # atomic: nothing stored
    assert _scalar(database_url, "SELECT COUNT(*) FROM chunks") == 0

    with FakeOpenAIServer(answer) as server:
        second_run = _run(tmp_path, database_url, server, path)

    assert first_run == answered + in_flight
    assert first_run + second_run <= uninterrupted + in_flight
    assert second_run >= uninterrupted - answered - in_flight  # what was left was paid for
    reused = _scalar(
        database_url,
        "SELECT COUNT(*) FROM llm_calls WHERE outcome = 'reused' "
        "AND input_tokens = 0 AND output_tokens = 0 AND requests = 0",
    )
    assert reused == answered  # the reused calls are in the log, 0 tokens paid
    assert _scalar(database_url, "SELECT COUNT(*) FROM sources") == 1
    assert _scalar(database_url, "SELECT COUNT(*) FROM kept_outputs") == 0  # gone once stored
