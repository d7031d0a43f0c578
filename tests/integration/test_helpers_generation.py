"""The LLM path of contextual helpers, with pydantic-ai's FunctionModel standing in for the model.

We look at the prompt the model received (file name, title, headers, and only
the first 5 chunks or 2,000 tokens) and at what was stored (never over 300 tokens).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel

from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.helpers.compose import HELPER_MAX_TOKENS, SAMPLE_MAX_TOKENS
from memoir_ai.helpers.service import ContextualHelperService
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.inputs import HelperInputs
from memoir_ai.llm.prompts import Prompt
from memoir_ai.llm.schemas import GeneratedHelper
from memoir_ai.text.tokens import get_token_counter
from tests._schema_tools import config_for
from tests.fakes import first_prompt, inputs_of, respond_with

COUNTER = get_token_counter("openai:gpt-4o-mini")


class RecordingModel:
    """A FunctionModel body: remembers each prompt and answers ``answer``."""

    def __init__(self, answer: dict[str, str]) -> None:
        self.answer = answer
        self.prompts: list[Prompt] = []

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.prompts.append(Prompt(first_prompt(messages), inputs_of(messages)))
        return respond_with(info, self.answer)


@pytest.fixture
def database(sqlite_url: str) -> Iterator[DatabaseManager]:
    config = config_for(sqlite_url)
    with MigrationManager(config) as manager:
        manager.initialize_database()
    database = DatabaseManager(config)
    yield database
    database.dispose()


def excerpt_of(prompt: Prompt) -> str:
    inputs = prompt.inputs
    assert isinstance(inputs, HelperInputs), prompt
    return inputs.excerpt


def test_an_over_long_answer_is_stored_within_300_tokens(database: DatabaseManager) -> None:
    # Every field at its schema's length limit, in a script that costs a token or more a character.
    answer = {
        "title": "月" * 120,
        "author": "作者" * 50,
        "date": "unknown",
        "topic": "天文" * 50,
        "summary": "。".join(["木星的卫星很多"] * 90) + "。",
    }
    assert COUNTER.count(GeneratedHelper(**answer).to_text()) > 2 * HELPER_MAX_TOKENS
    model = RecordingModel(answer)
    service = ContextualHelperService(database, AgentFactory(model=FunctionModel(model)), COUNTER)

    text = f"Some text about Jupiter by {answer['author']}."  # an author the text states
    outcome = service.generate_helper_sync("long-answer", [text])

    stored = service.get_helper("long-answer")
    assert stored is not None and outcome.created
    assert stored.token_count == COUNTER.count(stored.helper_text) <= HELPER_MAX_TOKENS
    # Trimmed after the last whole sentence that fits, not thrown away.
    assert stored.token_count > HELPER_MAX_TOKENS // 2
    assert stored.helper_text.endswith((".", "。"))
    assert stored.helper_text.startswith("Title: 月月月")
    assert GeneratedHelper(**answer).to_text().startswith(stored.helper_text)


def test_the_model_sees_names_headers_and_only_the_first_five_chunks(
    database: DatabaseManager,
) -> None:
    chunks = ["# Field Notes on Tides\n\nWritten at the harbour.\n\n", "## Spring tides\n\n"]
    chunks += [f"Marker-{index} says the water rose again today.\n\n" for index in range(2, 9)]
    chunks += ["## Neap tides\n\nThe last section.\n"]
    model = RecordingModel(
        {"title": "t", "author": "a", "date": "2020", "topic": "x", "summary": "s"}
    )
    service = ContextualHelperService(database, AgentFactory(model=FunctionModel(model)), COUNTER)

    service.generate_helper_sync("tides", chunks, full_text="".join(chunks), file_name="tides.md")

    (prompt,) = model.prompts
    assert "Source id: tides" in prompt
    assert "File name: tides.md" in prompt
    assert "Detected title: Field Notes on Tides" in prompt
    # Headers come from the whole text, the excerpt only from its opening.
    assert "- Spring tides" in prompt and "- Neap tides" in prompt
    excerpt = excerpt_of(prompt)
    assert excerpt == "".join(chunks[:5]).strip("\n") or excerpt == "".join(chunks[:5])
    assert "Marker-4" in excerpt and "Marker-5" not in excerpt
    assert "The last section." not in excerpt


def test_the_model_sees_at_most_2000_tokens_when_five_chunks_are_longer(
    database: DatabaseManager,
) -> None:
    chunks = [f"Chunk{index} " + "stone river cloud " * 200 + "\n\n" for index in range(5)]
    assert sum(COUNTER.count(chunk) for chunk in chunks) > SAMPLE_MAX_TOKENS
    model = RecordingModel(
        {"title": "t", "author": "a", "date": "2020", "topic": "x", "summary": "s"}
    )
    service = ContextualHelperService(database, AgentFactory(model=FunctionModel(model)), COUNTER)

    service.generate_helper_sync("stones", chunks)

    excerpt = excerpt_of(model.prompts[0])
    assert SAMPLE_MAX_TOKENS - 10 <= COUNTER.count(excerpt) <= SAMPLE_MAX_TOKENS
    assert "Chunk3" in excerpt and "Chunk4" not in excerpt
    assert "".join(chunks).startswith(excerpt)


def test_a_draft_is_written_but_not_stored(database: DatabaseManager) -> None:
    """For a caller that stores the helper inside its own transaction."""
    model = RecordingModel(
        {"title": "Tides", "author": "a", "date": "2020", "topic": "x", "summary": "s"}
    )
    service = ContextualHelperService(database, AgentFactory(model=FunctionModel(model)), COUNTER)

    draft = service.draft_helper_sync("draft", ["Text about tides."])

    assert draft.helper_text.startswith("Title: Tides.")
    assert draft.token_count == COUNTER.count(draft.helper_text)
    assert draft.call.purpose == "helper" and draft.call.outcome == "ok"
    assert service.get_helper("draft") is None and service.helper_history("draft") == []
