"""The typed inputs of every prompt: what a call is about, before it is written out as text.

Each prompt function of :mod:`~memoir_ai.llm.prompts` takes one of these
shapes and returns a :class:`~memoir_ai.llm.prompts.Prompt`, the text with its
inputs attached. The agent sends the text to the model and the inputs along
as message metadata, which pydantic-ai never sends anywhere: the offline model,
the test fakes and the checks of :mod:`~memoir_ai.llm.checks` read the inputs
and the output schema, never the prose, so rewording a prompt breaks nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage

__all__ = [
    "AnswerChunk",
    "AnswerInputs",
    "CandidateCategory",
    "ClassificationInputs",
    "CurationCandidate",
    "CurationInputs",
    "HelperInputs",
    "PathClassificationInputs",
    "PromptChunk",
    "PromptInputs",
    "SelectionInputs",
    "SummaryChunk",
    "SummaryInputs",
    "request_inputs",
]

INPUTS_METADATA_KEY = "memoir_inputs"
"""Where a request's typed inputs travel (message metadata, never sent to a model)."""


@dataclass(frozen=True)
class PromptChunk:
    """A chunk as shown to a model: its number and its text."""

    id: int
    text: str


@dataclass(frozen=True)
class SummaryChunk:
    """A chunk to summarize, with the most characters its summary may have."""

    id: int
    text: str
    target_chars: int


@dataclass(frozen=True)
class AnswerChunk:
    """A retrieved chunk shown to the answering model, with where it is filed."""

    id: int
    text: str
    category_path: Sequence[str] = ()


@dataclass(frozen=True)
class CandidateCategory:
    """A category offered during traversal; the description is optional context."""

    name: str
    description: str | None = None


@dataclass(frozen=True)
class HelperInputs:
    """A source to describe: its names, headers and opening text."""

    excerpt: str
    source_id: str
    file_name: str | None = None
    title: str | None = None
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClassificationInputs:
    """Chunks to file one level down from ``parent_path``, reusing ``existing`` names."""

    chunks: tuple[PromptChunk, ...]
    level: int
    depth: int
    existing: tuple[str, ...]
    allow_new: bool
    parent_path: tuple[str, ...] = ()
    helper: str | None = None


@dataclass(frozen=True)
class PathClassificationInputs:
    """Chunks to file under whole paths of ``depth`` names, reusing the paths of ``tree``."""

    chunks: tuple[PromptChunk, ...]
    depth: int
    tree: tuple[tuple[str, ...], ...]
    full_levels: tuple[int, ...] = ()
    helper: str | None = None


@dataclass(frozen=True)
class SelectionInputs:
    """A traversal step: choose and rank ``count`` of ``candidates`` for ``query``."""

    query: str
    candidates: tuple[CandidateCategory, ...]
    count: int
    level: int
    depth: int
    parent_path: tuple[str, ...] = ()
    helpers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SummaryInputs:
    """Chunks to summarize within their character targets, for ``query`` if given."""

    chunks: tuple[SummaryChunk, ...]
    query: str | None = None


@dataclass(frozen=True)
class AnswerInputs:
    """The question and the retrieved chunks (with their sources' descriptions)."""

    query: str
    chunks: tuple[AnswerChunk, ...]
    helpers: tuple[str, ...] = ()


@dataclass(frozen=True)
class CurationCandidate:
    """A sibling category offered for curation: its name, chunks, and their content words."""

    name: str
    chunk_count: int
    keywords: tuple[str, ...] = ()
    sample: str = ""


@dataclass(frozen=True)
class CurationInputs:
    """The children of one parent (``parent_path``; empty: the top level), to find duplicates."""

    siblings: tuple[CurationCandidate, ...]
    level: int
    parent_path: tuple[str, ...] = ()


PromptInputs = (
    HelperInputs
    | ClassificationInputs
    | PathClassificationInputs
    | SelectionInputs
    | SummaryInputs
    | AnswerInputs
    | CurationInputs
)
"""The inputs of any prompt."""


def request_inputs(messages: Sequence[ModelMessage]) -> PromptInputs | None:
    """The typed inputs a request carries, or ``None`` for a bare prompt."""
    from pydantic_ai.messages import ModelRequest

    for message in messages:
        if isinstance(message, ModelRequest) and message.metadata:
            found: Any = message.metadata.get(INPUTS_METADATA_KEY)
            if found is not None:
                return found  # type: ignore[no-any-return]
    return None
