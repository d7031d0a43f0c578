"""The read queries behind browsing a memory: the tree, sources, one chunk, the call log.

Also the one write a user makes while browsing: deleting a source with its
helper history. Every function takes a session; the caller owns the
transaction. Results are the public models of :mod:`memoir_ai.results`, never
ORM rows, so nothing that leaves this module needs an open session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from memoir_ai.database.ingest_repository import category_paths, delete_source, load_categories
from memoir_ai.database.models import (
    Chunk,
    ContextualHelper,
    ContextualHelperVersion,
    LLMCall,
    Source,
)
from memoir_ai.results import CategoryNode, CategoryTree, ChunkDetail, LoggedCall, SourceSummary

__all__ = [
    "get_chunk",
    "list_logged_calls",
    "list_sources",
    "load_category_tree",
    "remove_source",
]


def load_category_tree(session: Session) -> CategoryTree:
    """The tree with chunk counts; siblings in name order."""
    categories = load_categories(session)
    direct: dict[int, int] = {
        category_id: int(count)
        for category_id, count in session.execute(
            select(Chunk.category_id, func.count(Chunk.id)).group_by(Chunk.category_id)
        )
    }
    children: dict[int | None, list[int]] = {}
    by_id = {category.id: category for category in categories}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category.id)

    def build(category_id: int) -> CategoryNode:
        category = by_id[category_id]
        kids = tuple(
            sorted(
                (build(child) for child in children.get(category_id, [])),
                key=lambda node: (node.name.casefold(), node.id),
            )
        )
        own = direct.get(category_id, 0)
        return CategoryNode(
            id=category.id,
            name=category.name,
            level=category.level,
            parent_id=category.parent_id,
            chunk_count=own,
            total_chunks=own + sum(kid.total_chunks for kid in kids),
            children=kids,
        )

    roots = sorted(
        (build(root) for root in children.get(None, [])),
        key=lambda node: (node.name.casefold(), node.id),
    )
    return CategoryTree(roots=tuple(roots))


def list_sources(session: Session) -> list[SourceSummary]:
    """Every stored source, oldest first."""
    counts = (
        select(
            Chunk.source_id,
            func.count(Chunk.id).label("chunks"),
            func.coalesce(func.sum(Chunk.token_count), 0).label("tokens"),
        )
        .group_by(Chunk.source_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Source.source_id,
            Source.title,
            Source.metadata_,
            func.coalesce(counts.c.chunks, 0),
            func.coalesce(counts.c.tokens, 0),
            ContextualHelper.version,
            Source.created_at,
        )
        .outerjoin(counts, counts.c.source_id == Source.source_id)
        .outerjoin(ContextualHelper, ContextualHelper.source_id == Source.source_id)
        .order_by(Source.created_at, Source.id)
    )
    return [
        SourceSummary(
            source_id=source_id,
            title=_title(title, metadata),
            chunk_count=int(chunks),
            token_count=int(tokens),
            helper_version=version,
            created_at=created_at,
        )
        for source_id, title, metadata, chunks, tokens, version, created_at in rows
    ]


def _title(stored: str | None, metadata: dict[str, Any] | None) -> str | None:
    """The source's title, else the one its metadata gives (``memoir ingest`` puts it there)."""
    if stored:
        return stored
    given = (metadata or {}).get("title")
    return given if isinstance(given, str) and given.strip() else None


def get_chunk(session: Session, chunk_id: int) -> ChunkDetail | None:
    """The chunk ``chunk_id`` with its category path, or None when there is none."""
    row = session.get(Chunk, chunk_id)
    if row is None:
        return None
    return _detail(row, category_paths(load_categories(session)).get(row.category_id, ()))


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


def list_logged_calls(
    session: Session, *, source_id: str | None = None, limit: int | None = None
) -> list[LoggedCall]:
    """The most recent ``limit`` calls (all without a limit), shown oldest first."""
    statement = select(LLMCall).order_by(LLMCall.started_at.desc(), LLMCall.id.desc())
    if source_id is not None:
        statement = statement.where(LLMCall.source_id == source_id)
    if limit is not None:
        statement = statement.limit(limit)
    rows = list(session.scalars(statement))
    rows.reverse()
    # The public result's fields are a subset of the row's columns: read them by name.
    return [LoggedCall.model_validate(row, from_attributes=True) for row in rows]


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
    session.execute(
        delete(ContextualHelperVersion).where(ContextualHelperVersion.source_id == source_id)
    )
    session.execute(delete(ContextualHelper).where(ContextualHelper.source_id == source_id))
    delete_source(session, source_id)
    return chunks
