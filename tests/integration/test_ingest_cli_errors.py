"""``memoir ingest`` speaks in its own terms: options and commands, never Python parameters.

The Python API raises the same refusals with its own words (``replace=True``,
``source_id``); the command rewrites them from the facts the errors carry.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from memoir_ai.cli.main import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MOON = (SAMPLES / "astronomy" / "moon-phases.md").read_text("utf-8")
HANSA = (SAMPLES / "trade" / "hanseatic-league.md").read_text("utf-8")
PYTHON_WORDS = ("replace=True", "source_id", "delete_source", "metadata", "pass text", "str")


def _run(database: Path, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args], input=stdin)


def _error_lines(result, tmp_path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert lines, result.output
    for line in lines:
        words = line.replace(str(tmp_path), "TMP")  # the test's own folder names are no words
        assert not [word for word in PYTHON_WORDS if word in words], line
        assert "Traceback" not in line
    return lines


def test_changed_text_and_another_file_name_the_options(tmp_path: Path) -> None:
    database, note = tmp_path / "memoir.db", tmp_path / "note.md"
    note.write_text(MOON, "utf-8")
    assert _run(database, "ingest", str(note)).exit_code == 0
    note.write_text(HANSA, "utf-8")
    changed = _run(database, "ingest", str(note))
    assert changed.exit_code == 1
    (line,) = _error_lines(changed, tmp_path)
    assert "add --replace" in line and "--source-id ID" in line

    other = tmp_path / "other" / "note.md"
    other.parent.mkdir()
    other.write_text(HANSA, "utf-8")
    collision = _run(database, "ingest", str(other), "--replace")
    (line,) = _error_lines(collision, tmp_path)
    assert "--source-id ID" in line and "memoir sources delete note.md" in line


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is empty"),
        (" \n\t\n", "holds only white space"),
        ("\ufeff\n", "holds only white space"),
    ],
)
def test_an_empty_file_is_said_in_file_terms(tmp_path: Path, content: str, expected: str) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text(content, "utf-8")
    result = _run(tmp_path / "memoir.db", "ingest", str(empty))
    assert result.exit_code == 1
    (line,) = _error_lines(result, tmp_path)
    assert f"{empty} {expected}" in line


@pytest.mark.parametrize(
    ("source_id", "expected"),
    [("   ", "--source-id is empty"), ("x" * 600, "--source-id is 600 characters long")],
)
def test_a_bad_source_id_option_is_named(tmp_path: Path, source_id: str, expected: str) -> None:
    note = tmp_path / "note.md"
    note.write_text(MOON, "utf-8")
    result = _run(tmp_path / "memoir.db", "ingest", str(note), "--source-id", source_id)
    assert result.exit_code == 1
    (line,) = _error_lines(result, tmp_path)
    assert expected in line


def test_source_id_for_a_folder_of_several_files_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(MOON, "utf-8")
    (notes / "b.md").write_text(HANSA, "utf-8")
    result = _run(tmp_path / "memoir.db", "ingest", str(notes), "--source-id", "one")
    assert result.exit_code == 1
    (line,) = _error_lines(result, tmp_path)
    assert "--source-id names one source" in line and "gives 2 files" in line


def test_a_path_too_long_for_a_source_id_asks_for_source_id(tmp_path: Path) -> None:
    deep = tmp_path / "notes" / ("a" * 200) / ("b" * 200) / ("c" * 200)
    deep.mkdir(parents=True)
    (deep / "note.md").write_text(MOON, "utf-8")
    result = _run(tmp_path / "memoir.db", "ingest", str(tmp_path / "notes"))
    assert result.exit_code == 1
    (line,) = _error_lines(result, tmp_path)
    assert "its path is 610 characters long, more than a source id holds (" in line
    assert "--source-id ID" in line
