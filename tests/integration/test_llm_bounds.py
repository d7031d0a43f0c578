"""Every call is bounded: a max_tokens from its output type and a per-request timeout.

A fake OpenAI-compatible server on 127.0.0.1 plays a model that never stops on
its own (it writes until ``max_tokens``, or forever when none is sent) and a
server that starts an answer and never finishes it. What was sent and how
often is read from the requests the server received.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from memoir_ai.config import MemoirAIConfig
from memoir_ai.llm import limits, prompts, schemas
from memoir_ai.llm.agents import AgentFactory, LLMCallError, LLMSettings
from memoir_ai.llm.schemas import LLMPurpose
from tests.fakes import FakeOpenAIServer, model_requests_allowed


def _settings(server: FakeOpenAIServer, **values: Any) -> LLMSettings:
    options: dict[str, Any] = {
        "model": "openai-compatible:small",
        "base_url": server.base_url,
        "retry_base_seconds": 0.001,
        "transport_attempts": 2,
    }
    options.update(values)
    return LLMSettings(**options)


def _helper(factory: AgentFactory) -> Any:
    prompt = prompts.helper_prompt("The Moon has phases.", source_id="moon.txt")
    with model_requests_allowed():
        return asyncio.run(factory.call(schemas.GeneratedHelper, prompt, LLMPurpose.HELPER))


def test_a_model_that_never_stops_is_cut_at_max_tokens_recorded_and_retried() -> None:
    with FakeOpenAIServer(behaviour="ramble") as server, pytest.raises(LLMCallError) as caught:
        _helper(AgentFactory(_settings(server)))
    record = caught.value.record
    sent = [request.body["max_tokens"] for request in server.requests]
    assert len(sent) == 2  # retried once under the one policy (2 attempts), then an error
    assert sent == [record.max_tokens] * 2
    assert record.max_tokens is not None and record.max_tokens <= 300 + 150
    assert record.outcome == "error" and record.attempts == 2
    # The tokens spent are recorded: both attempts wrote max_tokens tokens.
    assert record.output_tokens == 2 * record.max_tokens
    assert "OutputTokenLimitExceeded" in (record.error or "")
    assert "token bound" in caught.value.remedy


def test_a_server_that_never_finishes_times_out_is_retried_and_never_hangs() -> None:
    with FakeOpenAIServer(behaviour="hang") as server, pytest.raises(LLMCallError) as caught:
        _helper(AgentFactory(_settings(server, timeout_seconds=0.3)))
    record = caught.value.record
    assert len(server.requests) == 2
    assert (record.attempts, record.requests, record.outcome) == (2, 2, "error")
    assert "ModelRequestTimeout" in (record.error or "")
    assert "MEMOIR_LLM_TIMEOUT" in caught.value.remedy


def test_the_timeout_comes_from_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMOIR_LLM_TIMEOUT", "12.5")
    config = MemoirAIConfig(_env_file=None)
    assert config.llm_timeout == 12.5
    assert LLMSettings.from_config(config).timeout_seconds == 12.5
    monkeypatch.setenv("MEMOIR_LLM_TIMEOUT", "0")
    with pytest.raises(Exception, match="llm_timeout"):
        MemoirAIConfig(_env_file=None)


@pytest.mark.parametrize(
    ("output_type", "purpose", "ceiling"),
    [
        (schemas.GeneratedHelper, LLMPurpose.HELPER, 300 + 150),
        (schemas.classification_output([], True, 5), LLMPurpose.CLASSIFY, 5 * 40 + 64),
        (schemas.classification_output([], True, 1), LLMPurpose.CLASSIFY, 40 + 64),
        (schemas.path_classification_output(3, 5), LLMPurpose.CLASSIFY, 5 * 3 * 25 + 64),
        (schemas.selection_output(["Moon", "Sun", "Stars"], 2), LLMPurpose.SELECT, 2 * 25 + 64),
    ],
)
def test_each_purpose_sends_the_bound_of_its_output_type(
    output_type: type[Any], purpose: LLMPurpose, ceiling: int
) -> None:
    with FakeOpenAIServer() as server:
        factory = AgentFactory(_settings(server))
        with model_requests_allowed():
            _, record = asyncio.run(factory.call(output_type, "Go.", purpose))
    (request,) = server.requests
    assert request.body["max_tokens"] == record.max_tokens
    assert 0 < record.max_tokens <= ceiling  # type: ignore[operator]


def test_bounds_grow_with_the_batch_and_the_candidates() -> None:
    def bound(output_type: type[Any]) -> int:
        return limits.output_token_limit(output_type)

    assert bound(schemas.classification_output([], True, 1)) < bound(
        schemas.classification_output([], True, 10)
    )
    few = schemas.selection_output([f"Subject {i}" for i in range(9)], 1)
    many = schemas.selection_output([f"Subject {i}" for i in range(9)], 6)
    assert bound(few) < bound(many)
    assert limits.answer_max_tokens(4_000) < limits.answer_max_tokens(16_000)
    assert limits.answer_max_tokens(10**6) == limits.ANSWER_MAX_TOKENS
    assert limits.summary_max_tokens([200]) < limits.summary_max_tokens([200, 800])


def test_a_bound_admits_the_longest_valid_answer() -> None:
    # The bound is an upper estimate: the longest answer the schema admits, written out as
    # JSON and counted by a real tokenizer (GPT-4o's), fits.
    from memoir_ai.text.tokens import TokenCounter

    counter = TokenCounter("openai:gpt-4o-mini")
    helper = schemas.GeneratedHelper(
        title="T" * 120, author="A" * 100, date="2024-01-01", topic="x " * 50, summary="word " * 144
    )
    assert counter.count(helper.model_dump_json()) <= limits.output_token_limit(
        schemas.GeneratedHelper
    )
    paths = schemas.path_classification_output(3, 5)
    longest = paths.model_validate(
        {"chunks": [{"id": i, "path": ["Word " * 11 + "X"] * 3} for i in range(1, 6)]}
    )
    assert counter.count(longest.model_dump_json()) <= limits.output_token_limit(paths)
