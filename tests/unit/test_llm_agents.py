"""The agent factory: output modes, settings, validators, retries, records and errors."""

from __future__ import annotations

import asyncio

import pytest
from pydantic_ai import ModelRetry

from memoir_ai.config import MemoirAIConfig
from memoir_ai.errors import ConfigurationError
from memoir_ai.llm import schemas
from memoir_ai.llm.agents import (
    AgentFactory,
    LLMCallError,
    LLMSettings,
    build_model,
    structured_output_mode,
)
from memoir_ai.llm.schemas import LLMPurpose
from tests.fakes import ScriptedModel

GOOD = {"answer": "Because.", "cited_chunk_ids": [1]}


@pytest.mark.parametrize(
    ("model", "mode"),
    [
        ("offline", "native"),
        ("openai:gpt-5-nano", "native"),
        ("openai-chat:gpt-4o-mini", "native"),
        ("xai:grok-4", "native"),
        ("grok:grok-4", "native"),
        ("google-gla:gemini-2.5-flash", "native"),
        ("google:gemini-2.5-flash", "native"),
        ("google-vertex:gemini-2.5-pro", "native"),
        ("anthropic:claude-sonnet-4-5", "tool"),
        ("ollama:llama3.2", "native"),
        ("groq:llama-3.3-70b", "tool"),
        ("mistral:mistral-large-latest", "tool"),
        ("openai-compatible:qwen3", "native"),
    ],
)
def test_native_output_where_the_provider_has_a_json_schema_format(model: str, mode: str) -> None:
    assert structured_output_mode(model) == mode
    assert AgentFactory(LLMSettings(model=model)).structured_output == mode


def test_output_mode_can_be_forced() -> None:
    assert structured_output_mode("ollama:llama3.2", "native") == "native"
    assert structured_output_mode("openai:gpt-5-nano", "tool") == "tool"


@pytest.mark.parametrize(
    ("settings", "fix"),
    [
        (LLMSettings(model="gpt-5-nano"), "pydantic-ai way"),
        (LLMSettings(model="openai-compatible:qwen3"), "MEMOIR_MODEL_BASE_URL"),
        (LLMSettings(model="nonsense:model-x"), "model name"),
    ],
)
def test_bad_model_names_are_configuration_errors(settings: LLMSettings, fix: str) -> None:
    with pytest.raises(ConfigurationError, match=fix):
        build_model(settings)


def test_missing_openai_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        build_model(LLMSettings(model="openai:gpt-5-nano"))


def test_settings_come_from_the_config() -> None:
    config = MemoirAIConfig(
        model="ollama:llama3.2",
        model_base_url="http://127.0.0.1:11434/v1",
        temperature=0,
        max_concurrency=3,
        record_llm_payloads=False,
    )
    settings = LLMSettings.from_config(config)
    assert settings.model == "ollama:llama3.2"
    assert settings.base_url == "http://127.0.0.1:11434/v1"
    assert (settings.temperature, settings.max_concurrency) == (0, 3)
    assert settings.record_payloads is False
    assert LLMSettings.from_config(MemoirAIConfig()).model == "offline"


def test_record_carries_tokens_latency_time_and_payloads() -> None:
    script = ScriptedModel([GOOD])
    factory = AgentFactory(LLMSettings(temperature=0), model=script.model("scripted"))
    output, record = asyncio.run(
        factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER)
    )
    assert output.cited_chunk_ids == [1]
    assert record.purpose is LLMPurpose.ANSWER
    assert record.model == "scripted"
    assert record.outcome == "ok"
    assert record.input_tokens > 0 and record.output_tokens > 0
    assert record.latency_seconds >= 0
    assert record.started_at.tzinfo is not None
    assert record.temperature == 0
    assert record.requests == 1
    assert record.request_text == "Why?"
    assert record.response_text == '{"answer":"Because.","cited_chunk_ids":[1]}'
    # Deterministic mode reaches the model as a setting; the SDK never retries on its own.
    settings = script.infos[0].model_settings or {}
    assert settings["temperature"] == 0
    assert settings["max_retries"] == 0
    assert settings["max_tokens"] == record.max_tokens


def test_payloads_are_not_kept_when_switched_off() -> None:
    factory = AgentFactory(LLMSettings(record_payloads=False), model=ScriptedModel([GOOD]).model())
    _, record = asyncio.run(factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER))
    assert record.request_text is None and record.response_text is None


def test_schema_violation_is_sent_back_and_retried() -> None:
    script = ScriptedModel([{"answer": "x", "cited_chunk_ids": [99]}, GOOD])
    factory = AgentFactory(model=script.model())
    output, record = asyncio.run(
        factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER)
    )
    assert output.cited_chunk_ids == [1]
    assert script.calls == 2
    assert record.requests == 2


def test_validators_raising_model_retry_get_a_better_answer() -> None:
    script = ScriptedModel([{"answer": "", "cited_chunk_ids": [1]}, GOOD])
    seen: list[str] = []

    def not_empty(output: schemas.CitedAnswer) -> schemas.CitedAnswer:
        seen.append(output.answer)
        if not output.answer:
            raise ModelRetry("the answer is empty; answer the question")
        return output

    factory = AgentFactory(model=script.model())
    output, _ = asyncio.run(
        factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER, validators=[not_empty])
    )
    assert output.answer == "Because."
    assert seen == ["", "Because."]


