"""The SQL of contextual helpers: the current helper of a source, its versions, its chunks.

``contextual_helpers`` holds one row per source, the helper in force;
``contextual_helper_versions`` holds every helper ever created for a source,
the current one included, numbered 1, 2, 3, ... Both are written together by
:func:`store_helper`, inside the caller's transaction, so the current row and
the newest version always agree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memoir_ai.database.models import (
    Chunk,
    ContextualHelper,
    ContextualHelperVersion,
    Source,
)
from memoir_ai.results import StoredHelper

if TYPE_CHECKING:
    from memoir_ai.database.engine import DatabaseManager

__all__ = [
    "PROVENANCE_KEY",
    "SourceChunks",
    "StoredHelper",
    "get_helper",
    "list_helper_versions",
    "read_source_chunks",
    "source_provenance",
    "store_helper",
    "write_with_retry",
]

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")

# Keys of a source's metadata that may name the file it came from, most specific first.
FILE_NAME_KEYS = ("file_name", "filename", "path", "file")
# Where ingestion keeps what it knows of a source's file (``file_name``, ``origin``) inside
# the source row's metadata, apart from the caller's own keys, until the sources table
# has columns for them.
PROVENANCE_KEY = "_memoir"


def source_provenance(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """What ingestion recorded of a source's file: ``file_name`` and ``origin``, when known."""
    recorded = (metadata or {}).get(PROVENANCE_KEY)
    if not isinstance(recorded, Mapping):
        return {}
    return {key: value for key, value in recorded.items() if isinstance(value, str)}


@dataclass(frozen=True)
class SourceChunks:
    """A source's stored chunk texts in order, with what is known of its file."""

    source_id: str
    chunks: list[str]
    file_name: str | None
    title: str | None


def get_helper(session: Session, source_id: str) -> StoredHelper | None:
    """The helper in force for ``source_id``, or None when it has none."""
    row = _current_row(session, source_id)
    if row is None:
        return None
    return StoredHelper(
        source_id=row.source_id,
        version=row.version,
        helper_text=row.helper_text,
        token_count=row.token_count,
        is_user_provided=row.is_user_provided,
        created_at=row.updated_at,
    )


def list_helper_versions(session: Session, source_id: str) -> list[StoredHelper]:
    """Every helper created for ``source_id``, oldest (version 1) first."""
    rows = session.scalars(
        select(ContextualHelperVersion)
        .where(ContextualHelperVersion.source_id == source_id)
        .order_by(ContextualHelperVersion.version)
    )
    return [_from_version(row) for row in rows]


def store_helper(
    session: Session,
    source_id: str,
    helper_text: str,
    token_count: int,
    *,
    is_user_provided: bool,
) -> StoredHelper:
    """Make ``helper_text`` the helper of ``source_id`` as its next version; the caller commits.

    The current row is read ``FOR UPDATE`` (where the backend supports it) so
    two writers of one source queue up; two first-ever writers collide on the
    unique ``source_id`` instead, and the loser's transaction fails with an
    integrity error that the caller may retry.
    """
    current = _current_row(session, source_id, for_update=True)
    newest = session.scalar(
        select(func.max(ContextualHelperVersion.version)).where(
            ContextualHelperVersion.source_id == source_id
        )
    )
    version = max(newest or 0, current.version if current is not None else 0) + 1
    history = ContextualHelperVersion(
        source_id=source_id,
        version=version,
        helper_text=helper_text,
        token_count=token_count,
        is_user_provided=is_user_provided,
    )
    session.add(history)
    if current is None:
        current = ContextualHelper(source_id=source_id)
        session.add(current)
    current.helper_text = helper_text
    current.token_count = token_count
    current.is_user_provided = is_user_provided
    current.version = version
    session.flush()
    return _from_version(history)


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


def write_with_retry(database: DatabaseManager, write: Callable[[Session], ResultT]) -> ResultT:
    """Run ``write`` in one transaction; start again when a concurrent writer collided.

    Two writers of one source may pick the same next version, or (on MySQL)
    deadlock on the gap where its first row goes: the loser's transaction is
    rolled back whole and run again (:meth:`DatabaseManager.run`, bounded backoff).
    """
    return database.run(write, doing="storing a contextual helper", duplicates_collide=True)


def _current_row(
    session: Session, source_id: str, *, for_update: bool = False
) -> ContextualHelper | None:
    statement = select(ContextualHelper).where(ContextualHelper.source_id == source_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalar(statement)


def _from_version(row: ContextualHelperVersion) -> StoredHelper:
    return StoredHelper(
        source_id=row.source_id,
        version=row.version,
        helper_text=row.helper_text,
        token_count=row.token_count,
        is_user_provided=row.is_user_provided,
        created_at=row.created_at,
    )
