"""The SQL of sources: the source row, its id rule, listing, deleting, and its chunk texts.

A source is one ingested text: a row in ``sources`` (content hash, title,
metadata) with its chunks and its contextual helper. Every function takes a
session inside the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from memoir_ai.database import reading
from memoir_ai.database._reads import run_read
from memoir_ai.database.calls import expand_chunk_references
from memoir_ai.database.categories import prune_empty
from memoir_ai.database.helpers import delete_helpers
from memoir_ai.database.models import SOURCE_ID_LENGTH, Chunk, Source
from memoir_ai.database.reading import SourceRow, source_row
from memoir_ai.errors import ValidationError
from memoir_ai.results import SourceSummary

__all__ = [
    "PROVENANCE_KEY",
    "SourceChunks",
    "SourceRecord",
    "checked_source_id",
    "delete_source",
    "find_source",
    "list_sources",
    "read_source_chunks",
    "remove_source",
    "save_source",
    "source_summary",
    "source_provenance",
]

# Keys of a source's metadata that may name the file it came from, most specific first.
FILE_NAME_KEYS = ("file_name", "filename", "path", "file")
# Where ingestion keeps what it knows of a source's file (``file_name``, ``origin``) inside
# the source row's metadata, apart from the caller's own keys, until the sources table
# has columns for them.
PROVENANCE_KEY = "_memoir"


@dataclass(frozen=True)
class SourceRecord:
    """A stored source as ingestion compares it: its id, content hash and metadata."""

    source_id: str
    content_hash: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class SourceChunks:
    """A source's stored chunk texts in order, with what is known of its file."""

    source_id: str
    chunks: list[str]
    file_name: str | None
    title: str | None


def checked_source_id(source_id: str) -> str:
    """The source id as stored: stripped of surrounding white space and checked.

    Every way in (ingestion, helpers) stores and looks sources up through this
    one function, so ``" notes.md "`` and ``"notes.md"`` name the same source.

    Raises:
        ValidationError: the id is empty or longer than the column allows.
    """
    cleaned = source_id.strip() if isinstance(source_id, str) else ""
    if not cleaned:
        raise ValidationError(
            "The source id is empty.",
            remedy="pass a source_id naming the text, e.g. its path.",
        )
    if len(cleaned) > SOURCE_ID_LENGTH:
        raise ValidationError(
            f"The source id is {len(cleaned)} characters long.",
            remedy=f"use a source id of at most {SOURCE_ID_LENGTH} characters.",
        )
    return cleaned


def source_provenance(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """What ingestion recorded of a source's file: ``file_name`` and ``origin``, when known."""
    recorded = (metadata or {}).get(PROVENANCE_KEY)
    if not isinstance(recorded, Mapping):
        return {}
    return {key: value for key, value in recorded.items() if isinstance(value, str)}


def find_source(session: Session, source_id: str) -> SourceRecord | None:
    """The stored source called ``source_id``, if any."""
    row = session.scalars(select(Source).where(Source.source_id == source_id)).one_or_none()
    if row is None:
        return None
    return SourceRecord(row.source_id, row.content_hash, dict(row.metadata_ or {}))


def save_source(
    session: Session,
    source_id: str,
    *,
    content_hash: str,
    metadata: Mapping[str, Any],
    title: str | None = None,
) -> None:
    """Create the source row (replacing keeps no old row: see :func:`delete_source`)."""
    session.add(
        Source(
            source_id=source_id, content_hash=content_hash, metadata_=dict(metadata), title=title
        )
    )
    session.flush()


def list_sources(session: Session) -> list[SourceSummary]:
    """Every stored source, oldest first."""
    return [source_summary(source_row(row)) for row in run_read(session, reading.SOURCES)]


def source_summary(row: SourceRow) -> SourceSummary:
    """The public :class:`~memoir_ai.results.SourceSummary` of a listed source."""
    return SourceSummary(**asdict(row))


def read_source_chunks(session: Session, source_id: str) -> SourceChunks:
    """The chunk texts of ``source_id`` in source order (empty if none), and its file name."""
    chunks: Sequence[str] = session.scalars(
        select(Chunk.content).where(Chunk.source_id == source_id).order_by(Chunk.position)
    ).all()
    source = session.scalar(select(Source).where(Source.source_id == source_id))
    file_name = None
    title = None
    if source is not None:
        title = source.title
        metadata = source.metadata_ or {}
        file_name = source_provenance(metadata).get("file_name")
        for key in () if file_name else FILE_NAME_KEYS:
            value = metadata.get(key)
            if isinstance(value, str) and value.strip():
                file_name = value.strip()
                break
    return SourceChunks(source_id=source_id, chunks=list(chunks), file_name=file_name, title=title)


def delete_source(session: Session, source_id: str) -> None:
    """Remove a source, its chunks, and the categories left with nothing under them.

    The audit log outlives the chunks: calls that quote them get the text back first.
    """
    expand_chunk_references(session, source_id)
    touched = set(
        session.scalars(select(Chunk.category_id).where(Chunk.source_id == source_id).distinct())
    )
    session.execute(delete(Chunk).where(Chunk.source_id == source_id))
    session.execute(delete(Source).where(Source.source_id == source_id))
    prune_empty(session, touched)


def remove_source(session: Session, source_id: str) -> int | None:
    """Delete a source, its chunks, its helper and helper history, and the emptied categories.

    Returns how many chunks were removed, or None when no such source exists.
    The audit log keeps its calls: it records what was spent, not what is stored.
    """
    exists = session.scalar(select(Source.id).where(Source.source_id == source_id))
    chunks = int(
        session.scalar(select(func.count(Chunk.id)).where(Chunk.source_id == source_id)) or 0
    )
    if exists is None and chunks == 0:
        return None
    delete_helpers(session, source_id)
    delete_source(session, source_id)
    return chunks
