"""The one place that turns a model name into pydantic-ai agents with typed outputs, and runs them.

Model names are pydantic-ai's (``openai:gpt-5-nano``, ``anthropic:claude-sonnet-4-5``,
``google-gla:gemini-2.5-flash``, ``xai:grok-4``, ``ollama:llama3.2``), plus
``openai-compatible:<model>`` with a ``base_url`` for any server that speaks the
OpenAI Chat Completions API, and ``offline`` for the built-in stand-in
(:mod:`memoir_ai.llm.offline`).

Providers with native structured output (OpenAI, xAI/Grok, Gemini, and the
offline model) get :class:`~pydantic_ai.NativeOutput`: the JSON schema travels
as the provider's response format. Every other provider gets
:class:`~pydantic_ai.ToolOutput`: the schema is the arguments of an output
tool the model must call. Provider SDKs are imported only when a model of that
provider is built, so ``import memoir_ai`` stays fast and an unused SDK may be
missing.

All agents of one :class:`AgentFactory` share one model and therefore one
concurrency limit (``max_concurrency`` requests in flight). Each
:meth:`AgentFactory.run` returns the typed output with an
:class:`LLMCallRecord` (purpose, model, tokens, latency, time, outcome);
storing records is the database layer's job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel

from memoir_ai.config import OFFLINE_MODEL, MemoirAIConfig
from memoir_ai.errors import ConfigurationError, LLMError, MemoirAIError
from memoir_ai.llm import prompts
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
    "StructuredOutput",
    "structured_output_mode",
]

logger = logging.getLogger(__name__)

OutputT = TypeVar("OutputT", bound=BaseModel)
StructuredOutput = Literal["native", "tool"]
OutputValidator = Callable[[OutputT], OutputT] | Callable[[OutputT], Awaitable[OutputT]]

OPENAI_COMPATIBLE = "openai-compatible"
NATIVE_OUTPUT_PROVIDERS = frozenset(
    {"openai", "openai-chat", "openai-responses", "azure", "xai", "google", "google-cloud"}
)
PROVIDER_ALIASES = {
    "google-gla": "google",
    "google-vertex": "google-cloud",
    "grok": "xai",
    OPENAI_COMPATIBLE: "openai-chat",
}
PROVIDER_EXTRAS = {
    "anthropic": "anthropic",
    "google": "google",
    "google-cloud": "google",
    "groq": "groq",
    "mistral": "mistral",
    "cohere": "cohere",
    "bedrock": "bedrock",
    "xai": "xai",
    "huggingface": "huggingface",
}
TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
MODEL_NAME_EXAMPLES = (
    "'openai:gpt-5-nano', 'anthropic:claude-sonnet-4-5', 'google-gla:gemini-2.5-flash', "
    "'ollama:llama3.2', 'openai-compatible:<model>' with a base URL, or 'offline'"
)


@dataclass(frozen=True)
class LLMSettings:
    """What decides how models are reached: name, endpoint, temperature, limits and retries."""

    model: str = OFFLINE_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float | None = None
    max_concurrency: int = 8
    output_retries: int = 2
    transport_attempts: int = 4
    retry_base_seconds: float = 0.5
    retry_max_seconds: float = 20.0
    structured_output: Literal["auto", "native", "tool"] = "auto"
    record_payloads: bool = True
    offline_latency_seconds: float = 0.0

    @classmethod
    def from_config(cls, config: MemoirAIConfig, **overrides: Any) -> LLMSettings:
        """The settings of a :class:`~memoir_ai.config.MemoirAIConfig`, with ``overrides``."""
        values: dict[str, Any] = {
            "model": config.model_name,
            "base_url": config.model_base_url,
            "temperature": config.temperature,
            "max_concurrency": config.max_concurrency,
            "record_payloads": config.record_llm_payloads,
        }
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class LLMCallRecord:
    """One model call as the audit log keeps it."""

    purpose: LLMPurpose
    model: str
    started_at: datetime
    latency_seconds: float
    input_tokens: int
    output_tokens: int
    outcome: Literal["ok", "error"]
    structured_output: StructuredOutput
    temperature: float | None = None
    requests: int = 0
    attempts: int = 1
    error: str | None = None
    request_text: str | None = None
    response_text: str | None = None


class LLMCallError(LLMError):
    """A model call failed for good; ``record`` says what was tried."""

    def __init__(self, message: str, *, record: LLMCallRecord, remedy: str | None = None) -> None:
        """Create the error with the record of the failed call."""
        self.record = record
        super().__init__(message, remedy=remedy)


def split_model_name(model: str) -> tuple[str | None, str]:
    """Split ``provider:model`` into (lower-case provider or None, model name)."""
    if ":" not in model:
        return None, model
    provider, name = model.split(":", 1)
    return provider.strip().lower(), name.strip()


def structured_output_mode(
    model: str,
    preference: Literal["auto", "native", "tool"] = "auto",
) -> StructuredOutput:
    """Whether the named model gets native structured output or an output tool."""
    if preference != "auto":
        return preference
    if model == OFFLINE_MODEL:
        return "native"
    provider, _ = split_model_name(model)
    if provider is None or provider == OPENAI_COMPATIBLE:
        return "tool"
    return (
        "native" if PROVIDER_ALIASES.get(provider, provider) in NATIVE_OUTPUT_PROVIDERS else "tool"
    )


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
                raise _call_error(record, exc) from exc
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


def build_model(settings: LLMSettings) -> Model:
    """The pydantic-ai model named by ``settings``; its provider's SDK is imported only now.

    Raises:
        ConfigurationError: The name is malformed, its provider unknown, its SDK
            missing, or its key or endpoint not configured.
    """
    if settings.model == OFFLINE_MODEL:
        from memoir_ai.llm.offline import offline_model

        return offline_model(settings.offline_latency_seconds)
    provider, name = split_model_name(settings.model)
    if provider is None and settings.base_url:
        provider = OPENAI_COMPATIBLE
    if provider is None or not name:
        raise ConfigurationError(
            f"The model name {settings.model!r} does not say which provider serves it.",
            remedy=f"name it the pydantic-ai way, e.g. {MODEL_NAME_EXAMPLES}.",
        )
    if provider == OPENAI_COMPATIBLE and not settings.base_url:
        raise ConfigurationError(
            f"The model {settings.model!r} is served by an OpenAI-compatible server, "
            "but no base URL is configured.",
            remedy="set model_base_url (MEMOIR_MODEL_BASE_URL), e.g. http://localhost:8000/v1.",
        )
    canonical = PROVIDER_ALIASES.get(provider, provider)
    return _infer(settings, canonical, name)


def _infer(settings: LLMSettings, provider: str, name: str) -> Model:
    from pydantic_ai.exceptions import UserError
    from pydantic_ai.models import infer_model
    from pydantic_ai.providers import Provider, infer_provider, infer_provider_class

    def make_provider(provider_name: str) -> Provider[Any]:
        options = {
            key: value
            for key, value in (("base_url", settings.base_url), ("api_key", settings.api_key))
            if value is not None
        }
        if not options:
            return infer_provider(provider_name)
        try:
            return infer_provider_class(provider_name)(**options)
        except TypeError as exc:
            raise ConfigurationError(
                f"The provider {provider_name!r} does not accept {' or '.join(options)}.",
                remedy="remove model_base_url, or name the model 'openai-compatible:<model>'.",
            ) from exc

    try:
        return infer_model(f"{provider}:{name}", provider_factory=make_provider)
    except ImportError as exc:
        extra = PROVIDER_EXTRAS.get(provider, provider)
        raise ConfigurationError(
            f"The model {settings.model!r} needs the {provider} SDK, which is not installed "
            f"({exc}).",
            remedy=f"pip install 'pydantic-ai-slim[{extra}]', or use another model.",
        ) from exc
    except (UserError, ValueError) as exc:
        raise ConfigurationError(
            f"The model {settings.model!r} cannot be used: {exc}",
            remedy=f"check the provider's API key and the model name ({MODEL_NAME_EXAMPLES}).",
        ) from exc


def _call_error(record: LLMCallRecord, exc: Exception) -> LLMCallError:
    from pydantic_ai.exceptions import (
        ModelAuthenticationError,
        ModelRateLimitError,
        UnexpectedModelBehavior,
    )

    if isinstance(exc, ModelAuthenticationError):
        remedy = "check the provider's API key (e.g. OPENAI_API_KEY, ANTHROPIC_API_KEY)."
    elif isinstance(exc, ModelRateLimitError):
        remedy = "wait, lower max_concurrency, or raise the provider's rate limit."
    elif isinstance(exc, UnexpectedModelBehavior):
        remedy = "retry, or use a model that follows JSON schemas more reliably."
    else:
        remedy = "check the model name, the endpoint and the provider's status, or use 'offline'."
    return LLMCallError(
        f"The {record.purpose.value} call to {record.model} failed after "
        f"{record.attempts} attempt(s): {record.error}",
        record=record,
        remedy=remedy,
    )
