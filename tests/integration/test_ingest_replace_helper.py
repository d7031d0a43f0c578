"""Replacing a text refreshes what depends on it: the generated contextual helper.

What the model receives is the measure: every request is recorded at a
FunctionModel (which wraps the offline stand-in) with the typed inputs the
agent attached to it, and its prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from memoir_ai.llm.inputs import ClassificationInputs, HelperInputs, PathClassificationInputs
from memoir_ai.llm.offline import OfflineResponder
from tests.fakes import first_prompt, inputs_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MOON = (SAMPLES / "astronomy" / "moon-phases.md").read_text("utf-8")
HANSA = (SAMPLES / "trade" / "hanseatic-league.md").read_text("utf-8")
SETTINGS: dict[str, Any] = {"chunk_min_tokens": 60, "chunk_max_tokens": 120}


@dataclass
class RecordingModel:
    """The offline responder; keeps each request's typed inputs and prompt, by kind."""

    prompts: dict[str, list[str]] = field(default_factory=lambda: {"helper": [], "classify": []})
    inputs: dict[str, list[Any]] = field(default_factory=lambda: {"helper": [], "classify": []})
    responder: OfflineResponder = field(default_factory=OfflineResponder)

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        given = inputs_of(messages)
        kind = (
            "helper"
            if isinstance(given, HelperInputs)
            else "classify"
            if isinstance(given, ClassificationInputs | PathClassificationInputs)
            else ""
        )
        if kind:
            self.prompts[kind].append(first_prompt(messages))
            self.inputs[kind].append(given)
        return await self.responder(messages, info)

    def model(self) -> FunctionModel:
        return FunctionModel(self, model_name="recording")

    def clear(self) -> None:
        for kind in self.prompts:
            self.prompts[kind].clear()
            self.inputs[kind].clear()


def test_a_replaced_text_gets_a_new_generated_helper_in_every_classification_prompt(
    sqlite_url: str,
) -> None:
    recording = RecordingModel()
    with MemoirAI(database_url=sqlite_url, llm=recording.model(), **SETTINGS) as memoir:
        first = memoir.ingest_text_sync(MOON, "note")
        old = memoir.get_contextual_helper("note")
        assert first.helper_status == "generated" and old is not None and old.version == 1
        recording.clear()

        replaced = memoir.ingest_text_sync(HANSA, "note", replace=True)
        new = memoir.get_contextual_helper("note")
    assert replaced.status == "replaced" and replaced.helper_status == "generated"
    assert new is not None and new.version == 2 and not new.is_user_provided
    assert new.helper_text != old.helper_text and "Hanseatic" in new.helper_text
    assert len(recording.prompts["helper"]) == 1
    assert "Hanseatic" in recording.prompts["helper"][0]
    assert recording.inputs["classify"]
    assert {given.helper for given in recording.inputs["classify"]} == {new.helper_text}
    for prompt in recording.prompts["classify"]:
        assert new.helper_text in prompt and old.helper_text not in prompt


def test_a_user_provided_helper_stays_when_the_text_is_replaced_and_the_cli_says_so(
    tmp_path: Path,
) -> None:
    database = tmp_path / "memoir.db"
    note = tmp_path / "note.md"
    note.write_text(MOON, "utf-8")

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args])

    assert run("ingest", str(note)).exit_code == 0
    written = run("helper", "set", "note.md", "--author", "Ada", "--topic", "notes", "--yes")
    assert written.exit_code == 0, written.output
    note.write_text(HANSA, "utf-8")
    replaced = run("ingest", str(note), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "replaced" in replaced.stdout
    kept_note = "note.md: the text was replaced; its contextual helper (version 2, user-provided)"
    assert f"{kept_note} was kept." in " ".join(replaced.stdout.split())

    recording = RecordingModel()
    with MemoirAI(database_url=f"sqlite:///{database}", llm=recording.model()) as memoir:
        kept = memoir.get_contextual_helper("note.md")
        assert kept is not None and kept.is_user_provided and kept.version == 2
        again = memoir.ingest_text_sync(MOON, "note.md", replace=True)
        assert again.helper_status == "kept" and again.helper_version == 2
        assert memoir.get_contextual_helper("note.md") == kept
    assert recording.prompts["helper"] == []  # no model call to describe it
    assert recording.inputs["classify"]
    assert {given.helper for given in recording.inputs["classify"]} == {kept.helper_text}


def test_a_helper_is_drafted_from_the_same_inputs_at_ingestion_and_on_regeneration(
    sqlite_url: str,
) -> None:
    # A byte order mark, and a heading only the chunks show the same way on both paths.
    text = "\ufeff# Tide Tables of the North Sea\n\n" + MOON
    recording = RecordingModel()
    with MemoirAI(database_url=sqlite_url, llm=recording.model(), **SETTINGS) as memoir:
        memoir.ingest_text_sync(text, "tides", file_name="tide_tables.md")
        memoir.regenerate_contextual_helper_sync("tides")
        versions = memoir.contextual_helper_history("tides")
    at_ingestion, on_regeneration = recording.inputs["helper"]
    assert at_ingestion == on_regeneration
    assert at_ingestion.file_name == "tide_tables.md"
    assert at_ingestion.title == "Tide Tables of the North Sea"
    assert "\ufeff" not in at_ingestion.excerpt
    assert recording.prompts["helper"][0] == recording.prompts["helper"][1]
    assert [version.helper_text for version in versions][0] == versions[1].helper_text
