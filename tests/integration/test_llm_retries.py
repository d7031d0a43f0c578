"""One retry layer: the provider SDK never retries; our layer does, counted at the server.

Every test talks HTTP to a fake OpenAI-compatible server on 127.0.0.1 through
the real OpenAI SDK; the number of requests is what the server received, an
independent measure of what the SDK and our layer sent.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from memoir_ai.llm import schemas
from memoir_ai.llm.agents import AgentFactory, LLMCallError, LLMSettings
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.llm.schemas import LLMPurpose
from tests.fakes import FakeOpenAIServer, model_requests_allowed

ANSWER = {"answer": "Because the Moon is lit from one side.", "cited_chunk_ids": [1]}


def _answer(server: FakeOpenAIServer, **settings: object) -> tuple[object, LLMCallRecord]:
    values: dict[str, object] = {
        "model": "openai-compatible:small",
        "base_url": server.base_url,
        "retry_base_seconds": 0.001,
    }
    values.update(settings)
    factory = AgentFactory(LLMSettings(**values))  # type: ignore[arg-type]
    with model_requests_allowed():
        return asyncio.run(
            factory.call(schemas.answer_output([1]), "Why phases?", LLMPurpose.ANSWER)
        )


def test_three_503s_then_a_200_is_four_requests_and_four_attempts() -> None:
    with FakeOpenAIServer(ANSWER, failures=[503, 503, 503]) as server:
        output, record = _answer(server)
    assert len(server.requests) == 4
    assert record.attempts == 4
    assert record.requests == 4
    assert record.outcome == "ok"
    assert output.model_dump() == ANSWER  # type: ignore[attr-defined]


def test_the_attempts_are_bounded_and_the_error_says_how_many() -> None:
    with (
        FakeOpenAIServer(ANSWER, failures=[503] * 10) as server,
        pytest.raises(LLMCallError) as caught,
    ):
        _answer(server, transport_attempts=3)
    assert len(server.requests) == 3
    assert caught.value.record.attempts == 3
    assert "after 3 attempt(s)" in str(caught.value)


def test_a_rate_limit_is_retried() -> None:
    with FakeOpenAIServer(ANSWER, failures=[429]) as server:
        _, record = _answer(server)
    assert len(server.requests) == 2
    assert record.attempts == 2


@pytest.mark.parametrize("status", [400, 401, 404, 408, 422])
def test_a_client_error_other_than_429_is_not_retried(status: int) -> None:
    with (
        FakeOpenAIServer(ANSWER, failures=[status]) as server,
        pytest.raises(LLMCallError) as caught,
    ):
        _answer(server)
    assert len(server.requests) == 1
    assert caught.value.record.attempts == 1
    assert caught.value.record.outcome == "error"


def test_the_audit_log_records_the_attempts_the_server_saw(tmp_path: Path) -> None:
    from memoir_ai import MemoirAI

    database = tmp_path / "memoir.db"
    text = (
        "The Moon has phases because half of it is always lit by the Sun. "
        "As it orbits the Earth we see changing parts of that lit half. " * 3
    )
    with FakeOpenAIServer(failures=[503, 503, 503]) as server, model_requests_allowed():
        with MemoirAI(
            database_url=f"sqlite:///{database}",
            model="openai-compatible:small",
            model_base_url=server.base_url,
            hierarchy_depth=1,
        ) as memoir:
            memoir.ingest_text_sync(text, source_id="moon.txt")  # backs off 0.5 + 1 + 2 s
        served = len(server.requests)
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT purpose, attempts, requests, outcome FROM llm_calls ORDER BY id"
        ).fetchall()
    assert rows[0] == ("helper", 4, 4, "ok")
    assert sum(requests for _, _, requests, _ in rows) == served
