"""Contextual helpers stored, versioned, overridden and regenerated, on every backend.

The model is pydantic-ai's FunctionModel (through tests/fakes.py's ScriptedModel):
we assert on the prompt it received and on what the database holds afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy import func, select

from memoir_ai.database.calls import list_llm_calls, load_call_detail
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.database.models import (
    Category,
    Chunk,
    ContextualHelper,
    ContextualHelperVersion,
    Source,
)
from memoir_ai.errors import ValidationError
from memoir_ai.helpers.compose import HELPER_MAX_TOKENS, HelperFields
from memoir_ai.helpers.service import ContextualHelperService
from memoir_ai.llm.agents import AgentFactory, LLMCallError
from memoir_ai.llm.models import LLMSettings
from memoir_ai.text.tokens import get_token_counter
from tests._schema_tools import config_for
from tests.fakes import ScriptedModel

COUNTER = get_token_counter("openai:gpt-4o-mini")

GOOD_ANSWER = {
    "title": "Moons of Jupiter",
    "author": "Ada Lovelace",
    "date": "1843-07-01",
    "topic": "astronomy",
    "summary": "A survey of the Galilean moons and how they were observed.",
}


@pytest.fixture
def database(database_url: str) -> Iterator[DatabaseManager]:
    config = config_for(database_url)
    with MigrationManager(config) as manager:
        manager.initialize_database()
    manager_ = DatabaseManager(config)
    try:
        yield manager_
    finally:
        manager_.dispose()


def service_for(database: DatabaseManager, model: FunctionModel) -> ContextualHelperService:
    return ContextualHelperService(database, AgentFactory(model=model), COUNTER)


def add_chunks(
    database: DatabaseManager, source_id: str, texts: list[str], **source: object
) -> None:
    """File ``texts`` under a three-level leaf, as ingestion would."""
    with database.transaction() as session:
        top = Category(name="Science", level=1)
        middle = Category(name="Astronomy", parent=top)
        leaf = Category(name="Moons", parent=middle)
        session.add_all([top, middle, leaf])
        session.add(Source(source_id=source_id, content_hash="0" * 64, **source))
        offset = 0
        for position, text in enumerate(texts):
            session.add(
                Chunk(
                    content=text,
                    token_count=COUNTER.count(text),
                    category=leaf,
                    source_id=source_id,
                    position=position,
                    start_offset=offset,
                    end_offset=offset + len(text),
                )
            )
            offset += len(text)


def table_counts(database: DatabaseManager) -> tuple[int, int]:
    with database.session() as session:
        current = session.scalar(select(func.count()).select_from(ContextualHelper))
        versions = session.scalar(select(func.count()).select_from(ContextualHelperVersion))
    return int(current or 0), int(versions or 0)


def test_user_helper_overrides_generated_and_history_keeps_every_version(
    database: DatabaseManager,
) -> None:
    scripted = ScriptedModel([GOOD_ANSWER])
    service = service_for(database, scripted.model())

    generated = service.generate_helper_sync("moons", ["Io is volcanic.", "Europa has ice."])
    assert generated.created and generated.helper.version == 1
    assert not generated.helper.is_user_provided
    assert generated.helper.helper_text.startswith("Title: Moons of Jupiter.")

    user = service.set_user_helper(
        "moons",
        HelperFields(author="Galileo", date="1610-01-07", topic="moons", description="Notes."),
    )
    assert (user.version, user.is_user_provided) == (2, True)
    current = service.get_helper("moons")
    assert current is not None
    assert (current.version, current.is_user_provided, current.helper_text) == (
        2,
        True,
        "Author: Galileo. Date: 1610-01-07. Topic: moons. Notes.",
    )

    # Automatic generation never silently replaces the user's helper, and calls no model.
    again = service.generate_helper_sync("moons", ["Io is volcanic."])
    assert not again.created and again.helper.version == 2 and again.helper.is_user_provided
    assert scripted.calls == 1

    # Explicit regeneration does, and keeps the history.
    replaced = service.generate_helper_sync("moons", ["Io is volcanic."], replace=True)
    assert replaced.created and replaced.helper.version == 3
    history = service.helper_history("moons")
    assert [(h.version, h.is_user_provided) for h in history] == [
        (1, False),
        (2, True),
        (3, False),
    ]
    assert all(h.token_count == COUNTER.count(h.helper_text) for h in history)
    assert history[1].helper_text == user.helper_text
    assert table_counts(database) == (1, 3)


def test_same_user_text_twice_is_one_version(database: DatabaseManager) -> None:
    service = service_for(database, ScriptedModel([GOOD_ANSWER]).model())
    first = service.set_user_helper("essay", "An essay on tides, by Jane Roe, 2021.")
    second = service.set_user_helper("essay", "  An essay on tides, by Jane Roe, 2021. ")
    assert first.version == second.version == 1
    third = service.set_user_helper("essay", "An essay on tides and moons.")
    assert third.version == 2
    assert table_counts(database) == (1, 2)


def test_regenerate_reads_stored_chunks_and_audits_the_call(database: DatabaseManager) -> None:
    scripted = ScriptedModel([GOOD_ANSWER])
    service = service_for(database, scripted.model("helper-writer"))
    add_chunks(
        database,
        "jupiter",
        ["# Moons of Jupiter\n\n", "Io is the most volcanic body.\n\n", "## Europa\n\nIce."],
        metadata_={"file_name": "jupiter_moons.md"},
    )
    service.set_user_helper("jupiter", "Typed by hand.")

    outcome = service.regenerate_helper_sync("jupiter")

    assert outcome.created and outcome.helper.version == 2
    assert not outcome.helper.is_user_provided
    prompt = scripted.prompts[0]
    assert "File name: jupiter_moons.md" in prompt
    assert "Detected title: Moons of Jupiter" in prompt
    assert "- Europa" in prompt
    assert "Io is the most volcanic body." in prompt
    with database.session() as session:
        calls = list_llm_calls(session, source_id="jupiter")
        detail = load_call_detail(session, calls[0].id)
    assert [(c.purpose, c.model, c.outcome) for c in calls] == [("helper", "helper-writer", "ok")]
    assert calls[0].input_tokens > 0 and calls[0].output_tokens > 0
    assert detail is not None and detail.request_text == prompt


def test_regenerate_without_chunks_is_a_clear_error(database: DatabaseManager) -> None:
    scripted = ScriptedModel([GOOD_ANSWER])
    service = service_for(database, scripted.model())
    with pytest.raises(ValidationError, match="no chunks stored yet") as caught:
        service.regenerate_helper_sync("never-ingested")
    assert "memoir helper set never-ingested" in str(caught.value)
    assert scripted.calls == 0
    assert table_counts(database) == (0, 0)


def test_failed_model_call_is_audited_and_stores_nothing(database: DatabaseManager) -> None:
    scripted = ScriptedModel([UnexpectedModelBehavior("garbled")])
    service = service_for(database, scripted.model())
    with pytest.raises(LLMCallError):
        service.generate_helper_sync("broken", ["Some text."])
    assert table_counts(database) == (0, 0)
    with database.session() as session:
        calls = list_llm_calls(session, source_id="broken")
    assert [(c.purpose, c.outcome) for c in calls] == [("helper", "error")]


def test_no_connection_is_held_while_the_model_writes(database: DatabaseManager) -> None:
    """The model runs between two short sessions: nothing checked out, nothing locked."""
    service: ContextualHelperService
    seen: list[int] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append(database.engine.pool.checkedout())
        # A user saves a helper while the model is still writing: it must win.
        service.set_user_helper("race", "Chosen by the user.")
        return ScriptedModel([GOOD_ANSWER])(messages, info)

    service = service_for(database, FunctionModel(model))
    outcome = service.generate_helper_sync("race", ["Some text about a race."])

    assert seen == [0]
    assert not outcome.created and outcome.call is not None
    assert outcome.helper.is_user_provided and outcome.helper.helper_text == "Chosen by the user."
    assert [h.is_user_provided for h in service.helper_history("race")] == [True]


def test_every_creation_is_logged(
    database: DatabaseManager, caplog: pytest.LogCaptureFixture
) -> None:
    service = service_for(database, ScriptedModel([GOOD_ANSWER]).model("writer"))
    with caplog.at_level(logging.INFO, logger="memoir_ai.helpers.service"):
        service.generate_helper_sync("logged", ["Text."])
        service.set_user_helper("logged", "By hand.")
    lines = [r.getMessage() for r in caplog.records if r.name == "memoir_ai.helpers.service"]
    assert len(lines) == 2
    assert "version 1 of 'logged'" in lines[0] and "user-provided=False" in lines[0]
    assert "written by writer" in lines[0]
    assert "version 2 of 'logged'" in lines[1] and "user-provided=True" in lines[1]
    assert f"{COUNTER.count('By hand.')} tokens" in lines[1]


def test_user_text_over_the_ceiling_is_refused(database: DatabaseManager) -> None:
    service = service_for(database, ScriptedModel([GOOD_ANSWER]).model())
    with pytest.raises(ValidationError, match=f"at most {HELPER_MAX_TOKENS} tokens"):
        service.set_user_helper("long", "word " * 400)
    with pytest.raises(ValidationError, match="ISO 8601"):
        service.set_user_helper("long", HelperFields(date="yesterday"))
    assert table_counts(database) == (0, 0)


def test_settings_from_config_build_a_working_offline_service(database: DatabaseManager) -> None:
    """The offline model answers helper requests through the very same path."""
    agents = AgentFactory(LLMSettings.from_config(database.config))
    service = ContextualHelperService(database, agents, COUNTER)
    outcome = service.generate_helper_sync(
        "offline-src",
        ["# Tides\n\nBy Jane Roe\n\nThe tides follow the moon around the earth every day."],
        file_name="tides.md",
    )
    assert outcome.created
    assert outcome.helper.helper_text.startswith("Title: Tides.")
    assert outcome.helper.token_count <= HELPER_MAX_TOKENS


def test_concurrent_writers_of_one_source_get_distinct_versions(
    database: DatabaseManager,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    service = service_for(database, ScriptedModel([GOOD_ANSWER]).model())
    texts = [f"Helper number {index}." for index in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        stored = list(pool.map(lambda text: service.set_user_helper("busy", text), texts))

    assert sorted(helper.version for helper in stored) == list(range(1, 9))
    history = service.helper_history("busy")
    assert [h.version for h in history] == list(range(1, 9))
    assert sorted(h.helper_text for h in history) == sorted(texts)
    current = service.get_helper("busy")
    assert current is not None and current.version == 8
    assert current.helper_text == history[-1].helper_text


def test_source_ids_are_checked_before_any_work(database: DatabaseManager) -> None:
    scripted = ScriptedModel([GOOD_ANSWER])
    service = service_for(database, scripted.model())
    with pytest.raises(ValidationError, match="source id is empty"):
        service.set_user_helper("  ", "Text.")
    with pytest.raises(ValidationError, match="at most 255 characters"):
        service.generate_helper_sync("x" * 256, ["Text."])
    assert scripted.calls == 0 and table_counts(database) == (0, 0)
