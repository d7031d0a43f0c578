"""Category names a small model cannot spoil, and helpers that cannot invent an author or a date."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from pydantic_ai.messages import ModelRequest, RetryPromptPart, ToolReturnPart

from memoir_ai.llm import checks, prompts, schemas
from memoir_ai.llm.agents import AgentFactory, LLMSettings
from memoir_ai.llm.inputs import HelperInputs
from memoir_ai.llm.prompts import PromptChunk
from memoir_ai.llm.schemas import LLMPurpose
from tests.fakes import ScriptedModel

MOON = "The Moon has phases because half of it is always lit by the Sun, as it orbits the Earth."
BREAD = "# Sourdough Starters\n\nA starter is flour and water left to ferment for days."


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("level 1 name", "placeholder"),
        ("Level 2 Name", "placeholder"),
        ("category", "placeholder"),
        ("...", "placeholder"),
        ("The Moon has phases because half of it is lit", "a sentence"),
        ("Lunar phases. Why they happen", "sentence punctuation"),
        ("Moon: phases", "sentence punctuation"),
        ("Astronomy " * 7, "characters, more than 60"),
        ("The Moon has", "copies the first words of the chunk"),
        ("Astronomy > Moon", "separates the names of a path"),
    ],
)
def test_names_a_small_model_might_write_are_caught(name: str, problem: str) -> None:
    assert any(problem in found for found in checks.name_problems(name, MOON))


@pytest.mark.parametrize(
    "name", ["Astronomy", "Lunar Phases", "Sun & Moon", "Sourdough Starters", "Rock 'n' Roll"]
)
def test_good_names_pass(name: str) -> None:
    assert checks.name_problems(name, BREAD) == []  # a chunk's own heading is a fine name


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Lunar phases. Why they happen", "Lunar phases"),
        ("The phases of the Moon and why we see them", "The phases of the"),
        ("**Moon: phases**", "Moon"),
        ("Astronomy " * 7, "Astronomy Astronomy Astronomy Astronomy"),
        ("Astronomy > Lunar Phases", "Lunar Phases"),
    ],
)
def test_shortening_is_deterministic_and_valid(name: str, short: str) -> None:
    assert checks.shorten_name(name, MOON) == short
    assert checks.name_problems(checks.shorten_name(name, MOON), MOON) == []


def test_a_placeholder_or_a_copy_becomes_the_chunks_own_words() -> None:
    for bad in ("level 1 name", "The Moon has phases"):
        name = checks.shorten_name(bad, MOON)
        assert name == checks.shorten_name(bad, MOON)
        assert checks.name_problems(name, MOON) == []
        assert "Moon" in name or "Phases" in name


def _classify(answers: list[Any]) -> tuple[ScriptedModel, Any, Any]:
    script = ScriptedModel(answers)
    factory = AgentFactory(LLMSettings(), model=script.model())
    prompt = prompts.classification_prompt(
        [PromptChunk(1, MOON), PromptChunk(2, BREAD)],
        level=1,
        depth=3,
        existing=["Existing: old name"],
        allow_new=True,
    )
    output, record = asyncio.run(
        factory.call(schemas.classification_output([], True, 2), prompt, LLMPurpose.CLASSIFY)
    )
    return script, output, record


def _retry_prompts(script: ScriptedModel) -> list[str]:
    """What was sent back to the model after its first answer (a retry prompt or tool return)."""
    (messages,) = script.messages[1:]
    return [
        str(part.content)
        for message in messages[1:]
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, RetryPromptPart | ToolReturnPart)
    ]


def test_a_bad_name_is_sent_back_once_with_the_reason() -> None:
    bad = {"chunks": [{"id": 1, "category": "level 1 name"}, {"id": 2, "category": "Baking"}]}
    good = {"chunks": [{"id": 1, "category": "Astronomy"}, {"id": 2, "category": "Baking"}]}
    script, output, record = _classify([bad, good])
    assert [item.category for item in output.chunks] == ["Astronomy", "Baking"]
    assert script.calls == 2
    (reason,) = _retry_prompts(script)
    assert "chunk 1: 'level 1 name' is a placeholder" in reason
    assert "1 to 4 words" in reason
    assert record.notes == ()


def test_a_name_still_bad_after_the_retry_is_shortened_and_noted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad = {"chunks": [{"id": 1, "category": "Why the Moon has phases. It is lit"}]}
    with caplog.at_level(logging.WARNING, logger="memoir_ai.llm.checks"):
        script, output, record = _classify([bad, bad])
    assert script.calls == 2  # one retry with the reason, never more
    assert output.chunks[0].category == "Why the Moon has"
    assert any("sentence punctuation" in note for note in record.notes)
    assert "category name shortened" in caplog.text


def test_existing_names_are_never_touched() -> None:
    answer = {"chunks": [{"id": 1, "category": "Existing: old name"}]}
    script, output, _ = _classify([answer])
    assert script.calls == 1
    assert output.chunks[0].category == "Existing: old name"


def test_whole_paths_are_checked_name_by_name() -> None:
    script = ScriptedModel([{"chunks": [{"id": 1, "path": ["Astronomy", "level 2 name"]}]}])
    factory = AgentFactory(LLMSettings(), model=script.model())
    prompt = prompts.path_classification_prompt([PromptChunk(1, MOON)], depth=2, tree=[])
    output, _ = asyncio.run(
        factory.call(schemas.path_classification_output(2, 1), prompt, LLMPurpose.CLASSIFY)
    )
    assert script.calls == 2
    first, second = output.chunks[0].path
    assert first == "Astronomy"
    assert checks.name_problems(second, MOON) == []


def _helper(answer: dict[str, str], excerpt: str, file_name: str | None = None) -> Any:
    script = ScriptedModel([answer])
    factory = AgentFactory(LLMSettings(), model=script.model())
    prompt = prompts.helper_prompt(excerpt, source_id="notes.txt", file_name=file_name)
    return asyncio.run(factory.call(schemas.GeneratedHelper, prompt, LLMPurpose.HELPER))


HELPER = {"title": "Moon notes", "topic": "the Moon", "summary": "Why the Moon has phases."}


def test_an_invented_author_and_date_are_flagged_and_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = {**HELPER, "author": "Leonardo da Vinci", "date": "1505-03-01"}
    with caplog.at_level(logging.WARNING, logger="memoir_ai.llm.checks"):
        helper, record = _helper(answer, MOON)
    assert (helper.author, helper.date) == ("unknown", "unknown")
    assert len(record.notes) == 2
    assert "author 'Leonardo da Vinci' appears neither in the text nor in its names" in caplog.text
    assert "date '1505-03-01'" in caplog.text


def test_an_author_and_date_the_text_or_file_name_states_are_kept() -> None:
    answer = {**HELPER, "author": "Ada Lovelace", "date": "1843"}
    helper, record = _helper(answer, "By A. Lovelace. " + MOON, file_name="notes-1843.txt")
    assert (helper.author, helper.date) == ("Ada Lovelace", "1843")
    assert record.notes == ()


def test_unknown_is_never_flagged() -> None:
    found = HelperInputs(MOON, "moon.txt")
    helper = schemas.GeneratedHelper(author="unknown", date="unknown", **HELPER)
    assert checks.invented_facts(helper, found) == {}
