"""Inputs a user will have: files without an extension, binaries, FIFOs, devices, link loops,
byte order marks, many small files, bad arguments, and a model endpoint nobody answers at."""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from memoir_ai.errors import ValidationError
from tests.fakes import model_requests_allowed

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_FILES = sorted(SAMPLES.rglob("*.md"))


def _run(database: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args], env=env)


def _rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Error:")]


def test_a_folder_takes_text_without_an_extension_and_names_what_it_skips(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "doc"
    docs.mkdir()
    for name, sample in zip(
        ("README", "COPYING", "changelog", "README.Debian", "notes.md"), SAMPLE_FILES, strict=False
    ):
        (docs / name).write_text(sample.read_text("utf-8"), "utf-8")
    (docs / "blob").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    (docs / "latin1").write_bytes("caf\xe9 cr\xe8me".encode("latin-1") * 20)
    (docs / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # an extension that is not text
    (docs / "changelog.Debian.gz").write_bytes(b"\x1f\x8b\x08\x00")
    os.mkfifo(docs / "pipe")
    (docs / "loop").symlink_to("loop")
    (docs / "broken").symlink_to("missing")

    database = tmp_path / "memoir.db"
    result = _run(database, "ingest", str(docs))
    assert result.exit_code == 0, result.output
    stored = [row[0] for row in _rows(database, "SELECT source_id FROM sources ORDER BY 1")]
    assert stored == ["COPYING", "README", "README.Debian", "changelog", "notes.md"]
    output = " ".join(result.stdout.split())
    assert "Skipped 5 file(s) that are not text:" in output
    for name, what in (
        ("blob", "binary (NUL bytes)"),
        ("latin1", "binary (not UTF-8)"),
        ("pipe", "a FIFO (named pipe)"),
        ("loop", "a symbolic link loop"),
        ("broken", "a broken symbolic link (to missing)"),
    ):
        assert f"{docs / name}: {what}" in output
    assert "image.png" not in output and ".gz" not in output


def test_special_files_given_by_name_are_named_as_what_they_are(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "loop").symlink_to("loop")
    pipe, loop = str(tmp_path / "pipe"), str(tmp_path / "loop")
    result = _run(tmp_path / "memoir.db", "ingest", pipe, "/dev/null", loop)
    assert result.exit_code == 1
    assert "0 source(s) stored, 3 failed" in result.stdout
    errors = _errors(result.stderr)
    assert any("pipe: a FIFO (named pipe), not a file" in line for line in errors)
    assert any("/dev/null: a character device, not a file" in line for line in errors)
    assert any("loop: a symbolic link loop, not a file" in line for line in errors)
    assert all("no such file" not in line for line in errors)


def test_a_byte_order_mark_is_not_kept_and_offsets_still_slice_the_file(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("\ufeff" + SAMPLE_FILES[0].read_text("utf-8"), "utf-8")
    database = tmp_path / "memoir.db"
    assert _run(database, "ingest", str(note)).exit_code == 0
    original = note.read_text("utf-8")
    chunks = _rows(database, "SELECT content, start_offset, end_offset FROM chunks ORDER BY id")
    assert chunks[0][1] == 1 and not chunks[0][0].startswith("\ufeff")
    assert all(original[start:end] == content for content, start, end in chunks)
    assert "".join(content for content, _, _ in chunks) == original[1:]
    title = _rows(database, "SELECT title FROM sources")[0][0]
    assert not title.startswith("\ufeff")


def test_small_files_are_summed_up_in_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for index in range(7):
        (notes / f"n{index}.md").write_text(f"Note {index}: buy flour, salt and yeast.", "utf-8")
    result = _run(tmp_path / "memoir.db", "ingest", str(notes))
    assert result.exit_code == 0, result.output
    assert "fewer than the minimum" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "offline stand-in" not in line]
    assert warnings == []
    summary = [line for line in result.stdout.splitlines() if "shorter than" in line]
    assert summary == [
        "7 source(s) shorter than chunk_min_tokens (300 tokens) were each kept as one chunk: "
        "n0.md, n1.md, n2.md, n3.md, n4.md, …."
    ]


def test_bad_arguments_fail_before_any_model_call(sqlite_url: str) -> None:
    calls = 0

    def never(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        nonlocal calls
        calls += 1
        raise AssertionError("no model call expected")

    with MemoirAI(database_url=sqlite_url, llm=FunctionModel(never)) as memoir:
        with pytest.raises(ValidationError, match="is NoneType, not text"):
            memoir.ingest_text_sync(None, "doc")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"metadata\['when'\] is a datetime"):
            memoir.ingest_text_sync("Some text.", "doc", metadata={"when": dt.datetime.now()})
        with pytest.raises(ValidationError, match=r"metadata\['tags'\]\[1\] is the number nan"):
            memoir.ingest_text_sync("Some text.", "doc", metadata={"tags": ["a", float("nan")]})
        with pytest.raises(ValidationError, match="metadata is str, not a mapping"):
            memoir.ingest_text_sync("Some text.", "doc", metadata="author=me")  # type: ignore[arg-type]
        # memoir-ai's own provenance key: a user's value there could pass for a file's origin.
        with pytest.raises(ValidationError, match=r"metadata\['_memoir'\] is memoir-ai's own"):
            memoir.ingest_text_sync("Some text.", "doc", metadata={"_memoir": {"origin": "/x"}})
        assert memoir.list_sources() == []
    assert calls == 0


@pytest.mark.slow
def test_an_unreachable_model_stops_the_run_after_a_few_sources_in_a_row(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notes = tmp_path / "notes"
    notes.mkdir()
    for index, sample in enumerate(SAMPLE_FILES[:6]):
        (notes / f"{index}.md").write_text(sample.read_text("utf-8"), "utf-8")
    database = tmp_path / "memoir.db"
    env = {"MEMOIR_MODEL_BASE_URL": f"http://127.0.0.1:{port}/v1", "OPENAI_API_KEY": "none"}
    with model_requests_allowed():
        result = _run(
            database, "--model", "openai-compatible:nobody", "ingest", str(notes), env=env
        )
    assert result.exit_code == 1
    assert "0 source(s) stored, 3 failed, 3 not tried" in result.stdout
    stop = _errors(result.stderr)[-1]
    assert "the model failed for 3 sources in a row (0.md, 1.md, 2.md)" in stop
    assert "3 input(s) after them were not tried" in stop and "MEMOIR_MODEL_BASE_URL" in stop
    # Every failed attempt was recorded, and only for the three sources tried.
    tried = _rows(database, "SELECT DISTINCT source_id FROM llm_calls ORDER BY 1")
    assert tried == [("0.md",), ("1.md",), ("2.md",)]
