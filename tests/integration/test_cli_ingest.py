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


def test_json_prints_each_input_as_its_outcome_with_the_ingest_result(
    tmp_path: Path, notes: Path
) -> None:
    import json

    from memoir_ai import IngestResult

    database = tmp_path / "memoir.db"
    (notes / "empty.txt").write_text("   \n", "utf-8")
    result = _run(database, "ingest", "--json", str(notes))
    assert result.exit_code == 1  # the empty file was not stored
    outcomes = json.loads(result.stdout)  # stdout is the JSON alone: no table, no notes
    assert [(item["source_id"], item["status"]) for item in outcomes] == [
        ("baking/shaping-and-baking.md", "created"),
        ("baking/sourdough-starter.md", "created"),
        ("empty.txt", "failed"),
    ]
    assert outcomes[2]["result"] is None and "empty" in outcomes[2]["error"]
    assert "Error: empty.txt" in result.stderr
    # Each stored input's result is IngestResult's own dump, checked against the database.
    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        for item in outcomes[:2]:
            ingested = IngestResult.model_validate(item["result"])
            assert item["result"] == ingested.model_dump(mode="json")
            stored = memoir.list_chunks(ingested.source_id)
            assert [(c.id, c.content, c.category_path) for c in ingested.chunks] == [
                (c.id, c.content, c.category_path) for c in stored
            ]
            logged = memoir.llm_calls(source_id=ingested.source_id)
            assert item["result"]["llm_call_count"] == len(logged) > 0
            assert item["result"]["input_tokens"] == sum(call.input_tokens for call in logged)


def test_ingest_result_is_a_frozen_public_result(tmp_path: Path) -> None:
    import pydantic

    from memoir_ai.results import PublicResult

    with MemoirAI(database_url=f"sqlite:///{tmp_path / 'memoir.db'}") as memoir:
        result = memoir.ingest_text_sync("Bread rises when yeast eats sugar. " * 40, "bread")
    assert isinstance(result, PublicResult)
    with pytest.raises(pydantic.ValidationError):
        result.status = "replaced"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        result.chunks[0].content = "changed"  # type: ignore[misc]
