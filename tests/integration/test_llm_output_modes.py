"""Output modes against servers that behave like llama.cpp, Ollama, vLLM and LM Studio do.

The real OpenAI SDK talks HTTP to a fake server on 127.0.0.1 that (a) honours
``response_format``, (b) ignores ``tool_choice`` and writes the tool's JSON as
message content, or (c) answers prose unless the instructions carry the
schema. What each request asked for is read from the bodies the server got.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from memoir_ai.llm import schemas
from memoir_ai.llm.agents import AgentFactory, LLMCallError, LLMSettings
from memoir_ai.llm.models import StructuredOutput, fallback_mode, structured_output_mode
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.llm.schemas import LLMPurpose
from tests.fakes import Behaviour, FakeOpenAIServer, model_requests_allowed, request_schema

ANSWER = {"answer": "Because half of the Moon is lit.", "cited_chunk_ids": [1]}


def _factory(server: FakeOpenAIServer, mode: str = "auto", **options: Any) -> AgentFactory:
    settings = LLMSettings(
        model="openai-compatible:small",
        base_url=server.base_url,
        structured_output=mode,  # type: ignore[arg-type]
        retry_base_seconds=0.001,
    )
    return AgentFactory(settings, **options)


def _ask(factory: AgentFactory) -> tuple[Any, LLMCallRecord]:
    with model_requests_allowed():
        return asyncio.run(
            factory.call(schemas.answer_output([1]), "Why phases?", LLMPurpose.ANSWER)
        )


def _form(body: dict[str, Any]) -> str:
    """What a request asked for, as a server sees it."""
    if "response_format" in body:
        return "native"
    if body.get("tools"):
        return "tool"
    return "prompted" if request_schema(body, prompted_only=True) else "text"


def _serve(behaviour: Behaviour) -> FakeOpenAIServer:
    return FakeOpenAIServer(ANSWER, behaviour=behaviour)


def test_auto_uses_native_output_with_a_server_that_honours_response_format() -> None:
    with _serve("honours") as server:
        factory = _factory(server)
        output, record = _ask(factory)
    assert output.cited_chunk_ids == [1]
    assert [_form(request.body) for request in server.requests] == ["native"]
    assert record.structured_output == "native"
    assert factory.working_mode == "native"


def test_tool_json_written_as_text_falls_back_to_native_and_is_remembered() -> None:
    with _serve("no_tool_calls") as server:
        factory = _factory(server, output_mode="tool")  # e.g. the mode remembered elsewhere
        output, record = _ask(factory)
        assert output.cited_chunk_ids == [1]
        assert [_form(request.body) for request in server.requests] == ["tool", "native"]
        assert record.structured_output == "native"
        assert (record.attempts, record.requests) == (2, 2)
        assert factory.working_mode == "native"
        _, second = _ask(factory)  # the next call starts with the mode that worked
    assert [_form(request.body) for request in server.requests][2:] == ["native"]
    assert second.requests == 1


def test_prose_instead_of_json_falls_back_to_prompted_output() -> None:
    with _serve("prose") as server:
        factory = _factory(server)
        output, record = _ask(factory)
        _ask(factory)
    assert output.cited_chunk_ids == [1]
    assert [_form(request.body) for request in server.requests] == [
        "native",
        "prompted",
        "prompted",
    ]
    assert record.structured_output == "prompted"
    assert factory.working_mode == "prompted"


@pytest.mark.parametrize(
    ("behaviour", "mode"),
    [
        ("honours", "tool"),
        ("no_tool_calls", "native"),
        ("prose", "prompted"),
        ("honours", "native"),
    ],
)
def test_each_mode_works_where_the_server_supports_it(behaviour: Behaviour, mode: str) -> None:
    with _serve(behaviour) as server:
        output, record = _ask(_factory(server, mode))
    assert output.cited_chunk_ids == [1]
    assert [_form(request.body) for request in server.requests] == [mode]
    assert record.structured_output == mode


@pytest.mark.parametrize(("behaviour", "mode"), [("no_tool_calls", "tool"), ("prose", "native")])
def test_a_forced_mode_does_not_fall_back_and_says_what_to_change(
    behaviour: Behaviour, mode: str
) -> None:
    with _serve(behaviour) as server, pytest.raises(LLMCallError) as caught:
        _ask(_factory(server, mode))
    assert {_form(request.body) for request in server.requests} == {mode}
    assert len(server.requests) == 3  # the first answer and pydantic-ai's 2 output retries
    assert caught.value.record.structured_output == mode
    assert "MEMOIR_STRUCTURED_OUTPUT" in caught.value.remedy


def test_a_fallback_happens_once_per_call() -> None:
    # A model that answers prose whatever it is asked: native, then prompted, then an error.
    def prose(body: dict[str, Any]) -> Any:
        return "I would rather talk about the weather."

    with FakeOpenAIServer(prose, behaviour="no_tool_calls") as server:
        factory = _factory(server)
        with pytest.raises(LLMCallError):
            _ask(factory)
    forms = [_form(request.body) for request in server.requests]
    assert forms[0] == "native"
    assert set(forms[1:]) == {"prompted"}
    assert len(forms) == 1 + 3  # one native answer, then prompted with its output retries


@pytest.mark.parametrize(
    ("model", "start", "then"),
    [
        ("openai:gpt-5-nano", "native", "prompted"),
        ("xai:grok-4", "native", "prompted"),
        ("google-gla:gemini-2.5-flash", "native", "prompted"),
        ("ollama:llama3.2", "native", "prompted"),
        ("openai-compatible:qwen2.5-0.5b", "native", "prompted"),
        ("anthropic:claude-sonnet-4-5", "tool", "prompted"),
        ("groq:llama-3.3-70b", "tool", "prompted"),
    ],
)
def test_auto_starts_with_the_providers_best_mode(
    model: str, start: StructuredOutput, then: StructuredOutput
) -> None:
    assert structured_output_mode(model) == start
    assert fallback_mode(model, start) == then
    assert fallback_mode(model, "prompted") is None


def test_tool_output_falls_back_to_native_only_where_the_provider_has_it() -> None:
    assert fallback_mode("ollama:llama3.2", "tool") == "native"
    assert fallback_mode("anthropic:claude-sonnet-4-5", "tool") == "prompted"