def test_output_that_stays_invalid_is_an_llm_error_with_a_record() -> None:
    script = ScriptedModel([{"answer": "x", "cited_chunk_ids": [99]}])
    factory = AgentFactory(LLMSettings(output_retries=1), model=script.model())
    with pytest.raises(LLMCallError) as caught:
        asyncio.run(factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER))
    assert script.calls == 2
    record = caught.value.record
    assert record.outcome == "error"
    assert record.purpose is LLMPurpose.ANSWER
    assert "answer call" in str(caught.value) and "Fix:" in str(caught.value)


def test_concurrency_is_bounded_across_agents() -> None:
    from pydantic_ai.messages import ModelMessage, ModelResponse
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    from tests.fakes import respond_with

    in_flight = 0
    peak = 0

    async def slow(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return respond_with(info, GOOD)

    factory = AgentFactory(LLMSettings(max_concurrency=3), model=FunctionModel(slow))

    async def many() -> None:
        agents = [factory.build(schemas.answer_output([1]), LLMPurpose.ANSWER) for _ in range(4)]
        await asyncio.gather(
            *(factory.run(agents[i % 4], "Why?", LLMPurpose.ANSWER) for i in range(12))
        )

    asyncio.run(many())
    assert peak == 3


def test_bad_concurrency_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        AgentFactory(LLMSettings(max_concurrency=0))


def test_timeouts_and_dropped_connections_are_retried_then_succeed() -> None:
    from pydantic_ai.exceptions import ModelConnectionError, ModelRequestTimeout

    script = ScriptedModel(
        [ModelRequestTimeout("scripted", 30.0), ModelConnectionError("scripted", "reset"), GOOD]
    )
    factory = AgentFactory(LLMSettings(retry_base_seconds=0.0), model=script.model())
    output, record = asyncio.run(
        factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER)
    )
    assert output.cited_chunk_ids == [1]
    assert script.calls == 3
    assert (record.attempts, record.outcome) == (3, "ok")


def test_transport_retries_are_bounded_and_the_last_failure_is_recorded() -> None:
    from pydantic_ai.exceptions import ModelRequestTimeout

    script = ScriptedModel([ModelRequestTimeout("scripted", 30.0)])
    factory = AgentFactory(
        LLMSettings(transport_attempts=3, retry_base_seconds=0.0), model=script.model()
    )
    with pytest.raises(LLMCallError) as caught:
        asyncio.run(factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER))
    assert script.calls == 3
    record = caught.value.record
    assert (record.attempts, record.outcome) == (3, "error")
    assert record.error is not None and "ModelRequestTimeout" in record.error


def test_a_client_error_is_not_retried() -> None:
    from pydantic_ai.exceptions import ModelHTTPError

    script = ScriptedModel([ModelHTTPError(400, "scripted", "bad request"), GOOD])
    factory = AgentFactory(LLMSettings(retry_base_seconds=0.0), model=script.model())
    with pytest.raises(LLMCallError) as caught:
        asyncio.run(factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER))
    assert script.calls == 1
    assert caught.value.record.attempts == 1


def test_output_mode_and_timeout_come_from_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMOIR_STRUCTURED_OUTPUT", "prompted")
    monkeypatch.setenv("MEMOIR_LLM_TIMEOUT", "45")
    settings = LLMSettings.from_config(MemoirAIConfig(_env_file=None))
    assert (settings.structured_output, settings.timeout_seconds) == ("prompted", 45.0)
    assert AgentFactory(settings).structured_output == "prompted"


@pytest.mark.parametrize("value", ["json", "Native", ""])
def test_an_unknown_output_mode_is_a_configuration_error(value: str) -> None:
    with pytest.raises(ConfigurationError, match="structured_output") as caught:
        MemoirAIConfig(_env_file=None, structured_output=value)
    assert "MEMOIR_" in caught.value.remedy


def test_a_remembered_mode_is_where_auto_starts_and_a_forced_mode_wins() -> None:
    assert (
        AgentFactory(
            LLMSettings(model="openai:gpt-5-nano"), output_mode="prompted"
        ).structured_output
        == "prompted"
    )
    forced = AgentFactory(
        LLMSettings(model="openai:gpt-5-nano", structured_output="tool"), output_mode="prompted"
    )
    assert forced.structured_output == "tool"
    assert AgentFactory().working_mode is None


def test_the_working_mode_is_learned_from_a_call() -> None:
    factory = AgentFactory(model=ScriptedModel([GOOD]).model())
    asyncio.run(factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER))
    assert factory.working_mode == "tool"  # a given model starts with tool output
    assert factory.structured_output == "tool"


def test_the_request_timeout_reaches_every_request() -> None:
    script = ScriptedModel([GOOD])
    factory = AgentFactory(LLMSettings(timeout_seconds=7.5), model=script.model())
    asyncio.run(factory.call(schemas.answer_output([1]), "Why?", LLMPurpose.ANSWER))
    assert (script.infos[0].model_settings or {})["request_timeout"] == 7.5
