"""The SQL of chunks: storing a source's chunks, reading one leaf's page, one chunk, one source's.

A chunk read whole is the public :class:`~memoir_ai.results.ChunkDetail`
(with its category path). A query reads the narrower :class:`StoredChunk`, only
the columns ranking and citing need, since it may read many per question.
Every function takes a session inside the caller's transaction; nothing here
commits. Orders are total: a leaf's chunks by ``created_at`` then ``id``, a
source's by position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from memoir_ai.database import reading
from memoir_ai.database._reads import run_read
from memoir_ai.database.categories import category_paths, load_categories
from memoir_ai.database.models import Chunk
from memoir_ai.database.reading import ChunkRow
from memoir_ai.results import ChunkDetail

__all__ = [
    "ChunkCursor",
    "NewChunk",
    "StoredChunk",
    "chunk_detail",
    "chunks_under",
    "get_chunk",
    "insert_chunks",
    "read_leaf_chunks",
    "source_chunks",
]


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
class StoredChunk:
    """A chunk as a query reads it: what ranking, fitting and citing need."""

    id: int
    content: str
    token_count: int
    source_id: str
    category_id: int
    created_at: dt.datetime


@dataclass(frozen=True)
class ChunkCursor:
    """Where a page of a leaf's chunks ended: resume strictly after this (created_at, id)."""

    created_at: dt.datetime
    id: int

    @classmethod
    def after(cls, chunk: StoredChunk) -> ChunkCursor:
        """The cursor that resumes after ``chunk``."""
        return cls(chunk.created_at, chunk.id)


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


def read_leaf_chunks(
    session: Session,
    leaf_id: int,
    *,
    limit: int | None = None,
    offset: int = 0,
    after: ChunkCursor | None = None,
) -> list[StoredChunk]:
    """The chunks filed under ``leaf_id``, oldest first (``created_at``, then ``id``).

    Pages keep that order either way: ``limit``/``offset``, or ``limit`` with
    ``after`` (keyset pagination: the rows strictly after a cursor, which stays
    fast deep into a large leaf and is stable while rows are added).
    """
    statement = (
        select(
            Chunk.id,
            Chunk.content,
            Chunk.token_count,
            Chunk.source_id,
            Chunk.category_id,
            Chunk.created_at,
        )
        .where(Chunk.category_id == leaf_id)
        .order_by(Chunk.created_at, Chunk.id)
    )
    if after is not None:
        statement = statement.where(
            or_(
                Chunk.created_at > after.created_at,
                and_(Chunk.created_at == after.created_at, Chunk.id > after.id),
            )
        )
    if offset:
        statement = statement.offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return [
        StoredChunk(id_, content, tokens, source_id, category_id, created_at)
        for id_, content, tokens, source_id, category_id, created_at in session.execute(statement)
    ]


def get_chunk(session: Session, chunk_id: int) -> ChunkDetail | None:
    """The chunk ``chunk_id`` with its category path, or None when there is none."""
    found = run_read(session, reading.CHUNK, chunk_id=chunk_id)
    if not found:
        return None
    paths = category_paths(load_categories(session))
    return chunk_detail(reading.chunk_row(found[0], paths.get(int(found[0][7]), ())))


def chunk_detail(row: ChunkRow) -> ChunkDetail:
    """The public :class:`~memoir_ai.results.ChunkDetail` of a chunk read whole."""
    return ChunkDetail(**asdict(row))


def source_chunks(session: Session, source_id: str) -> list[ChunkDetail]:
    """The chunks of ``source_id`` in text order (none when the source is not stored)."""
    rows = list(
        session.scalars(
            select(Chunk).where(Chunk.source_id == source_id).order_by(Chunk.position, Chunk.id)
        )
    )
    if not rows:
        return []
    paths = category_paths(load_categories(session))
    return [_detail(row, paths.get(row.category_id, ())) for row in rows]


def chunks_under(session: Session, category_id: int) -> list[ChunkDetail] | None:
    """The chunks filed in the subtree of ``category_id`` (a leaf: its own), oldest first.

    Ordered as a query reads a leaf (``created_at``, then id); None when there
    is no such category.
    """
    categories = load_categories(session)
    if not any(category.id == category_id for category in categories):
        return None
    below = {category_id}
    for category in categories:  # parents come before their children
        if category.parent_id in below:
            below.add(category.id)
    paths = category_paths(categories)
    rows = session.scalars(
        select(Chunk).where(Chunk.category_id.in_(below)).order_by(Chunk.created_at, Chunk.id)
    )
    return [_detail(row, paths.get(row.category_id, ())) for row in rows]


def _detail(row: Chunk, path: tuple[str, ...]) -> ChunkDetail:
    return ChunkDetail(
        id=row.id,
        content=row.content,
        token_count=row.token_count,
        source_id=row.source_id,
        position=row.position,
        start_offset=row.start_offset,
        end_offset=row.end_offset,
        category_id=row.category_id,
        category_path=path,
        created_at=row.created_at,
        metadata=dict(row.metadata_ or {}),
    )
