"""The audit log: LLM call records written to llm_calls and read back, on every backend."""

from __future__ import annotations

import datetime as dt
import random

from memoir_ai.database.calls import (
    call_totals,
    list_llm_calls,
    load_call_detail,
    record_llm_calls,
)
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.llm.schemas import LLMPurpose
from tests._schema_tools import config_for

START = dt.datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=dt.UTC)
# 70,000 characters that do not compress: their stored form is far beyond 64 KB (MySQL TEXT).
_RNG = random.Random(7)
NOISE = "".join(chr(_RNG.randrange(0x4E00, 0x9FFF)) for _ in range(70_000))


def _record(purpose: LLMPurpose, offset: int, **changes: object) -> LLMCallRecord:
    values: dict[str, object] = {
        "purpose": purpose,
        "model": "offline",
        "started_at": START + dt.timedelta(seconds=offset),
        "latency_seconds": 0.25,
        "input_tokens": 100 + offset,
        "output_tokens": 10,
        "outcome": "ok",
        "structured_output": "native",
        "temperature": 0.0,
        "requests": 1,
        "request_text": f'Chunk 1:\n"""{NOISE}"""',
        "response_text": '{"chunks": [{"id": 1, "category": "Astronomy"}]}',
    }
    values.update(changes)
    return LLMCallRecord(**values)  # type: ignore[arg-type]


def test_calls_round_trip_with_payloads_and_totals(database_url: str) -> None:
    config = config_for(database_url)
    with MigrationManager(config) as manager:
        manager.initialize_database()
    database = DatabaseManager(config)
    records = [
        _record(LLMPurpose.CLASSIFY, 2),
        _record(LLMPurpose.HELPER, 1),
        _record(LLMPurpose.CLASSIFY, 3, outcome="error", error="429 Too Many Requests"),
    ]
    with database.transaction() as session:
        record_llm_calls(session, records, source_id="moons", operation_id="op-1")
        record_llm_calls(
            session, [_record(LLMPurpose.ANSWER, 4)], operation_id="op-2", keep_payloads=False
        )

    with database.session() as session:
        calls = list_llm_calls(session)
        assert [call.purpose for call in calls] == ["helper", "classify", "classify", "answer"]
        assert calls[0].started_at == START + dt.timedelta(seconds=1)  # microseconds kept
        assert len(calls[0].request_text or "") > 100_000  # long payloads fit, packed
        detail = load_call_detail(session, calls[0].id)
        assert detail is not None and detail.request_text == records[1].request_text
        assert detail.response_text == records[1].response_text
        assert calls[3].request_text is None and calls[3].response_text is None
        assert [call.outcome for call in list_llm_calls(session, source_id="moons")] == [
            "ok",
            "ok",
            "error",
        ]
        assert len(list_llm_calls(session, purposes=["classify"])) == 2
        assert [call.operation_id for call in list_llm_calls(session, operation_id="op-2")] == [
            "op-2"
        ]
        totals = call_totals(session)
        assert (totals.calls, totals.input_tokens, totals.output_tokens, totals.errors) == (
            4,
            100 * 4 + 1 + 2 + 3 + 4,
            40,
            1,
        )
        assert abs(totals.latency_seconds - 1.0) < 1e-9
        assert call_totals(session, source_id="moons").calls == 3
    database.dispose()
