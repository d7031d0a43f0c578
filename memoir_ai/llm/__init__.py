"""The LLM layer: typed outputs, prompts, agents over any pydantic-ai model, an offline stand-in.

- :mod:`~memoir_ai.llm.schemas`: the typed output of every purpose, and builders
  that narrow them to the names or ids allowed in one call.
- :mod:`~memoir_ai.llm.prompts`: every word sent to a model, one function per prompt.
- :mod:`~memoir_ai.llm.models`: model names → pydantic-ai models, and which get
  native structured output.
- :mod:`~memoir_ai.llm.agents`: :class:`AgentFactory`, which builds and runs agents
  and returns an :class:`LLMCallRecord` with every output.
- :mod:`~memoir_ai.llm.offline`: the ``offline`` model, a deterministic lexical
  stand-in (not an LLM) for trying and testing the library without a provider.

Importing this package does not import pydantic-ai or any provider SDK; they
load when the first agent is built.
"""

from __future__ import annotations

from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.models import LLMSettings, StructuredOutput, structured_output_mode
from memoir_ai.llm.records import LLMCallError, LLMCallRecord
from memoir_ai.llm.schemas import LLMPurpose

__all__ = [
    "AgentFactory",
    "LLMCallError",
    "LLMCallRecord",
    "LLMPurpose",
    "LLMSettings",
    "StructuredOutput",
    "structured_output_mode",
]
