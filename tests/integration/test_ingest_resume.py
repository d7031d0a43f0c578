"""A killed ``memoir ingest`` pays again only for the requests it had not been answered.

The model is a local OpenAI-compatible server that counts every request it
receives and notes whether each answer was fully written (the measure:
nothing the client says about itself). Every call takes two requests: the
server's first answer does not fit the schema, so pydantic-ai asks again. An
uninterrupted run of one large file, at concurrency 8, sets the count to beat.

Then, for each point (about 25%, 50% and 90% of the requests), a fresh
database: from that point the server answers the first request of a call but
holds its second one, until every call in progress waits on a held request
(nothing the client can still do; known from the server alone), and the
``memoir ingest`` process is killed with SIGKILL. The answers the client got
for those calls were received but their calls never completed: a client that
keeps only completed calls pays them again. The same command is run again
against an ordinary server. The two runs together may make at most the
uninterrupted run's requests plus those in flight at the kill (received, never
answered); and ``llm_calls`` (plain SQL) holds every answered request once,
with the tokens the server sent for it, the reused calls at 0 tokens.

The whole-path mode makes one call per batch, so the uninterrupted count is
the same on every run.
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
    "MEMOIR_MAX_CONCURRENCY": "8",
    "MEMOIR_PATH_ASSIGNMENT": "whole_path",
}
CONCURRENCY = 8
USAGE = (42, 7)  # tokens in and out the server says each answer cost
WAIT_SECONDS = 120  # a bound on waiting for the process, never a measure of speed


def _second(body: dict[str, Any]) -> bool:
    """The request asks again after an answer (it carries the model's earlier turn)."""
    return any(message.get("role") == "assistant" for message in body.get("messages") or [])


def answer(body: dict[str, Any]) -> Any:
    """An unusable first answer; then a valid one, category names chosen by the request's hash."""
    if not _second(body):
        return {"unusable": True}  # fails the schema: pydantic-ai asks again, same call
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


def _row(url: str, sql: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).one()
    finally:
        engine.dispose()


def _scalar(url: str, sql: str) -> Any:
    return _row(url, sql)[0]


def _wait_until_every_call_waits(server: FakeOpenAIServer, calls: int) -> None:
    """Until each call not completed waits on a held request (at most ``CONCURRENCY``)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        requests = list(server.requests)
        completed = sum(r.answered and _second(r.body) for r in requests)
        waiting = [r for r in requests if not r.answered]
        held = waiting and all(_second(r.body) for r in waiting)
        if held and len(waiting) == min(CONCURRENCY, calls - completed):
            return
        time.sleep(0.05)
    pytest.fail(f"the calls in progress did not all reach the server ({len(server.requests)})")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> int:
    """Requests of one run that nobody interrupts (a fresh SQLite database)."""
    folder = tmp_path_factory.mktemp("whole")
    with FakeOpenAIServer(answer, usage=USAGE) as server:
        return _run(folder, f"sqlite:///{folder / 'memoir.db'}", server, _large_file(folder))


POINTS = [
    pytest.param(backend, share, id=f"{backend}-{int(share * 100)}%")
    for backend, shares in (("sqlite", (0.25, 0.5, 0.9)), ("postgresql", (0.5,)), ("mysql", (0.5,)))
    for share in shares
]


@pytest.mark.parametrize(("backend", "share"), POINTS)
def test_a_killed_ingest_pays_again_only_for_requests_not_answered(
    database_url: str, tmp_path: Path, uninterrupted: int, share: float
) -> None:
    path = _large_file(tmp_path)
    assert uninterrupted % 2 == 0  # two requests per call
    calls = uninterrupted // 2
    hold_at = max(3, round(uninterrupted * share))
    with FakeOpenAIServer(
        answer, usage=USAGE, hold=lambda ordinal, body: ordinal >= hold_at and _second(body)
    ) as server:
        process = _start(tmp_path, database_url, server, path)
        try:
            _wait_until_every_call_waits(server, calls)
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=WAIT_SECONDS)
        first = list(server.requests)
        server.release()
    assert process.returncode == -signal.SIGKILL
    assert _scalar(database_url, "SELECT COUNT(*) FROM sources") == 0  # atomic: nothing stored
    assert _scalar(database_url, "SELECT COUNT(*) FROM chunks") == 0
    in_flight = sum(not request.answered for request in first)
    completed = sum(request.answered and _second(request.body) for request in first)
    # Calls caught between their two requests: the answers a client must not pay again.
    assert in_flight >= 1
    assert sum(request.answered for request in first) == 2 * completed + in_flight

    with FakeOpenAIServer(answer, usage=USAGE) as server:
        second_run = _run(tmp_path, database_url, server, path)

    assert len(first) + second_run <= uninterrupted + in_flight
    answered = len(first) - in_flight + second_run  # the second run's were all answered
    requests, tokens_in, tokens_out = _row(
        database_url,
        "SELECT SUM(requests), SUM(input_tokens), SUM(output_tokens) FROM llm_calls "
        "WHERE outcome <> 'reused'",
    )
    # Every answered request is in the log once, with what the server said it cost.
    assert (requests, tokens_in, tokens_out) == (
        answered,
        answered * USAGE[0],
        answered * USAGE[1],
    )
    reused = _scalar(
        database_url,
        "SELECT COUNT(*) FROM llm_calls WHERE outcome = 'reused' "
        "AND input_tokens = 0 AND output_tokens = 0 AND requests = 0",
    )
    assert reused == completed  # the calls completed before the kill: logged twice, paid once
    assert _scalar(database_url, "SELECT COUNT(*) FROM sources") == 1
    assert _scalar(database_url, "SELECT COUNT(*) FROM kept_outputs") == 0  # gone once stored
