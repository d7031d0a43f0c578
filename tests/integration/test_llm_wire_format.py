"""What actually goes over the wire: native response formats for OpenAI, output tools elsewhere.

A real provider SDK talks HTTP to a fake OpenAI-compatible server on 127.0.0.1;
the tests read the JSON request bodies it received.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from memoir_ai.errors import ConfigurationError
from memoir_ai.llm import prompts, schemas
from memoir_ai.llm.agents import AgentFactory, LLMCallError, LLMSettings
from memoir_ai.llm.schemas import LLMPurpose
from tests.fakes import FakeOpenAIServer, model_requests_allowed

ANSWER = {"chunks": [{"id": 1, "category": "Astronomy"}, {"id": 2, "category": "Cooking"}]}
CHUNKS = [
    prompts.PromptChunk(1, "Jupiter is the largest planet of the solar system."),
    prompts.PromptChunk(2, "Knead the dough for ten minutes before baking."),
]


def _prompt() -> str:
    return prompts.classification_prompt(
        CHUNKS, level=1, depth=3, existing=["Astronomy", "Cooking"], allow_new=False
    )


def _classify(settings: LLMSettings) -> tuple[schemas.ChunkCategories, object]:
    factory = AgentFactory(settings)
    output_type = schemas.classification_output(["Astronomy", "Cooking"], allow_new=False)
    with model_requests_allowed():
        return asyncio.run(factory.call(output_type, _prompt(), LLMPurpose.CLASSIFY))


@pytest.fixture
def openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def _category_enum(schema: dict[str, Any]) -> list[str]:
    """The allowed category names, whether the item schema is inlined or a $ref."""
    item = schema["properties"]["chunks"]["items"]
    if "$ref" in item:
        item = schema["$defs"][item["$ref"].rsplit("/", 1)[-1]]
    return list(item["properties"]["category"]["enum"])


def test_openai_chat_sends_a_json_schema_response_format(openai_env: None) -> None:
    with FakeOpenAIServer(ANSWER) as server:
        output, record = _classify(
            LLMSettings(model="openai-chat:gpt-4o-mini", base_url=server.base_url, temperature=0)
        )
    assert output.chunks[1].category == "Cooking"
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer test"
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "ChunkCategories"
    assert _category_enum(response_format["json_schema"]["schema"]) == ["Astronomy", "Cooking"]
    assert "tools" not in request.body
    assert request.body["temperature"] == 0
    assert 'Chunk 1:\n"""\nJupiter' in request.body["messages"][-1]["content"]
    assert (record.input_tokens, record.output_tokens) == (42, 7)  # type: ignore[attr-defined]
    assert record.structured_output == "native"  # type: ignore[attr-defined]


def test_openai_responses_api_sends_a_json_schema_text_format(openai_env: None) -> None:
    with FakeOpenAIServer(ANSWER) as server:
        output, _ = _classify(LLMSettings(model="openai:gpt-5-nano", base_url=server.base_url))
    assert [chunk.category for chunk in output.chunks] == ["Astronomy", "Cooking"]
    (request,) = server.requests
    assert request.path == "/v1/responses"
    text_format = request.body["text"]["format"]
    assert text_format["type"] == "json_schema"
    assert _category_enum(text_format["schema"]) == ["Astronomy", "Cooking"]
    assert not request.body.get("tools")


def test_openai_base_url_from_the_environment(
    openai_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAIServer(ANSWER) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        output, _ = _classify(LLMSettings(model="openai:gpt-5-nano"))
    assert len(server.requests) == 1
    assert output.chunks[0].id == 1


@pytest.mark.parametrize("model", ["ollama:llama3.2", "openai-compatible:qwen3"])
def test_local_servers_get_a_json_schema_response_format(model: str) -> None:
    with FakeOpenAIServer(ANSWER) as server:
        output, record = _classify(LLMSettings(model=model, base_url=server.base_url))
    assert [chunk.category for chunk in output.chunks] == ["Astronomy", "Cooking"]
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["response_format"]["type"] == "json_schema"
    assert "tools" not in request.body
    assert record.structured_output == "native"  # type: ignore[attr-defined]


def test_tool_output_when_asked_for() -> None:
    with FakeOpenAIServer(ANSWER) as server:
        output, record = _classify(
            LLMSettings(
                model="openai-compatible:qwen3", base_url=server.base_url, structured_output="tool"
            )
        )
    assert [chunk.category for chunk in output.chunks] == ["Astronomy", "Cooking"]
    (request,) = server.requests
    assert "response_format" not in request.body
    (tool,) = request.body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "final_result"
    assert _category_enum(tool["function"]["parameters"]) == ["Astronomy", "Cooking"]
    assert record.structured_output == "tool"  # type: ignore[attr-defined]


def test_a_provider_down_for_good_is_a_clear_llm_error(openai_env: None) -> None:
    with (
        FakeOpenAIServer(ANSWER, failures=[500] * 50) as server,
        pytest.raises(LLMCallError) as caught,
    ):
        _classify(
            LLMSettings(
                model="openai-chat:gpt-4o-mini",
                base_url=server.base_url,
                retry_base_seconds=0,
                transport_attempts=2,
            )
        )
    record = caught.value.record
    assert record.outcome == "error"
    assert record.attempts == 2
    assert len(server.requests) == 2  # bounded, and the SDK adds no retries of its own
    assert "classify call to openai-chat:gpt-4o-mini failed" in str(caught.value)
    assert caught.value.remedy


def test_missing_provider_sdk_is_a_configuration_error_naming_the_extra() -> None:
    pytest.importorskip("pydantic_ai")
    try:
        import anthropic  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("the anthropic SDK is installed here")
    factory = AgentFactory(LLMSettings(model="anthropic:claude-sonnet-4-5"))
    assert factory.structured_output == "tool"
    with pytest.raises(ConfigurationError, match=r"pydantic-ai-slim\[anthropic\]"):
        factory.build(schemas.CitedAnswer, LLMPurpose.ANSWER)
