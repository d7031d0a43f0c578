"""Never pay twice: the identity of a model call, and where completed answers are kept.

:meth:`~memoir_ai.llm.agents.AgentFactory.run` given an :class:`OutputKeeper`
looks the call up before making it and hands the answer over as soon as the
call completes; the keeper stores it durably (the ingestion's keeper: one short
transaction per answer, see :mod:`memoir_ai.ingest._kept`). A re-run after a
crash then finds the answer and pays nothing for it.

A call is identified by what determines its answer (:func:`call_identity`):
the model, the purpose and its standing instructions, the output schema, the
bound on the answer, the temperature, and the typed inputs of the prompt. One
part of a classification prompt is left out: the categories that other calls
of the same ingestion have planned meanwhile (``tree`` of a whole-path call,
``existing`` of a level-by-level call that may create names). Concurrent calls
finish in a different order on every run, so that view differs between a run
and its re-run even where nothing else does; a kept answer is checked against
the tree as it is now, exactly as a fresh answer would be (a name a full level
refuses is asked again). Everything else, a full level's ``Literal`` of names
included, is part of the identity. The version of memoir-ai is too, so that a
reworded prompt is never answered by an old answer.

A call's answer can be lost between its response's arrival and the typed
answer being kept (pydantic-ai still validating it, another request of the
same call still to make, the event loop busy with other calls): so each
response is also kept as it arrives, under the call's key and the number of
the request within the call (:func:`response_key`), before anything reads it.
A re-run answers that request from the kept response without sending it, and
the call goes on from there exactly as it did (a request that depends on an
earlier response is identified by that response's number).

The same identity can occur more than once in one ingestion (a chunk sent
alone again after an unusable answer gets the same prompt): the keeper numbers
occurrences, so the n-th such call of a re-run reuses the n-th answer, never
the one that had to be retried.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from memoir_ai.llm.inputs import ClassificationInputs, PathClassificationInputs
from memoir_ai.llm.schemas import LLMPurpose

if TYPE_CHECKING:
    from memoir_ai.llm.records import LLMCallRecord

__all__ = [
    "KeptAnswer",
    "KeptResponse",
    "OutputKeeper",
    "call_identity",
    "response_key",
    "stable_inputs",
]


@dataclass(frozen=True)
class KeptAnswer:
    """A completed call's typed answer (as JSON), how it travelled and what it cost then."""

    output_json: str
    structured_output: str
    input_tokens: int
    output_tokens: int
    kept_at: datetime


@dataclass(frozen=True)
class KeptResponse:
    """One request's model response as it arrived (pydantic-ai's message JSON) and its usage."""

    purpose: str
    model: str
    response_json: str
    input_tokens: int
    output_tokens: int


def response_key(call_key: str, request: int) -> str:
    """The key of the ``request``-th request (from 1) of the call kept under ``call_key``."""
    return hashlib.sha256(f"{call_key}\nrequest {request}".encode()).hexdigest()


class OutputKeeper(Protocol):
    """Where the answers of completed calls are kept, and found again on a re-run."""

    def key_for(self, identity: str) -> str:
        """The key of the next call with ``identity`` (occurrences numbered per run)."""
        ...

    async def find(self, key: str) -> KeptAnswer | None:
        """The answer kept under ``key``, if any."""
        ...

    async def keep(self, key: str, output: BaseModel, record: LLMCallRecord) -> None:
        """Keep the answer of the completed call ``record`` under ``key``, durably."""
        ...

    async def find_response(self, key: str) -> KeptResponse | None:
        """The model response kept under ``key`` (one request of a call), if any."""
        ...

    async def keep_response(self, key: str, response: KeptResponse) -> None:
        """Keep one request's model response under ``key``, durably, before it is read."""
        ...


def stable_inputs(inputs: Any) -> Any:
    """The typed inputs without the tree view other concurrent calls change (see above)."""
    if isinstance(inputs, PathClassificationInputs):
        return dataclasses.replace(inputs, tree=())
    if isinstance(inputs, ClassificationInputs) and inputs.allow_new:
        return dataclasses.replace(inputs, existing=())
    return inputs


def call_identity(
    *,
    model: str,
    purpose: LLMPurpose,
    instructions: str,
    output_type: type[BaseModel],
    prompt: str,
    max_tokens: int,
    temperature: float | None,
) -> str:
    """Hex SHA-256 of what determines a call's answer (see the module docstring)."""
    from memoir_ai import __version__

    inputs = getattr(prompt, "inputs", None)
    asked: Any = (
        {"inputs": _plain(stable_inputs(inputs)), "kind": type(inputs).__name__}
        if inputs is not None
        else {"text": str(prompt)}
    )
    identity = {
        "memoir": __version__,
        "model": model,
        "purpose": purpose.value,
        "instructions": instructions,
        "schema": _schema_text(output_type),
        "asked": asked,
        "max_tokens": max_tokens,
        "temperature": temperature,
    }
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=512)
def _schema_text(output_type: type[BaseModel]) -> str:
    """The output type's JSON schema (types are built once per shape: computed once each)."""
    return json.dumps(output_type.model_json_schema(), sort_keys=True)


def _plain(inputs: Any) -> Any:
    if dataclasses.is_dataclass(inputs) and not isinstance(inputs, type):
        return dataclasses.asdict(inputs)
    return str(inputs)
