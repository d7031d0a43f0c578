"""What an ingestion returns: the source, its chunks with their category paths, and the cost.

Frozen public results like every other (:class:`~memoir_ai.results.PublicResult`):
``memoir ingest --json`` and the MCP tool print their ``model_dump(mode="json")``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, computed_field

from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.results import ChunkDetail, PublicResult

__all__ = ["HelperStatus", "IngestResult", "IngestStatus", "IngestedChunk"]

IngestStatus = Literal["created", "replaced", "unchanged"]
# Where the contextual helper of an ingestion came from: the caller (given), the model
# (generated, a new version), the one in force (kept; on a replace only a user's helper
# is kept), or nowhere (none: auto_source_identification is off).
HelperStatus = Literal["given", "generated", "kept", "none"]


class IngestedChunk(PublicResult):
    """A stored chunk: where it lies in its source and the leaf it is filed under."""

    id: int
    position: int
    content: str
    token_count: int
    start_offset: int
    end_offset: int
    category_id: int
    category_path: tuple[str, ...]

    @classmethod
    def of(cls, chunk: ChunkDetail) -> IngestedChunk:
        """The stored chunk ``chunk`` as an ingestion reports it."""
        return cls(
            id=chunk.id,
            position=chunk.position,
            content=chunk.content,
            token_count=chunk.token_count,
            start_offset=chunk.start_offset,
            end_offset=chunk.end_offset,
            category_id=chunk.category_id,
            category_path=chunk.category_path,
        )


class IngestResult(PublicResult):
    """The outcome of one ``ingest_text``.

    ``status`` is ``created`` for a new source, ``replaced`` when ``replace=True``
    swapped its content, and ``unchanged`` when the same content was already
    stored (nothing was called or written; ``chunks`` are the stored ones).
    ``helper_status`` says where ``contextual_helper`` came from (None when
    unchanged); ``helper_version`` is the version kept, when one was.
    """

    source_id: str
    status: IngestStatus
    content_hash: str
    chunks: tuple[IngestedChunk, ...]
    categories_created: tuple[tuple[str, ...], ...] = ()
    llm_calls: tuple[LLMCallRecord, ...] = ()
    operation_id: str | None = None
    contextual_helper: str | None = None
    calls_by_mode: dict[str, int] = Field(default_factory=dict)
    helper_status: HelperStatus | None = None
    helper_version: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def llm_call_count(self) -> int:
        """How many model calls this ingestion made."""
        return len(self.llm_calls)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def input_tokens(self) -> int:
        """Prompt tokens over all calls."""
        return sum(record.input_tokens for record in self.llm_calls)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_tokens(self) -> int:
        """Output tokens over all calls."""
        return sum(record.output_tokens for record in self.llm_calls)
