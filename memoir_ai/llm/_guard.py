"""The model wrapper of every agent: it meters requests and spots answers in the wrong form.

:class:`GuardedModel` sits between the agents and the provider's model. For
every request it counts the request and the tokens of the response into the
:class:`CallMeter` of the call in progress (so a call that fails still reports
what it spent), and, when the call may fall back to another output mode, it
raises :class:`WrongOutputForm` as soon as a response arrives in a form the
mode cannot use — text where an output-tool call was required (often the
tool's JSON written as plain text, as small local models do when the server
does not enforce ``tool_choice``), or prose where a JSON object was required —
instead of letting pydantic-ai ask the same model the same way again.

With a keeper on the meter (an ingestion's), every response is kept durably
the moment it arrives, before pydantic-ai reads it, and a request whose
response an interrupted run kept is answered from it without being sent (see
:mod:`memoir_ai.llm.kept`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.wrapper import WrapperModel

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage
    from pydantic_ai.models import ModelRequestParameters
    from pydantic_ai.settings import ModelSettings

    from memoir_ai.llm.kept import OutputKeeper

__all__ = ["CallMeter", "GuardedModel", "WrongOutputForm", "current_meter", "metered"]


@dataclass
class CallMeter:
    """What one logical call has spent so far, over all its attempts and requests."""

    check_form: bool = False
    attempts: int = 0
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    names_sent_back: bool = False
    notes: list[str] = field(default_factory=list)
    # Where each response is kept as it arrives (see memoir_ai.llm.kept), under the call's key.
    keeper: OutputKeeper | None = None
    key: str | None = None
    purpose: str = ""


class WrongOutputForm(Exception):
    """The model answered in a form its output mode cannot use (the next mode may work)."""

    def __init__(self, mode: str, problem: str) -> None:
        """Say which mode got which wrong form."""
        self.mode = mode
        self.problem = problem
        super().__init__(f"{mode} output: {problem}")


_METER: ContextVar[CallMeter | None] = ContextVar("memoir_call_meter", default=None)


def current_meter() -> CallMeter | None:
    """The meter of the call in progress (for checks that add notes to its record)."""
    return _METER.get()


@contextmanager
def metered(meter: CallMeter) -> Iterator[CallMeter]:
    """Count the requests made inside the block into ``meter``."""
    token = _METER.set(meter)
    try:
        yield meter
    finally:
        _METER.reset(token)


class GuardedModel(WrapperModel):
    """A model that meters every request and rejects answers in the wrong form early."""

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Send the request through the wrapped model; meter it; check the answer's form."""
        meter = _METER.get()
        if meter is not None:
            meter.requests += 1  # paid once: now, or by the run that kept its response
        response = await self._kept_response(meter)
        if response is None:
            response = await self.wrapped.request(
                messages, model_settings, model_request_parameters
            )
            await self._keep(meter, response)
        if meter is not None:
            meter.input_tokens += response.usage.input_tokens
            meter.output_tokens += response.usage.output_tokens
            if meter.check_form:
                problem = wrong_form(response, model_request_parameters.output_mode)
                if problem is not None:
                    raise WrongOutputForm(model_request_parameters.output_mode, problem)
        return response

    async def _kept_response(self, meter: CallMeter | None) -> ModelResponse | None:
        """The response a killed run kept for this request of the call, if any."""
        if meter is None or meter.keeper is None or meter.key is None:
            return None
        from memoir_ai.llm.kept import response_key

        kept = await meter.keeper.find_response(response_key(meter.key, meter.requests))
        if kept is None:
            return None
        from pydantic_ai.messages import ModelMessagesTypeAdapter

        try:
            (response,) = ModelMessagesTypeAdapter.validate_json(kept.response_json)
        except ValueError:
            return None
        if not isinstance(response, ModelResponse):
            return None
        meter.notes.append(
            f"request {meter.requests} answered by the response an interrupted run received "
            "(paid then, not sent again)"
        )
        return response

    async def _keep(self, meter: CallMeter | None, response: ModelResponse) -> None:
        """Keep ``response`` durably before anything reads it (see :mod:`memoir_ai.llm.kept`)."""
        if meter is None or meter.keeper is None or meter.key is None:
            return
        from pydantic_ai.messages import ModelMessagesTypeAdapter

        from memoir_ai.llm.kept import KeptResponse, response_key

        kept = KeptResponse(
            purpose=meter.purpose,
            model=self.model_name,
            response_json=ModelMessagesTypeAdapter.dump_json([response]).decode(),
            input_tokens=response.usage.input_tokens,
            output_tokens=response.usage.output_tokens,
        )
        await meter.keeper.keep_response(response_key(meter.key, meter.requests), kept)


def wrong_form(response: ModelResponse, mode: str) -> str | None:
    """Why ``response`` cannot be read in output ``mode``, or ``None`` when its form fits."""
    text = "".join(part.content for part in response.parts if isinstance(part, TextPart)).strip()
    called = any(isinstance(part, ToolCallPart) for part in response.parts)
    if mode == "tool" and not called and text:
        if _json_object(text):
            return "the model wrote the output tool's JSON as plain text instead of calling it"
        return "the model answered in prose instead of calling the output tool"
    if mode == "native" and text and "{" not in text:
        return "the model answered in prose instead of the JSON the response format requires"
    return None


def _json_object(text: str) -> bool:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return False
    try:
        return isinstance(json.loads(text[start : end + 1]), dict)
    except ValueError:
        return False
