"""The SQL ingestion needs: the tree, the limits lock, sources, and inserting or replacing chunks.

Every function takes a session inside the caller's transaction; nothing here
commits. The write path of one source is:

1. :func:`lock_for_ingest` — the first statement of the transaction. It writes
   the configured limits into ``category_limits``, which locks those rows
   until commit on PostgreSQL and MySQL (row locks) and takes SQLite's single
   write lock. Writers of the same database therefore run one at a time, and
   every read after the lock sees what the previous writer committed (on
   MySQL the REPEATABLE READ snapshot starts at the first plain read, which
   comes after the lock).
2. :func:`find_source`, :func:`delete_source` (replace), :func:`load_categories`.
3. :func:`insert_categories`, :func:`insert_chunks`, :func:`save_source`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from memoir_ai.database.audit import expand_chunk_references
from memoir_ai.database.models import Category, CategoryLimit, Chunk, Source

__all__ = [
    "CategoryRecord",
    "ChunkRecord",
    "NewCategory",
    "NewChunk",
    "SourceRecord",
    "category_paths",
    "delete_source",
    "ensure_category_limits",
    "find_source",
    "insert_categories",
    "insert_chunks",
    "load_categories",
    "load_source_chunks",
    "lock_for_ingest",
    "save_source",
]


@dataclass(frozen=True)
class CategoryRecord:
    """A stored category: id, name, level and parent."""

    id: int
    name: str
    level: int
    parent_id: int | None


@dataclass(frozen=True)
class SourceRecord:
    """A stored source: its id and content hash."""

    source_id: str
    content_hash: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class NewCategory:
    """A category to create; ``parent`` is an index into the same list or a stored id."""

    name: str
    level: int
    parent_id: int | None = None
    parent_index: int | None = None


@dataclass(frozen=True)
class NewChunk:
    """A chunk to store under the leaf ``category_id``."""

    content: str
    token_count: int
    category_id: int
    position: int
    start_offset: int
    end_offset: int
    metadata: dict[str, Any]


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk with the path of its leaf."""

    id: int
    position: int
    content: str
    token_count: int
    start_offset: int
    end_offset: int
    category_id: int
    category_path: tuple[str, ...]


def ensure_category_limits(session: Session, limits: Mapping[int, int]) -> None:
    """Create the missing ``category_limits`` rows (their values are set by the lock).

    Run it in its own transaction before writing: two processes may insert the
    same row at once, and the loser simply finds it there.
    """
    present = set(session.scalars(select(CategoryLimit.level)))
    for level, maximum in sorted(limits.items()):
        if level in present:
            continue
        try:
            with session.begin_nested():
                session.add(CategoryLimit(level=level, max_categories=maximum))
        except IntegrityError:
            pass  # another writer created it first


def lock_for_ingest(session: Session, limits: Mapping[int, int]) -> None:
    """Store ``limits`` and hold the ingestion lock until the transaction ends.

    Must be the first statement of the write transaction (see the module docstring).
    """
    for level, maximum in sorted(limits.items()):
        session.execute(
            update(CategoryLimit)
            .where(CategoryLimit.level == level)
            .values(max_categories=maximum)
            .execution_options(synchronize_session=False)
        )


def find_source(session: Session, source_id: str) -> SourceRecord | None:
    """The stored source called ``source_id``, if any."""
    row = session.scalars(select(Source).where(Source.source_id == source_id)).one_or_none()
    if row is None:
        return None
    return SourceRecord(row.source_id, row.content_hash, dict(row.metadata_ or {}))


def load_categories(session: Session) -> list[CategoryRecord]:
    """Every category, parents before children."""
    rows = session.execute(
        select(Category.id, Category.name, Category.level, Category.parent_id).order_by(
            Category.level, Category.id
        )
    )
    return [CategoryRecord(id_, name, level, parent_id) for id_, name, level, parent_id in rows]


def category_paths(categories: Sequence[CategoryRecord]) -> dict[int, tuple[str, ...]]:
    """Category id → names from level 1 down to it."""
    paths: dict[int, tuple[str, ...]] = {}
    for category in sorted(categories, key=lambda c: c.level):
        above = paths.get(category.parent_id, ()) if category.parent_id is not None else ()
        paths[category.id] = (*above, category.name)
    return paths


def insert_categories(session: Session, categories: Sequence[NewCategory]) -> list[int]:
    """Create ``categories`` (each parent listed before its children); return their ids in order.

    One flush per level: a child needs its parent's id.
    """
    created: dict[int, Category] = {}
    for level in sorted({category.level for category in categories}):
        batch: dict[int, Category] = {}
        for index, category in enumerate(categories):
            if category.level != level:
                continue
            parent_id = (
                created[category.parent_index].id
                if category.parent_index is not None
                else category.parent_id
            )
            batch[index] = Category(
                name=category.name,
                level=category.level,
                parent_id=parent_id,
                parent_level=None if parent_id is None else category.level - 1,
                metadata_={},
            )
        session.add_all(batch.values())
        session.flush()
        created.update(batch)
    return [created[index].id for index in range(len(categories))]


def insert_chunks(session: Session, source_id: str, chunks: Sequence[NewChunk]) -> list[int]:
    """Store ``chunks`` of ``source_id``; return their ids in order."""
    rows = [
        Chunk(
            content=chunk.content,
            token_count=chunk.token_count,
            category_id=chunk.category_id,
            source_id=source_id,
            position=chunk.position,
            start_offset=chunk.start_offset,
            end_offset=chunk.end_offset,
            metadata_=chunk.metadata,
        )
        for chunk in chunks
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


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
    _prune(session, touched)


def _prune(session: Session, category_ids: set[int]) -> None:
    """Delete the given categories and their ancestors once they hold no chunk and no child."""
    candidates = set(category_ids)
    while candidates:
        child = Category.__table__.alias("child")
        empty = list(
            session.execute(
                select(Category.id, Category.parent_id).where(
                    Category.id.in_(sorted(candidates)),
                    ~exists().where(Chunk.category_id == Category.id),
                    ~exists().where(child.c.parent_id == Category.id),
                )
            )
        )
        if not empty:
            return
        session.execute(delete(Category).where(Category.id.in_([row[0] for row in empty])))
        candidates = {row[1] for row in empty if row[1] is not None}


def load_source_chunks(session: Session, source_id: str) -> list[ChunkRecord]:
    """The chunks of a source in order, each with its category path."""
    rows = list(
        session.scalars(select(Chunk).where(Chunk.source_id == source_id).order_by(Chunk.position))
    )
    paths = category_paths(load_categories(session)) if rows else {}
    return [
        ChunkRecord(
            id=row.id,
            position=row.position,
            content=row.content,
            token_count=row.token_count,
            start_offset=row.start_offset,
            end_offset=row.end_offset,
            category_id=row.category_id,
            category_path=paths.get(row.category_id, ()),
        )
        for row in rows
    ]
