"""One opened memory: reads never lock or write, the schema is read once, memory URLs live on."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from memoir_ai.database._locks import migration_lock

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def ingest_samples(database_url: str, subject: str = "astronomy") -> None:
    with MemoirAI(database_url=database_url) as memoir:
        for sample in sorted(SAMPLES.glob(f"{subject}/*.md")):
            memoir.ingest_text_sync(
                sample.read_text("utf-8"), sample.relative_to(SAMPLES).as_posix()
            )


def test_reads_go_on_while_another_process_holds_the_migration_lock(database_url: str) -> None:
    """A migration in progress elsewhere holds the lock; every read still answers at once."""
    ingest_samples(database_url)
    holder = create_engine(database_url)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with migration_lock(holder):
            held.set()
            release.wait(timeout=240)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(timeout=60)
        with MemoirAI(database_url=database_url) as memoir:
            # Had any of these taken the lock, it would wait for the holder (up to 600 s).
            tree = memoir.get_category_tree()
            sources = memoir.list_sources()
            answer = memoir.query_sync("Why does the Moon have phases?")
            calls = memoir.llm_calls(limit=3)
    finally:
        release.set()
        thread.join()
        holder.dispose()
    assert tree.chunk_count > 0 and len(sources) == 2
    assert answer.answer and calls


def test_the_schema_is_read_once_per_memory(sqlite_url: str) -> None:
    """Counted at the connection: one read of the version table for many operations."""
    ingest_samples(sqlite_url)
    statements: list[str] = []
    with MemoirAI(database_url=sqlite_url) as memoir:
        event.listen(
            memoir.database.engine,
            "before_cursor_execute",
            lambda _c, _cur, statement, *_args: statements.append(statement),
        )
        memoir.get_category_tree()
        memoir.list_sources()
        memoir.query_sync("Why does the Moon have phases?")
        memoir.get_chunk(1)
        memoir.llm_calls()
    version_reads = [s for s in statements if "memoir_alembic_version" in s]
    settings_reads = [s for s in statements if "memoir_settings" in s]
    assert len(version_reads) == 1
    assert len(settings_reads) == 1
    writes = [
        s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes and all("llm_calls" in s for s in writes)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_lives_as_long_as_the_object(url: str) -> None:
    text_of_moon = (SAMPLES / "astronomy" / "moon-phases.md").read_text("utf-8")
    with MemoirAI(database_url=url) as memoir:
        stored = memoir.ingest_text_sync(text_of_moon, "moon.md")
        assert memoir.list_sources()[0].source_id == "moon.md"
        assert memoir.get_chunk(stored.chunks[0].id).content == stored.chunks[0].content
        assert memoir.query_sync("Why does the Moon have phases?").cited_chunks


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_the_cli_refuses_an_in_memory_database_in_one_line(url: str) -> None:
    result = CliRunner().invoke(app, ["--db", url, "ingest", str(SAMPLES / "astronomy")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "in-memory" in result.stderr and "sqlite:///memoir.db" in result.stderr
    assert "Traceback" not in result.output


def test_a_mistyped_sqlite_path_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    for command in (["tree"], ["sources"], ["log"], ["show", "1"], ["query", "moon?"]):
        result = CliRunner().invoke(app, ["--db", f"sqlite:///{missing}", *command])
        assert result.exit_code == 1, command
        assert "There is no memoir database at" in result.stderr
    assert not missing.exists()


def test_a_reading_command_prints_no_offline_notice_and_an_ingest_does(
    sqlite_url: str, tmp_path: Path
) -> None:
    ingest_samples(sqlite_url)
    tree = CliRunner().invoke(app, ["--db", sqlite_url, "tree"])
    assert tree.exit_code == 0 and "offline stand-in" not in tree.stderr
    note = tmp_path / "note.md"
    note.write_text("The Moon shows phases as it orbits the Earth. " * 20, encoding="utf-8")
    ingest: Any = CliRunner().invoke(app, ["--db", sqlite_url, "ingest", str(note)])
    assert ingest.exit_code == 0
    assert ingest.stderr.count("offline stand-in") == 1


def test_reading_a_database_writes_nothing(sqlite_url: str) -> None:
    ingest_samples(sqlite_url)
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        before = connection.execute(text("SELECT COUNT(*) FROM llm_calls")).scalar_one()
    engine.dispose()
    modified = Path(sqlite_url.removeprefix("sqlite:///")).stat().st_mtime_ns
    for command in (["tree"], ["sources"], ["show", "1"], ["log"]):
        assert CliRunner().invoke(app, ["--db", sqlite_url, *command]).exit_code == 0
    assert Path(sqlite_url.removeprefix("sqlite:///")).stat().st_mtime_ns == modified
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM llm_calls")).scalar_one() == before
    engine.dispose()
