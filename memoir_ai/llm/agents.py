"""Typed pydantic-ai agents over one model, and the one way memoir-ai runs them.

:class:`AgentFactory` turns the configured model name (see
:mod:`memoir_ai.llm.models`) into agents with typed outputs, in one of three
output modes: ``native`` (:class:`~pydantic_ai.NativeOutput`, the JSON schema
as the provider's response format), ``tool`` (:class:`~pydantic_ai.ToolOutput`,
the schema as the arguments of an output tool) or ``prompted``
(:class:`~pydantic_ai.PromptedOutput`, the schema in the instructions). With
``structured_output="auto"`` a call that gets an answer in the wrong form falls
back once to :func:`~memoir_ai.llm.models.fallback_mode`, and the factory
starts every later call in the mode that worked (:attr:`AgentFactory.working_mode`;
a caller may persist it and pass it back as ``output_mode``).

Agents are built once per shape — output type, purpose, validators, mode —
and reused; the narrowed output types of :mod:`~memoir_ai.llm.schemas` are
cached the same way, so a call pays for neither.

**One retry layer.** The provider SDK's own retries are switched off
(``max_retries=0`` on every request), so each attempt is one HTTP request;
:meth:`AgentFactory.run` retries under the policy of
:mod:`~memoir_ai.llm.retries`. The returned
:class:`~memoir_ai.llm.records.LLMCallRecord` counts the attempts, the
requests and every token spent, failed attempts included.

All agents of one factory share one model and therefore one concurrency limit
(``max_concurrency`` requests in flight). Storing records is the database
layer's job.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from memoir_ai.errors import ConfigurationError, MemoirAIError
from memoir_ai.llm import prompts
from memoir_ai.llm.limits import output_token_limit
from memoir_ai.llm.models import (
    OPENAI_COMPATIBLE,
    LLMSettings,
    StructuredOutput,
    build_model,
    fallback_mode,
    split_model_name,
    structured_output_mode,
)
from memoir_ai.llm.records import LLMCallError, LLMCallRecord, call_error
from memoir_ai.llm.retries import retrying
from memoir_ai.llm.schemas import LLMPurpose

if TYPE_CHECKING:
    from pydantic_ai import Agent
    from pydantic_ai.agent import AgentRunResult
    from pydantic_ai.models import Model
    from pydantic_ai.settings import ModelSettings

    from memoir_ai.llm._guard import CallMeter
    from memoir_ai.llm.kept import OutputKeeper

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
# The bound of an agent this factory did not build (its output type is unknown here).
UNKNOWN_SHAPE_TOKENS = 4096
# Agents kept per factory: every shape of a run fits; a caller making new types forever does not
# make the cache grow forever.
CACHED_AGENTS = 512


@dataclass(frozen=True)
class _Shape(Generic[OutputT]):
    """What makes two agents interchangeable: the key of the agent cache."""

    output_type: type[OutputT]
    purpose: LLMPurpose
    validators: tuple[OutputValidator[OutputT], ...]
    output_retries: int

    @functools.cached_property
    def max_tokens(self) -> int:
        """The bound of an answer of this shape (see :mod:`~memoir_ai.llm.limits`)."""
        return output_token_limit(self.output_type)


class AgentFactory:
    """Builds typed agents over one model (and one concurrency limit) and runs them with records."""

    def __init__(
        self,
        settings: LLMSettings | None = None,
        *,
        model: Model | None = None,
        output_mode: StructuredOutput | None = None,
    ) -> None:
        """Prepare agents for ``settings``; ``model`` replaces the named model (e.g. a test fake).

        ``output_mode`` is where ``structured_output="auto"`` starts (e.g. the
        mode that worked last time, kept by the caller); it is ignored when the
        setting names a mode. Nothing is imported or connected until the first
        agent is built.
        """
        self.settings = settings or LLMSettings()
        self._given_model = model
        self._model: Model | None = None
        self._working_mode: StructuredOutput | None = output_mode
        self._agents: OrderedDict[tuple[_Shape[Any], StructuredOutput], Agent[None, Any]] = (
            OrderedDict()
        )
        self._shapes: dict[int, _Shape[Any]] = {}
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
        """The output mode the next call starts with."""
        if self.settings.structured_output != "auto":
            return self.settings.structured_output
        if self._working_mode is not None:
            return self._working_mode
        if self._given_model is not None:
            return "tool"
        return structured_output_mode(self._routed_name())

    @property
    def working_mode(self) -> StructuredOutput | None:
        """The output mode of the last call that succeeded (``None`` before any did)."""
        return self._working_mode

    @property
    def model(self) -> Model:
        """The pydantic-ai model, built on first use, limited to ``max_concurrency`` and metered."""
        if self._model is None:
            from pydantic_ai.models.concurrency import ConcurrencyLimitedModel

            from memoir_ai.llm._guard import GuardedModel

            inner = self._given_model or build_model(self.settings)
            limited = ConcurrencyLimitedModel(inner, limiter=self.settings.max_concurrency)
            self._model = GuardedModel(limited)
        return self._model

    def build(
        self,
        output_type: type[OutputT],
        purpose: LLMPurpose,
        *,
        validators: Sequence[OutputValidator[OutputT]] = (),
        output_retries: int | None = None,
    ) -> Agent[None, OutputT]:
        """The agent for ``purpose`` whose output is validated as ``output_type`` (built once).

        ``validators`` run after the schema check; one that raises
        :class:`pydantic_ai.ModelRetry` sends its message back to the model, up
        to ``output_retries`` times (the settings' value by default).
        """
        retries = self.settings.output_retries if output_retries is None else output_retries
        shape = _Shape(output_type, purpose, (*_checks(purpose), *validators), retries)
        return self._agent(shape, self.structured_output)

    async def run(
        self,
        agent: Agent[None, OutputT],
        prompt: str,
        purpose: LLMPurpose,
        *,
        max_tokens: int | None = None,
        keeper: OutputKeeper | None = None,
    ) -> tuple[OutputT, LLMCallRecord]:
        """Run ``agent`` on ``prompt``; return its output and the record of the call.

        ``max_tokens`` bounds the answer (by default the bound of the agent's
        output type, see :mod:`~memoir_ai.llm.limits`). With a ``keeper``
        (see :mod:`~memoir_ai.llm.kept`), an answer kept for the same call is
        reused instead of calling the model (its record says ``reused``, 0
        tokens), and a new answer is kept as soon as the call completes.

        Raises:
            LLMCallError: The call failed for good (its ``record`` says how).
        """
        from memoir_ai.llm._guard import CallMeter

        shape = self._shapes.get(id(agent))
        if max_tokens is None:
            max_tokens = shape.max_tokens if shape else UNKNOWN_SHAPE_TOKENS
        key = None
        if keeper is not None and shape is not None:
            key = keeper.key_for(self._identity(shape, prompt, max_tokens))
            reused = await self._reuse(keeper, key, shape, prompt, max_tokens)
            if reused is not None:
                return reused
        meter = CallMeter(keeper=keeper, key=key, purpose=purpose.value)
        started_at = datetime.now(UTC)
        clock = time.perf_counter()
        mode = self.structured_output
        try:
            result, mode = await self._run_modes(agent, shape, mode, prompt, max_tokens, meter)
        except MemoirAIError:
            raise
        except Exception as exc:
            record = self._record(
                purpose, started_at, clock, meter, mode, max_tokens, prompt=prompt, error=exc
            )
            raise call_error(record, exc) from exc
        output: OutputT = result.output
        record = self._record(
            purpose, started_at, clock, meter, mode, max_tokens, prompt=prompt, output=output
        )
        if keeper is not None and key is not None:
            await keeper.keep(key, output, record)
        logger.debug(
            "%s call to %s (%s output): %d in / %d out tokens, %d attempt(s), %.3fs",
            purpose.value,
            record.model,
            mode,
            record.input_tokens,
            record.output_tokens,
            record.attempts,
            record.latency_seconds,
        )
        return output, record

    async def call(
        self,
        output_type: type[OutputT],
        prompt: str,
        purpose: LLMPurpose,
        *,
        validators: Sequence[OutputValidator[OutputT]] = (),
        max_tokens: int | None = None,
        keeper: OutputKeeper | None = None,
    ) -> tuple[OutputT, LLMCallRecord]:
        """Run the agent for ``output_type`` once: :meth:`build` then :meth:`run`."""
        agent = self.build(output_type, purpose, validators=validators)
        return await self.run(agent, prompt, purpose, max_tokens=max_tokens, keeper=keeper)

    # --- kept answers -------------------------------------------------------------------

    def _identity(self, shape: _Shape[Any], prompt: str, max_tokens: int) -> str:
        from memoir_ai.llm.kept import call_identity

        return call_identity(
            model=self.model_name,
            purpose=shape.purpose,
            instructions=prompts.instructions(shape.purpose),
            output_type=shape.output_type,
            prompt=prompt,
            max_tokens=max_tokens,
            temperature=self.settings.temperature,
        )

    async def _reuse(
        self,
        keeper: OutputKeeper,
        key: str,
        shape: _Shape[OutputT],
        prompt: str,
        max_tokens: int,
    ) -> tuple[OutputT, LLMCallRecord] | None:
        """The kept answer of this call with its ``reused`` record, or None to make the call."""
        from pydantic import ValidationError

        clock = time.perf_counter()
        started_at = datetime.now(UTC)
        kept = await keeper.find(key)
        if kept is None:
            return None
        try:
            output = shape.output_type.model_validate_json(kept.output_json)
        except ValidationError:
            logger.warning(
                "A kept %s answer no longer fits its type; calling again.", shape.purpose.value
            )
            return None
        keep = self.settings.record_payloads
        record = LLMCallRecord(
            purpose=shape.purpose,
            model=self.model_name,
            started_at=started_at,
            latency_seconds=time.perf_counter() - clock,
            input_tokens=0,
            output_tokens=0,
            outcome="reused",
            structured_output=_known_mode(kept.structured_output),
            temperature=self.settings.temperature,
            requests=0,
            attempts=0,
            max_tokens=max_tokens,
            request_text=str(prompt) if keep else None,
            response_text=kept.output_json if keep else None,
            notes=(
                f"reused the answer of a call completed at {kept.kept_at.isoformat()} "
                f"({kept.input_tokens} tokens in, {kept.output_tokens} out, paid then)",
            ),
        )
        return output, record

    # --- building -----------------------------------------------------------------------

    def _routed_name(self) -> str:
        """The model name with its provider, as :func:`build_model` routes it."""
        provider, name = split_model_name(self.settings.model)
        if provider is None and self.settings.base_url:
            return f"{OPENAI_COMPATIBLE}:{name}"
        return self.settings.model

    def _agent(self, shape: _Shape[OutputT], mode: StructuredOutput) -> Agent[None, OutputT]:
        key = (shape, mode)
        agent = self._agents.get(key)
        if agent is not None:
            self._agents.move_to_end(key)
            return agent
        agent = self._new_agent(shape, mode)
        self._agents[key] = agent
        self._shapes[id(agent)] = shape
        if len(self._agents) > CACHED_AGENTS:
            _, evicted = self._agents.popitem(last=False)
            self._shapes.pop(id(evicted), None)
        return agent

    def _new_agent(self, shape: _Shape[OutputT], mode: StructuredOutput) -> Agent[None, OutputT]:
        from pydantic_ai import Agent, NativeOutput, PromptedOutput, ToolOutput

        spec: NativeOutput[OutputT] | ToolOutput[OutputT] | PromptedOutput[OutputT]
        if mode == "native":
            spec = NativeOutput(shape.output_type)
        elif mode == "tool":
            spec = ToolOutput(shape.output_type)
        else:
            spec = PromptedOutput(shape.output_type)
        agent: Agent[None, OutputT] = Agent(
            self.model,
            output_type=spec,
            instructions=prompts.instructions(shape.purpose),
            model_settings=self._model_settings(),
            retries={"output": shape.output_retries},
            name=f"memoir-{shape.purpose.value}",
        )
        for validator in shape.validators:
            agent.output_validator(validator)
        return agent

    def _model_settings(self) -> ModelSettings:
        # The SDK's retries are off: this layer is the only one that retries (see run()).
        settings: ModelSettings = {
            "max_retries": 0,
            "request_timeout": self.settings.timeout_seconds,
        }
        if self.settings.temperature is not None:
            settings["temperature"] = self.settings.temperature
        return settings

    # --- running ------------------------------------------------------------------------

    async def _run_modes(
        self,
        agent: Agent[None, OutputT],
        shape: _Shape[OutputT] | None,
        mode: StructuredOutput,
        prompt: str,
        max_tokens: int,
        meter: CallMeter,
    ) -> tuple[AgentRunResult[OutputT], StructuredOutput]:
        """Run in ``mode``; on an answer in the wrong form, once more in the fallback mode."""
        from memoir_ai.llm._guard import WrongOutputForm

        fallback = None
        if self.settings.structured_output == "auto" and shape is not None:
            fallback = fallback_mode(self._fallback_name(), mode)
        while True:
            meter.check_form = fallback is not None
            try:
                result = await self._attempts(agent, prompt, max_tokens, meter)
            except WrongOutputForm as exc:
                if fallback is None or shape is None:  # pragma: no cover - check_form was off
                    raise
                logger.warning("%s: %s; trying %s output instead.", self.model_name, exc, fallback)
                mode, fallback = fallback, None
                agent = self._agent(shape, mode)
                continue
            self._working_mode = mode
            return result, mode

    def _fallback_name(self) -> str:
        return self.model_name if self._given_model is not None else self._routed_name()

    async def _attempts(
        self, agent: Agent[None, OutputT], prompt: str, max_tokens: int, meter: CallMeter
    ) -> AgentRunResult[OutputT]:
        """Run ``agent`` under the one retry policy (:mod:`~memoir_ai.llm.retries`)."""
        from memoir_ai.llm._guard import metered

        async def attempt() -> AgentRunResult[OutputT]:
            with metered(meter):
                meter.attempts += 1
                return await agent.run(
                    message_history=[_request(prompt)],
                    model_settings={"max_tokens": max_tokens},
                )

        return await retrying(attempt, self.settings, self.model_name)

    def _record(
        self,
        purpose: LLMPurpose,
        started_at: datetime,
        clock: float,
        meter: CallMeter,
        mode: StructuredOutput,
        max_tokens: int,
        *,
        prompt: str,
        output: BaseModel | None = None,
        error: Exception | None = None,
    ) -> LLMCallRecord:
        keep = self.settings.record_payloads
        return LLMCallRecord(
            purpose=purpose,
            model=self.model_name,
            started_at=started_at,
            latency_seconds=time.perf_counter() - clock,
            input_tokens=meter.input_tokens,
            output_tokens=meter.output_tokens,
            outcome="ok" if error is None else "error",
            structured_output=mode,
            temperature=self.settings.temperature,
            requests=meter.requests,
            attempts=meter.attempts,
            max_tokens=max_tokens,
            error=None if error is None else f"{type(error).__name__}: {error}",
            request_text=str(prompt) if keep else None,
            response_text=output.model_dump_json() if keep and output is not None else None,
            notes=tuple(meter.notes),
        )


def _known_mode(mode: str) -> StructuredOutput:
    return mode if mode in ("native", "tool", "prompted") else "tool"  # type: ignore[return-value]


def _checks(purpose: LLMPurpose) -> tuple[OutputValidator[Any], ...]:
    """The checks every answer for ``purpose`` passes (see :mod:`~memoir_ai.llm.checks`)."""
    from memoir_ai.llm import checks

    if purpose is LLMPurpose.CLASSIFY:
        return (checks.check_category_names,)  # type: ignore[return-value]
    if purpose is LLMPurpose.HELPER:
        return (checks.check_helper,)  # type: ignore[return-value]
    return ()


def _request(prompt: str) -> Any:
    """The user request of a call, carrying a :class:`~memoir_ai.llm.prompts.Prompt`'s inputs.

    The typed inputs travel as message metadata, which pydantic-ai never sends
    to a model: fakes and the offline model read them instead of the prose.
    """
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    inputs = getattr(prompt, "inputs", None)
    metadata = {prompts.INPUTS_METADATA_KEY: inputs} if inputs is not None else None
    return ModelRequest(parts=[UserPromptPart(str(prompt))], metadata=metadata)
