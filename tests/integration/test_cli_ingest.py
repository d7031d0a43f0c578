"""``memoir ingest``: files, folders, globs and stdin; per-file errors; the summary table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    shutil.copytree(SAMPLES / "baking", folder / "baking")
    (folder / "baking" / "image.png").write_bytes(b"\x89PNG\r\n")  # not a text suffix: skipped
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "secret.md").write_text("never read", "utf-8")
    return folder


def _run(database: Path, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args], input=stdin)


def _stored(database: Path) -> list[str]:
    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        return [source.source_id for source in memoir.list_sources()]


def test_a_folder_is_searched_for_text_files_with_ids_relative_to_it(
    tmp_path: Path, notes: Path
) -> None:
    database = tmp_path / "memoir.db"
    result = _run(database, "ingest", str(notes))
    assert result.exit_code == 0, result.output
    assert _stored(database) == ["baking/shaping-and-baking.md", "baking/sourdough-starter.md"]
    assert "created" in result.stdout and "2 source(s) stored, 0 failed" in result.stdout
    assert "offline stand-in" in result.stderr  # the one-line notice about the model

    again = _run(database, "ingest", str(notes))
    assert again.exit_code == 0
    assert again.stdout.count("unchanged") == 2
    assert "0 LLM call(s)" in again.stdout


def test_globs_files_and_stdin(tmp_path: Path, notes: Path) -> None:
    database = tmp_path / "memoir.db"
    pattern = str(notes / "*" / "sour*.md")
    assert _run(database, "ingest", pattern).exit_code == 0
    piped = _run(
        database, "ingest", "-", "--source-id", "piped/note", stdin="Bread needs salt and time."
    )
    assert piped.exit_code == 0, piped.output
    stored = _stored(database)
    assert stored[0] == "baking/sourdough-starter.md"  # relative to the pattern's root
    assert stored[1] == "piped/note"


def test_one_bad_file_is_reported_and_the_others_are_stored(tmp_path: Path, notes: Path) -> None:
    database = tmp_path / "memoir.db"
    (notes / "empty.txt").write_text("   \n", "utf-8")
    (notes / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    result = _run(
        database, "ingest", str(notes), str(tmp_path / "missing.md"), str(tmp_path / "*.none")
    )
    assert result.exit_code == 1
    assert "2 source(s) stored, 4 failed" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 4
    assert any("latin1.txt" in line and "not UTF-8" in line for line in errors)
    assert any("empty.txt" in line for line in errors)
    assert any("missing.md: no such file or folder" in line for line in errors)
    assert any("no file matches this pattern" in line for line in errors)
    assert "Traceback" not in result.output
    assert len(_stored(database)) == 2


def test_changed_text_needs_replace(tmp_path: Path) -> None:
    database = tmp_path / "memoir.db"
    note = tmp_path / "note.md"
    note.write_text((SAMPLES / "trade" / "hanseatic-league.md").read_text("utf-8"), "utf-8")
    assert _run(database, "ingest", str(note), "--source-id", "note").exit_code == 0
    note.write_text((SAMPLES / "trade" / "fairs-of-champagne.md").read_text("utf-8"), "utf-8")
    refused = _run(database, "ingest", str(note), "--source-id", "note")
    assert refused.exit_code == 1
    assert "--replace" in refused.stderr or "replace" in refused.stderr
    replaced = _run(database, "ingest", str(note), "--source-id", "note", "--replace")
    assert replaced.exit_code == 0
    assert "replaced" in replaced.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ingest", "-"], "needs a source id"),
        (["ingest", "-", "-", "--source-id", "x"], "read only once"),
        (["ingest", "a.md", "b.md", "--source-id", "x"], "several inputs"),
    ],
)
def test_argument_mistakes_are_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    result = _run(tmp_path / "memoir.db", *args, stdin="text")
    assert result.exit_code == 1
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "memoir.db").exists()


def test_no_paths_is_a_usage_error(tmp_path: Path) -> None:
    assert _run(tmp_path / "memoir.db", "ingest").exit_code == 2
