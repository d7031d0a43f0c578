"""The record of one model call, as the audit log keeps it, and the error of a call that failed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from memoir_ai.errors import LLMError
from memoir_ai.llm.models import StructuredOutput
from memoir_ai.llm.schemas import LLMPurpose
from memoir_ai.results import PublicResult

__all__ = ["LLMCallError", "LLMCallRecord", "call_error"]


class LLMCallRecord(PublicResult):
    """One model call as the audit log keeps it (a frozen public result).

    ``request_text`` and ``response_text`` are the exact prompt sent and answer
    received (``None`` when the model layer did not keep them). ``outcome`` is
    ``reused`` for a call answered by the kept answer of the same call made
    before (an interrupted ingestion run again): no request, 0 tokens.
    """

    purpose: LLMPurpose
    model: str
    started_at: datetime
    latency_seconds: float
    input_tokens: int
    output_tokens: int
    outcome: Literal["ok", "error", "reused"]
    structured_output: StructuredOutput
    temperature: float | None = None
    requests: int = 0
    attempts: int = 1
    max_tokens: int | None = None
    error: str | None = None
    request_text: str | None = None
    response_text: str | None = None
    notes: tuple[str, ...] = ()


class LLMCallError(LLMError):
    """A model call failed for good; ``record`` says what was tried."""

    def __init__(self, message: str, *, record: LLMCallRecord, remedy: str | None = None) -> None:
        """Create the error with the record of the failed call."""
        self.record = record
        super().__init__(message, remedy=remedy)


def call_error(record: LLMCallRecord, exc: Exception) -> LLMCallError:
    """The error for a failed call, with a remedy that fits what went wrong."""
    from pydantic_ai.exceptions import (
        ModelAuthenticationError,
        ModelRateLimitError,
        ModelRequestTimeout,
        OutputTokenLimitExceeded,
        UnexpectedModelBehavior,
    )

    if isinstance(exc, ModelAuthenticationError):
        remedy = "check the provider's API key (e.g. OPENAI_API_KEY, ANTHROPIC_API_KEY)."
    elif isinstance(exc, ModelRateLimitError):
        remedy = "wait, lower max_concurrency, or raise the provider's rate limit."
    elif isinstance(exc, OutputTokenLimitExceeded):
        remedy = (
            "the answer did not fit its token bound; retry, or use a model that answers "
            "briefly and follows JSON schemas (a small model may be copying its input)."
        )
    elif isinstance(exc, UnexpectedModelBehavior):
        remedy = (
            "retry, use a model that follows JSON schemas more reliably, or set "
            "MEMOIR_STRUCTURED_OUTPUT (structured_output) to auto, native, tool or prompted."
        )
    elif isinstance(exc, ModelRequestTimeout):
        remedy = (
            "the model did not answer within MEMOIR_LLM_TIMEOUT (llm_timeout); check that the "
            "server is not overloaded (lower MEMOIR_MAX_CONCURRENCY) or raise the timeout."
        )
    else:
        remedy = "check the model name, the endpoint and the provider's status, or use 'offline'."
    return LLMCallError(
        f"The {record.purpose.value} call to {record.model} failed after "
        f"{record.attempts} attempt(s): {record.error}",
        record=record,
        remedy=remedy,
    )
