"""Kept answers on every backend: kept as calls complete, reused by a re-run, cleaned up.

An ingestion whose model fails for good after some calls completed leaves
their answers kept (and nothing of the source stored); the next ingestion of
the same text asks the model only for the rest, and logs the others as
``reused`` with 0 tokens. Storing the source removes its kept answers;
``vacuum`` removes those nobody will reuse. The measures are the model's own
count of the prompts it received and SQL on the tables.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic_ai.exceptions import ModelHTTPError
from sqlalchemy import create_engine, text

from memoir_ai import ClassificationError, MemoirAI
from memoir_ai.llm.offline import OfflineResponder
from tests.fakes import RecordingModel

TEXT = " ".join(
    f"Sentence {n} tells how the Moon shows phase {n % 8} to observers on Earth." for n in range(60)
)
SETTINGS: dict[str, Any] = {
    "chunk_min_tokens": 40,
    "chunk_max_tokens": 80,
    "batch_size": 2,
    "max_concurrency": 1,
}

ANSWERS = "SELECT COUNT(*) FROM kept_outputs WHERE structured_output <> 'response'"
RESPONSES = "SELECT COUNT(*) FROM kept_outputs WHERE structured_output = 'response'"


class FailsAfter(RecordingModel):
    """The offline model, answering ``limit`` requests and refusing (HTTP 400) every later one."""

    def __init__(self, limit: int | None) -> None:
        super().__init__(OfflineResponder())
        self.limit = limit

    async def __call__(self, messages: Any, info: Any) -> Any:
        if self.limit is not None and len(self.exchanges) >= self.limit:
            raise ModelHTTPError(400, "fake", body="refused")
        return await super().__call__(messages, info)


def _scalar(url: str, sql: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_a_failed_ingestion_is_resumed_from_its_kept_answers(database_url: str) -> None:
    whole = FailsAfter(None)
    with MemoirAI(database_url="sqlite://", llm=whole.model("fake"), **SETTINGS) as memoir:
        memoir.ingest_text_sync(TEXT, "moon")
    needed = len(whole.exchanges)
    assert needed >= 6

    failing = FailsAfter(needed // 2)
    memoir = MemoirAI(database_url=database_url, llm=failing.model("fake"), **SETTINGS)
    with memoir, pytest.raises(ClassificationError):
        memoir.ingest_text_sync(TEXT, "moon")
    paid = len(failing.exchanges)
    assert _scalar(database_url, ANSWERS) == paid
    assert _scalar(database_url, RESPONSES) == paid  # each response too, as it arrived
    assert _scalar(database_url, "SELECT COUNT(*) FROM llm_calls WHERE outcome = 'ok'") == paid
    assert _scalar(database_url, "SELECT COUNT(*) FROM sources") == 0

    resumed = FailsAfter(None)
    with MemoirAI(database_url=database_url, llm=resumed.model("fake"), **SETTINGS) as memoir:
        result = memoir.ingest_text_sync(TEXT, "moon")
    assert result.status == "created"
    assert len(resumed.exchanges) == needed - paid  # only what had not completed
    assert sum(call.outcome == "reused" for call in result.llm_calls) == paid
    assert (
        _scalar(
            database_url,
            "SELECT COUNT(*) FROM llm_calls WHERE outcome = 'reused' AND input_tokens = 0 "
            "AND output_tokens = 0",
        )
        == paid
    )
    assert _scalar(database_url, "SELECT COUNT(*) FROM kept_outputs") == 0


def test_vacuum_removes_what_nobody_will_reuse(database_url: str) -> None:
    failing = FailsAfter(2)
    with MemoirAI(database_url=database_url, llm=failing.model("fake"), **SETTINGS) as memoir:
        with pytest.raises(ClassificationError):
            memoir.ingest_text_sync(TEXT, "moon")
        assert _scalar(database_url, ANSWERS) == 2
        kept = _scalar(database_url, "SELECT COUNT(*) FROM kept_outputs")
        recent = memoir.vacuum()  # 7 days: a recent interruption keeps its answers
        assert (recent.removed, recent.left) == (0, kept)
        everything = memoir.vacuum(older_than_days=0)
        assert (everything.stale, everything.left) == (kept, 0)
    assert _scalar(database_url, "SELECT COUNT(*) FROM kept_outputs") == 0
