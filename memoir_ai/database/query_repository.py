"""The SQL a query needs: the tree level by level, one leaf's chunks, and the sources' helpers.

Every function takes a session and only reads; every value reaches the
database as a bound parameter (names, questions and ids are never pasted into
SQL). Orders are total, so the same database always gives the same answer:
categories by id, chunks by ``created_at`` then ``id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, or_, select, true
from sqlalchemy.orm import Session, aliased

from memoir_ai.database.models import Category, Chunk, ContextualHelper

__all__ = [
    "CategoryNode",
    "ChunkCursor",
    "SourceHelper",
    "StoredChunk",
    "categories_at_level",
    "children_of",
    "helpers_of_sources",
    "helpers_under",
    "load_tree",
    "read_leaf_chunks",
]


@dataclass(frozen=True)
class CategoryNode:
    """A category as the traversal sees it."""

    id: int
    name: str
    level: int
    parent_id: int | None


@dataclass(frozen=True)
class StoredChunk:
    """A chunk read for a query."""

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


@dataclass(frozen=True)
class SourceHelper:
    """The contextual helper of a source."""

    source_id: str
    helper_text: str
    token_count: int


def _nodes(statement: Select[int, str, int, int | None], session: Session) -> list[CategoryNode]:
    return [
        CategoryNode(id_, name, level, parent_id)
        for id_, name, level, parent_id in session.execute(statement)
    ]


def categories_at_level(session: Session, level: int) -> list[CategoryNode]:
    """Every category at ``level``, by id."""
    return _nodes(
        select(Category.id, Category.name, Category.level, Category.parent_id)
        .where(Category.level == level)
        .order_by(Category.id),
        session,
    )


def children_of(session: Session, parent_ids: Sequence[int]) -> dict[int, list[CategoryNode]]:
    """The children of each parent, by id, in one read; parents without children map to []."""
    found: dict[int, list[CategoryNode]] = {parent_id: [] for parent_id in parent_ids}
    if not parent_ids:
        return found
    statement = (
        select(Category.id, Category.name, Category.level, Category.parent_id)
        .where(Category.parent_id.in_(sorted(set(parent_ids))))
        .order_by(Category.parent_id, Category.id)
    )
    for node in _nodes(statement, session):
        if node.parent_id is not None:
            found[node.parent_id].append(node)
    return found


def load_tree(session: Session) -> list[CategoryNode]:
    """Every category, parents before children (level, then id)."""
    return _nodes(
        select(Category.id, Category.name, Category.level, Category.parent_id).order_by(
            Category.level, Category.id
        ),
        session,
    )


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


def helpers_under(
    session: Session,
    parent_ids: Sequence[int],
    *,
    parent_level: int,
    depth: int,
    limit: int,
) -> dict[int, list[SourceHelper]]:
    """For each parent, the helpers of the sources with chunks under it (by source id, ≤ limit).

    All parents must sit at ``parent_level``; chunks live at ``depth``. One read.
    """
    found: dict[int, list[SourceHelper]] = {parent_id: [] for parent_id in parent_ids}
    if not parent_ids or parent_level >= depth:
        return found
    parent = aliased(Category, name="parent")
    leaf = aliased(Category, name="leaf")
    under = select(Chunk.id).join(leaf, leaf.id == Chunk.category_id)
    lowest = leaf
    for _ in range(depth - parent_level - 1):
        above = aliased(Category)
        under = under.join(above, above.id == lowest.parent_id)
        lowest = above
    under = under.where(
        Chunk.source_id == ContextualHelper.source_id, lowest.parent_id == parent.id
    )
    statement = (
        select(
            parent.id,
            ContextualHelper.source_id,
            ContextualHelper.helper_text,
            ContextualHelper.token_count,
        )
        .select_from(parent)
        .join(ContextualHelper, true())  # every helper is a candidate for every parent
        .where(parent.id.in_(sorted(set(parent_ids))), exists(under))
        .order_by(parent.id, ContextualHelper.source_id)
    )
    for parent_id, source_id, text, tokens in session.execute(statement):
        if len(found[parent_id]) < limit:
            found[parent_id].append(SourceHelper(source_id, text, tokens))
    return found


def helpers_of_sources(
    session: Session, source_ids: Sequence[str] | None, limit: int | None = None
) -> list[SourceHelper]:
    """The helpers of ``source_ids`` (every source's when None), by source id."""
    statement = select(
        ContextualHelper.source_id, ContextualHelper.helper_text, ContextualHelper.token_count
    ).order_by(ContextualHelper.source_id)
    if source_ids is not None:
        if not source_ids:
            return []
        statement = statement.where(ContextualHelper.source_id.in_(sorted(set(source_ids))))
    if limit is not None:
        statement = statement.limit(limit)
    return [
        SourceHelper(source_id, text, tokens)
        for source_id, text, tokens in session.execute(statement)
    ]
