"""Distinct files never share a source id: in one run, across runs, relative or absolute paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from memoir_ai.errors import SourceChangedError, SourceCollisionError

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
README_A = (SAMPLES / "astronomy" / "moon-phases.md").read_text("utf-8")
README_B = (SAMPLES / "trade" / "hanseatic-league.md").read_text("utf-8")


def _run(database: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args])


def _rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def _stored_text(database: Path, source_id: str) -> str:
    rows = _rows(
        database, f"SELECT content FROM chunks WHERE source_id = '{source_id}' ORDER BY position"
    )
    return "".join(str(row[0]) for row in rows)


@pytest.fixture
def projects(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "work" / "projA", tmp_path / "elsewhere" / "projB"
    for folder, readme, own in ((first, README_A, "a.md"), (second, README_B, "b.md")):
        folder.mkdir(parents=True)
        (folder / "README.md").write_text(readme, "utf-8")
        (folder / own).write_text((SAMPLES / "baking" / "sourdough-starter.md").read_text("utf-8"))
    (second / "b.md").write_text((SAMPLES / "football" / "season-review.md").read_text("utf-8"))
    return first, second


@pytest.mark.parametrize("absolute", [False, True])
def test_two_folders_with_a_readme_each_refuse_both_readmes_and_store_the_rest(
    tmp_path: Path, projects: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, absolute: bool
) -> None:
    first, second = projects
    monkeypatch.chdir(tmp_path)
    given = [str(p) if absolute else str(p.relative_to(tmp_path)) for p in (first, second)]
    database = tmp_path / "memoir.db"
    result = _run(database, "ingest", *given, "--replace")
    assert result.exit_code == 1
    assert "2 source(s) stored, 2 failed" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 2
    for line in errors:
        assert f"{given[0]}/README.md and {given[1]}/README.md" in line
        assert "--source-id" in line
    assert _rows(database, "SELECT source_id FROM sources ORDER BY source_id") == [
        ("a.md",),
        ("b.md",),
    ]
    # Refused before anything was read: not a single model call for it.
    assert _rows(database, "SELECT COUNT(*) FROM llm_calls WHERE source_id = 'README.md'") == [(0,)]


def test_another_file_in_a_later_run_does_not_replace_the_source(
    tmp_path: Path, projects: tuple[Path, Path]
) -> None:
    first, second = projects
    database = tmp_path / "memoir.db"
    assert _run(database, "ingest", str(first)).exit_code == 0
    calls_before = _rows(database, "SELECT COUNT(*) FROM llm_calls")

    result = _run(database, "ingest", str(second), "--replace")
    assert result.exit_code == 1
    assert "1 source(s) stored, 1 failed" in result.stdout
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert str(second / "README.md") in line
    assert str((first / "README.md").resolve()) in line
    assert "--source-id" in line and "memoir sources delete README.md" in line
    assert "replace=True" not in line and "source_id=" not in line
    assert _stored_text(database, "README.md") == README_A  # the first file's text, kept
    # Only b.md paid: the README was refused before any model call.
    b_calls = _rows(database, "SELECT COUNT(*) FROM llm_calls WHERE source_id = 'b.md'")[0][0]
    assert _rows(database, "SELECT COUNT(*) FROM llm_calls")[0][0] == calls_before[0][0] + b_calls

    # The same file, changed, is still replaced as before.
    (first / "README.md").write_text(README_B, "utf-8")
    again = _run(database, "ingest", str(first), "--replace")
    assert again.exit_code == 0, again.output
    assert "replaced" in again.stdout
    assert _stored_text(database, "README.md") == README_B


def test_the_same_file_given_twice_is_read_once(
    tmp_path: Path, projects: tuple[Path, Path]
) -> None:
    first, _ = projects
    database = tmp_path / "memoir.db"
    result = _run(database, "ingest", str(first / "a.md"), str(first / "a.md"))
    assert result.exit_code == 0, result.output
    assert "1 source(s) stored, 0 failed" in result.stdout


def test_the_api_refuses_text_from_another_origin_under_a_stored_id(sqlite_url: str) -> None:
    with MemoirAI(database_url=sqlite_url, chunk_min_tokens=40, chunk_max_tokens=80) as memoir:
        memoir.ingest_text_sync(README_A, "README.md", origin="/work/projA/README.md")
        with pytest.raises(SourceCollisionError) as raised:
            memoir.ingest_text_sync(
                README_B, "README.md", replace=True, origin="/elsewhere/projB/README.md"
            )
        assert raised.value.stored_origin == "/work/projA/README.md"
        assert raised.value.origin == "/elsewhere/projB/README.md"
        assert "source_id" in raised.value.remedy  # the API's own words
        # Without an origin there is nothing to compare: the usual rules apply.
        with pytest.raises(SourceChangedError, match="replace=True"):
            memoir.ingest_text_sync(README_B, "README.md")
        # The same text from another origin changes nothing.
        same = memoir.ingest_text_sync(README_A, "README.md", origin="/elsewhere/README.md")
        assert same.status == "unchanged"
        replaced = memoir.ingest_text_sync(
            README_B, "README.md", replace=True, origin="/work/projA/README.md"
        )
        assert replaced.status == "replaced"
        sources = memoir.list_sources()
    assert [source.source_id for source in sources] == ["README.md"]
