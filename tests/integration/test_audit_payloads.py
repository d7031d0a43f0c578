"""The audit log keeps every prompt exactly, in a fraction of the space, on every backend.

The sizes are summed by the database itself (SQL length functions on the raw
columns); the prompts are compared with what the model received, as recorded
by a wrapper around the offline model's function.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from benchmarks.corpus import english_corpus
from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from memoir_ai.database.models import LLMCall
from memoir_ai.llm.offline import OfflineResponder
from tests.corpus import rows
from tests.fakes import RecordingModel

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MOON = "astronomy/moon-phases.md"
PLANETS = "astronomy/planets-and-telescopes.md"
QUESTION = "Why does the Moon have phases?"
MOST_BYTES_PER_BYTE = 0.3  # issue 13, item 7

# Bytes as each backend counts them, on the raw column (never through memoir-ai's code).
BYTE_LENGTH = {
    "sqlite": "LENGTH(CAST({} AS BLOB))",
    "postgresql": "OCTET_LENGTH({})",
    "mysql": "LENGTH({})",
}


def payload_bytes(database_url: str) -> int:
    """The bytes the request and response columns of ``llm_calls`` hold, summed in SQL."""
    length = BYTE_LENGTH[make_url(database_url).get_backend_name()]
    sql = (
        f"SELECT COALESCE(SUM({length.format('request_text')}), 0) "
        f"+ COALESCE(SUM({length.format('response_text')}), 0) FROM llm_calls"
    )
    return int(rows(database_url, sql)[0][0])


def samples() -> dict[str, str]:
    return {
        path.relative_to(SAMPLES).as_posix(): path.read_text("utf-8")
        for path in sorted(SAMPLES.rglob("*.md"))
    }


def cli(database_url: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", database_url, *args])


def shown(database_url: str, call_id: int) -> dict[str, Any]:
    """What ``memoir log --show-prompt ID --json`` prints, parsed."""
    result = cli(database_url, "log", "--show-prompt", str(call_id), "--json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def answer_of(response: ModelResponse) -> str:
    """The typed answer a model response carries, as canonical JSON."""
    for part in response.parts:
        if isinstance(part, ToolCallPart):
            return json.dumps(part.args_as_dict(), sort_keys=True)
        if isinstance(part, TextPart):
            return json.dumps(json.loads(part.content), sort_keys=True)
    raise AssertionError(f"no answer in {response!r}")


@pytest.mark.slow
def test_the_log_of_an_ingestion_holds_under_0_3_bytes_per_byte_ingested(database_url: str) -> None:
    texts = samples()
    with MemoirAI(database_url=database_url) as memoir:  # the offline model
        for source_id, text in texts.items():
            memoir.ingest_text_sync(text, source_id)
        sample_calls = len(memoir.llm_calls())
        sample_log = payload_bytes(database_url)
        generated = english_corpus()
        memoir.ingest_text_sync(generated, "generated.md")
        generated_calls = len(memoir.llm_calls()) - sample_calls
    generated_log = payload_bytes(database_url) - sample_log
    sample_bytes = sum(len(text.encode("utf-8")) for text in texts.values())
    generated_bytes = len(generated.encode("utf-8"))
    assert sample_bytes > 30_000 and 1_000_000 <= generated_bytes < 1_100_000
    # Every call kept its payloads (nothing was saved by dropping them).
    assert sample_calls >= 16 and generated_calls > 50
    missing = "SELECT COUNT(*) FROM llm_calls WHERE request_text IS NULL OR response_text IS NULL"
    assert rows(database_url, missing)[0][0] == 0
    assert sample_log <= MOST_BYTES_PER_BYTE * sample_bytes, sample_log / sample_bytes
    assert generated_log <= MOST_BYTES_PER_BYTE * generated_bytes, generated_log / generated_bytes


def test_show_prompt_prints_exactly_what_the_model_received_even_after_deletion(
    database_url: str,
) -> None:
    recorder = RecordingModel(OfflineResponder())
    texts = samples()
    with MemoirAI(database_url=database_url, llm=recorder.model("offline")) as memoir:
        memoir.ingest_text_sync(texts[MOON], MOON)
        memoir.ingest_text_sync(texts[PLANETS], PLANETS)
        memoir.query_sync(QUESTION, strategy="wide_branch")
        calls = memoir.llm_calls()
    assert {"helper", "classify", "select", "answer"} <= {call.purpose for call in calls}
    assert len(calls) == len(recorder.exchanges)

    before = {call.id: shown(database_url, call.id) for call in calls}
    # Every prompt the model received is shown, and every prompt shown was received.
    assert Counter(call["request_text"] for call in before.values()) == Counter(
        exchange.prompt for exchange in recorder.exchanges
    )
    assert Counter(
        json.dumps(json.loads(call["response_text"]), sort_keys=True) for call in before.values()
    ) == Counter(answer_of(exchange.response) for exchange in recorder.exchanges)
    # The human view prints the same text, unwrapped, between its two headings.
    for purpose in ("helper", "classify", "select", "answer"):
        call = next(call for call in before.values() if call["purpose"] == purpose)
        human = cli(database_url, "log", "--show-prompt", str(call["id"]))
        assert human.exit_code == 0
        assert f"\n----- Request -----\n{call['request_text']}\n----- Response -----\n" in (
            human.stdout
        )
    # The chunks' text is not stored a second time in the log.
    chunk_text = rows(database_url, "SELECT content FROM chunks ORDER BY LENGTH(content) DESC")
    raw = rows(database_url, "SELECT request_text FROM llm_calls")
    assert not any(chunk_text[0][0] in request for (request,) in raw)

    # A replaced source and a deleted one lose their chunks; the log keeps every prompt.
    with MemoirAI(database_url=database_url, llm=recorder.model("offline")) as memoir:
        memoir.ingest_text_sync(texts[PLANETS] + "\nA new closing line.\n", PLANETS, replace=True)
        memoir.delete_source(MOON)
    left = "SELECT COUNT(*) FROM chunks WHERE source_id = :source"
    assert rows(database_url, left, source=MOON)[0][0] == 0
    assert all(shown(database_url, call_id) == call for call_id, call in before.items())


def test_payloads_stored_before_packing_read_back_as_they_are(database_url: str) -> None:
    with MemoirAI(database_url=database_url) as memoir:
        memoir.database.create_tables()
    request = 'Question:\n"""\nWhat is \ue000 or \ue001 here?\n"""'
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            insert(LLMCall.__table__).values(
                purpose="answer",
                model="offline",
                started_at=dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC),
                latency_seconds=0.5,
                input_tokens=12,
                output_tokens=3,
                requests=1,
                attempts=1,
                outcome="ok",
                structured_output="tool",
                request_text=request,
                response_text='{"answer": "plain", "cited_chunk_ids": []}',
            )
        )
    engine.dispose()
    ((call_id,),) = rows(database_url, "SELECT id FROM llm_calls")
    call = shown(database_url, call_id)
    assert call["request_text"] == request
    assert call["response_text"] == '{"answer": "plain", "cited_chunk_ids": []}'


def test_an_unknown_id_or_an_altered_chunk_is_one_line_naming_the_way_out(sqlite_url: str) -> None:
    with MemoirAI(database_url=sqlite_url) as memoir:
        memoir.ingest_text_sync(samples()[MOON], MOON)
        calls = memoir.llm_calls()
    unknown = cli(sqlite_url, "log", "--show-prompt", "9999")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Error: There is no LLM call with id 9999")
    assert "memoir log" in unknown.stderr and unknown.stderr.count("\n") == 1
    listed = cli(sqlite_url, "log")
    assert all(f"│ {call.id} " in listed.stdout for call in calls)  # the ids to choose from
    dumped = json.loads(cli(sqlite_url, "log", "--json").stdout)
    assert dumped["calls"] == [call.model_dump(mode="json") for call in calls]
    assert dumped["totals"]["calls"] == len(calls)  # the shape GET /api/calls answers

    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE chunks SET content = content || ' (edited)'")
    engine.dispose()
    classify = next(call for call in calls if call.purpose == "classify")
    altered = cli(sqlite_url, "log", "--show-prompt", str(classify.id))
    assert altered.exit_code == 1
    assert "cannot be read back" in altered.stderr and "has changed" in altered.stderr
    assert altered.stderr.count("\n") == 1
    assert cli(sqlite_url, "log").exit_code == 0  # the rest of the log is still listed
