"""One file's failure stays one file's, on every backend.

A text with a NUL character is refused alike everywhere, before any model
call; a source whose rows the database rejects (a real trigger) fails alone,
the run goes on, the summary and the exit code agree, and the calls made for
it are in the audit log. A failure every later file would meet stops the run,
and the files left are listed as not tried.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from typer.testing import CliRunner

from memoir_ai import MemoirAI, MemoirAIConfig
from memoir_ai.cli.main import app
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.errors import DatabaseError, ValidationError
from memoir_ai.llm.offline import OfflineResponder
from tests.corpus import REJECT_ZEBRA_CHUNKS, execute

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SETTINGS: dict[str, Any] = {"chunk_min_tokens": 40, "chunk_max_tokens": 80}


class CountingModel:
    """The offline responder, counting the calls made for each source id it is asked about."""

    def __init__(self) -> None:
        self.responder = OfflineResponder()
        self.calls = 0

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.calls += 1
        return await self.responder(messages, info)

    def model(self) -> FunctionModel:
        return FunctionModel(self, model_name="counting")


def _create_schema(database_url: str) -> None:
    with MigrationManager(MemoirAIConfig(database_url=database_url)) as manager:
        manager.initialize_database()


def _folder(tmp_path: Path, middle: str) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text((SAMPLES / "astronomy" / "moon-phases.md").read_text("utf-8"))
    (folder / "b.md").write_text(middle, "utf-8")
    (folder / "c.md").write_text((SAMPLES / "trade" / "hanseatic-league.md").read_text("utf-8"))
    return folder


def _ingest(database_url: str, folder: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", database_url, "ingest", str(folder)])


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Error:")]


def test_a_text_with_a_nul_character_is_refused_alike_on_every_backend_before_any_call(
    database_url: str, tmp_path: Path
) -> None:
    poisoned = (SAMPLES / "baking" / "sourdough-starter.md").read_text("utf-8")
    poisoned = poisoned[:200] + "\x00" + poisoned[200:]
    result = _ingest(database_url, _folder(tmp_path, poisoned))
    assert result.exit_code == 1
    assert "2 source(s) stored, 1 failed;" in result.stdout
    (line,) = _errors(result.stderr)
    assert line.startswith("Error: b.md:") and "NUL character" in line and "character 200" in line
    assert execute(database_url, "SELECT source_id FROM sources ORDER BY source_id") == [
        ("a.md",),
        ("c.md",),
    ]
    assert execute(database_url, "SELECT COUNT(*) FROM llm_calls WHERE source_id = 'b.md'") == [
        (0,)
    ]

    counting = CountingModel()
    with (
        MemoirAI(database_url=database_url, llm=counting.model(), **SETTINGS) as memoir,
        pytest.raises(ValidationError, match="NUL character"),
    ):
        memoir.ingest_text_sync(poisoned, "again")
    assert counting.calls == 0


def test_a_source_the_database_rejects_fails_alone_and_its_calls_are_logged(
    database_url: str, backend: str, tmp_path: Path
) -> None:
    _create_schema(database_url)
    execute(database_url, *REJECT_ZEBRA_CHUNKS[backend])
    rejected = (SAMPLES / "football" / "season-review.md").read_text("utf-8") + "\n\nA ZEBRA.\n"
    result = _ingest(database_url, _folder(tmp_path, rejected))
    assert result.exit_code == 1
    assert "2 source(s) stored, 1 failed;" in result.stdout
    assert "not tried" not in result.stdout
    (line,) = _errors(result.stderr)
    assert line.startswith("Error: b.md:") and "injected failure" in line
    assert "only this source" in line and "database URL" not in line
    assert execute(database_url, "SELECT source_id FROM sources ORDER BY source_id") == [
        ("a.md",),
        ("c.md",),
    ]
    assert execute(database_url, "SELECT COUNT(*) FROM chunks WHERE source_id = 'b.md'") == [(0,)]

    # The calls paid for the rejected source are in the audit log, every one of them.
    counting = CountingModel()
    with (
        MemoirAI(database_url=database_url, llm=counting.model(), **SETTINGS) as memoir,
        pytest.raises(DatabaseError, match="injected failure"),
    ):
        memoir.ingest_text_sync(rejected, "rejected")
    assert counting.calls > 0
    logged = "SELECT COUNT(*) FROM llm_calls WHERE source_id = 'rejected'"
    assert execute(database_url, logged) == [(counting.calls,)]


def test_a_failure_every_file_would_meet_stops_the_run_and_lists_the_rest(
    tmp_path: Path,
) -> None:
    from tests.servers import create_server_database, drop_server_database

    url, name = create_server_database("postgresql")
    try:
        _create_schema(url)
        execute(
            url,
            "CREATE FUNCTION reject_chunk() RETURNS trigger AS $$ BEGIN "
            "IF NEW.content LIKE '%ZEBRA%' THEN "
            "RAISE EXCEPTION 'no space left' USING ERRCODE = '53100'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER reject_chunk BEFORE INSERT ON chunks FOR EACH ROW "
            "EXECUTE FUNCTION reject_chunk()",
        )
        rejected = (SAMPLES / "football" / "season-review.md").read_text("utf-8") + " ZEBRA."
        result = _ingest(url, _folder(tmp_path, rejected))
        assert result.exit_code == 1
        assert "1 source(s) stored, 1 failed, 1 not tried;" in result.stdout
        assert "c.md" in result.stdout and "not tried" in result.stdout
        first, stop = _errors(result.stderr)
        assert first.startswith("Error: b.md:") and "free disk space" in first
        assert "stopped at b.md" in stop and "1 input(s) after it were not tried" in stop
        assert execute(url, "SELECT source_id FROM sources") == [("a.md",)]
    finally:
        drop_server_database("postgresql", name)
