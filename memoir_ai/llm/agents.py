"""Typed pydantic-ai agents over one model, and the one way memoir-ai runs them.

:class:`AgentFactory` turns the configured model name (see
:mod:`memoir_ai.llm.models`) into agents with typed outputs. Providers with
native structured output (OpenAI, xAI/Grok, Gemini, and the offline model) get
:class:`~pydantic_ai.NativeOutput`: the JSON schema travels as the provider's
response format. Every other provider gets :class:`~pydantic_ai.ToolOutput`:
the schema is the arguments of an output tool the model must call.

All agents of one factory share one model and therefore one concurrency limit
(``max_concurrency`` requests in flight). :meth:`AgentFactory.run` returns the
typed output with an :class:`~memoir_ai.llm.records.LLMCallRecord` (purpose,
model, tokens, latency, time, outcome); storing records is the database
layer's job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from memoir_ai.errors import ConfigurationError, MemoirAIError
from memoir_ai.llm import prompts
from memoir_ai.llm.models import (
    LLMSettings,
    StructuredOutput,
    build_model,
    structured_output_mode,
)
from memoir_ai.llm.records import LLMCallError, LLMCallRecord, call_error
from memoir_ai.llm.schemas import LLMPurpose

if TYPE_CHECKING:
    from pydantic_ai import Agent
    from pydantic_ai.models import Model
    from pydantic_ai.settings import ModelSettings

__all__ = [
    "AgentFactory",
    "LLMCallError",
    "LLMCallRecord",
    "LLMSettings",
    "OutputValidator",
    "StructuredOutput",
    "build_model",
    "structured_output_mode",
]

logger = logging.getLogger(__name__)

OutputT = TypeVar("OutputT", bound=BaseModel)
OutputValidator = Callable[[OutputT], OutputT] | Callable[[OutputT], Awaitable[OutputT]]
TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


class AgentFactory:
    """Builds typed agents over one model (and one concurrency limit) and runs them with records."""

    def __init__(self, settings: LLMSettings | None = None, *, model: Model | None = None) -> None:
        """Prepare agents for ``settings``; ``model`` replaces the named model (e.g. a test fake).

        Nothing is imported or connected until the first agent is built.
        """
        self.settings = settings or LLMSettings()
        self._given_model = model
        self._model: Model | None = None
        if self.settings.max_concurrency < 1:
            raise ConfigurationError(
                f"max_concurrency must be at least 1, got {self.settings.max_concurrency}.",
                remedy="pass a positive max_concurrency.",
            )

    @property
    def model_name(self) -> str:
        """The model as recorded: its configured name, or a given model's own name."""
        if self._given_model is not None:
            return self._given_model.model_name
        return self.settings.model

    @property
    def structured_output(self) -> StructuredOutput:
        """How this factory's agents receive their output schema."""
        if self._given_model is not None and self.settings.structured_output == "auto":
            return "tool"
        return structured_output_mode(self.settings.model, self.settings.structured_output)

    @property
    def model(self) -> Model:
        """The pydantic-ai model, built on first use and limited to ``max_concurrency``."""
        if self._model is None:
            from pydantic_ai.models.concurrency import ConcurrencyLimitedModel

            inner = self._given_model or build_model(self.settings)
            self._model = ConcurrencyLimitedModel(inner, limiter=self.settings.max_concurrency)
        return self._model

    def build(
        self,
        output_type: type[OutputT],
        purpose: LLMPurpose,
        *,
        validators: Sequence[OutputValidator[OutputT]] = (),
        output_retries: int | None = None,
    ) -> Agent[None, OutputT]:
        """An agent for ``purpose`` whose output is validated as ``output_type``.

        ``validators`` run after the schema check; one that raises
        :class:`pydantic_ai.ModelRetry` sends its message back to the model, up
        to ``output_retries`` times (the settings' value by default).
        """
        from pydantic_ai import Agent, NativeOutput, ToolOutput

        spec: NativeOutput[OutputT] | ToolOutput[OutputT]
        if self.structured_output == "native":
            spec = NativeOutput(output_type)
        else:
            spec = ToolOutput(output_type)
        retries = self.settings.output_retries if output_retries is None else output_retries
        agent: Agent[None, OutputT] = Agent(
            self.model,
            output_type=spec,
            instructions=prompts.instructions(purpose),
            model_settings=self._model_settings(),
            retries={"output": retries},
            name=f"memoir-{purpose.value}",
        )
        for validator in validators:
            agent.output_validator(validator)
        return agent

    async def run(
        self, agent: Agent[None, OutputT], prompt: str, purpose: LLMPurpose
    ) -> tuple[OutputT, LLMCallRecord]:
        """Run ``agent`` on ``prompt``; return its output and the record of the call.

        Rate limits, timeouts, connection failures and server errors are retried
        with exponential backoff, at most ``transport_attempts`` times in all.

        Raises:
            LLMCallError: The call failed for good (its ``record`` says how).
        """
        from pydantic_ai.exceptions import ModelAPIError

        started_at = datetime.now(UTC)
        clock = time.perf_counter()
        attempts = 0
        while True:
            attempts += 1
            try:
                result = await agent.run(prompt)
            except MemoirAIError:
                raise
            except Exception as exc:
                if isinstance(exc, ModelAPIError) and self._transient(exc, attempts):
                    delay = self._backoff(exc, attempts)
                    logger.warning(
                        "%s call to %s failed (%s); retry %d in %.1fs",
                        purpose.value,
                        self.model_name,
                        type(exc).__name__,
                        attempts,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    continue
                record = self._record(
                    purpose, started_at, clock, attempts, prompt=prompt, error=exc
                )
                raise call_error(record, exc) from exc
            usage = result.usage
            record = self._record(
                purpose,
                started_at,
                clock,
                attempts,
                prompt=prompt,
                output=result.output,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                requests=usage.requests,
            )
            logger.debug(
                "%s call to %s: %d in / %d out tokens, %.3fs",
                purpose.value,
                record.model,
                record.input_tokens,
                record.output_tokens,
                record.latency_seconds,
            )
            return result.output, record

    async def call(
        self,
        output_type: type[OutputT],
        prompt: str,
        purpose: LLMPurpose,
        *,
        validators: Sequence[OutputValidator[OutputT]] = (),
    ) -> tuple[OutputT, LLMCallRecord]:
        """Build an agent for ``output_type`` and run it once: :meth:`build` then :meth:`run`."""
        agent = self.build(output_type, purpose, validators=validators)
        return await self.run(agent, prompt, purpose)

    def _model_settings(self) -> ModelSettings | None:
        if self.settings.temperature is None:
            return None
        return {"temperature": self.settings.temperature}

    def _transient(self, exc: Exception, attempts: int) -> bool:
        from pydantic_ai.exceptions import (
            ModelConnectionError,
            ModelHTTPError,
            ModelRateLimitError,
            ModelRequestTimeout,
            ModelServerError,
            ModelUnavailableError,
        )

        if attempts >= self.settings.transport_attempts:
            return False
        transient_types = (
            ModelRateLimitError,
            ModelUnavailableError,
            ModelServerError,
            ModelConnectionError,
            ModelRequestTimeout,
        )
        if isinstance(exc, transient_types):
            return True
        return isinstance(exc, ModelHTTPError) and exc.status_code in TRANSIENT_STATUS

    def _backoff(self, exc: Exception, attempts: int) -> float:
        delay = self.settings.retry_base_seconds * 2 ** (attempts - 1)
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > delay:
            delay = float(retry_after)
        return float(min(delay, self.settings.retry_max_seconds))

    def _record(
        self,
        purpose: LLMPurpose,
        started_at: datetime,
        clock: float,
        attempts: int,
        *,
        prompt: str,
        output: BaseModel | None = None,
        error: Exception | None = None,
        input_tokens: int = 0,
        output_tokens: int = 0,
        requests: int = 0,
    ) -> LLMCallRecord:
        keep = self.settings.record_payloads
        return LLMCallRecord(
            purpose=purpose,
            model=self.model_name,
            started_at=started_at,
            latency_seconds=time.perf_counter() - clock,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            outcome="ok" if error is None else "error",
            structured_output=self.structured_output,
            temperature=self.settings.temperature,
            requests=requests,
            attempts=attempts,
            error=None if error is None else f"{type(error).__name__}: {error}",
            request_text=prompt if keep else None,
            response_text=output.model_dump_json() if keep and output is not None else None,
        )
