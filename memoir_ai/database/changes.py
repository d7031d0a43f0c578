"""The SQL of changes made to the tree by hand: the lock, the rows, applying a change, its history.

Every function takes a session inside the caller's transaction; nothing here
commits. A change is one transaction that starts with :func:`lock_tree`, the
same lock an ingestion's write takes first (the ``category_limits`` rows, level
by level in ascending order, see
:func:`memoir_ai.database.categories.lock_for_ingest`): a row lock on
each on PostgreSQL and MySQL/MariaDB, SQLite's one write lock there. Every
writer of the tree therefore takes the same locks in the same order (no
deadlock between them), waits for the others, and reads the tree only after
the lock, as the last writer committed it (on MySQL the REPEATABLE READ
snapshot starts at the first plain read, which comes after the lock). No
``SELECT … FOR UPDATE`` on the categories is needed: no writer changes them
without holding this lock first.

:func:`apply_states` turns the touched rows from one state into another: it
creates categories (with their old ids, when a change is undone), renames and
moves them, refiles chunks, and deletes the categories that go, in an order
that keeps every constraint true after each statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from memoir_ai.database.categories import CategoryRow, ensure_category_limits
from memoir_ai.database.models import Category, CategoryChange, CategoryLimit, Chunk, utcnow

__all__ = [
    "ChangeRow",
    "apply_states",
    "chunk_births",
    "chunk_counts",
    "chunks_in",
    "ensure_limit_rows",
    "last_change",
    "list_changes",
    "load_tree",
    "lock_tree",
    "mark_undone",
    "placements",
    "record_change",
]


@dataclass(frozen=True)
class ChangeRow:
    """A row of the change history."""

    id: int
    operation: str
    front_door: str
    summary: str
    before: dict[str, Any]
    after: dict[str, Any]
    created_at: dt.datetime
    undone_at: dt.datetime | None
    undone_by: str | None


def ensure_limit_rows(session: Session, limits: Mapping[int, int]) -> None:
    """Create the missing ``category_limits`` rows, so that :func:`lock_tree` has rows to lock.

    Run it in its own transaction before the change (two processes may insert
    the same row at once; the loser finds it there).
    """
    ensure_category_limits(session, limits)


def lock_tree(session: Session, depth: int) -> None:
    """Hold the tree's write lock until the transaction ends; the first statement of a change.

    Rewrites each level's limit with itself, so that the stored limits stay as
    they are (an ingestion writes its configured ones).
    """
    for level in range(1, depth + 1):
        session.execute(
            update(CategoryLimit)
            .where(CategoryLimit.level == level)
            .values(max_categories=CategoryLimit.max_categories)
            .execution_options(synchronize_session=False)
        )


def load_tree(session: Session) -> dict[int, CategoryRow]:
    """Every category by id, parents before children."""
    rows = session.execute(
        select(
            Category.id, Category.name, Category.level, Category.parent_id, Category.created_at
        ).order_by(Category.level, Category.id)
    )
    return {row[0]: CategoryRow(row[0], row[1], row[2], row[3], row[4]) for row in rows}


def chunk_counts(session: Session) -> dict[int, int]:
    """Category id → the chunks filed directly under it (categories without any are left out)."""
    rows = session.execute(
        select(Chunk.category_id, func.count(Chunk.id)).group_by(Chunk.category_id)
    )
    return {category_id: int(count) for category_id, count in rows}


def chunks_in(session: Session, category_ids: Sequence[int]) -> dict[int, int]:
    """Chunk id → category id, for every chunk filed under one of ``category_ids``."""
    if not category_ids:
        return {}
    rows = session.execute(
        select(Chunk.id, Chunk.category_id).where(Chunk.category_id.in_(sorted(category_ids)))
    )
    return {chunk_id: category_id for chunk_id, category_id in rows}


def placements(session: Session, chunk_ids: Sequence[int]) -> dict[int, int]:
    """Chunk id → category id, for those of ``chunk_ids`` that exist."""
    return {
        chunk_id: category_id for chunk_id, (category_id, _) in _chunks(session, chunk_ids).items()
    }


def chunk_births(session: Session, chunk_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """Chunk id → when it was stored, for those of ``chunk_ids`` that exist.

    Tells a chunk from another that took its id after it was deleted.
    """
    return {chunk_id: born for chunk_id, (_, born) in _chunks(session, chunk_ids).items()}


def _chunks(session: Session, chunk_ids: Sequence[int]) -> dict[int, tuple[int, dt.datetime]]:
    found: dict[int, tuple[int, dt.datetime]] = {}
    ids = sorted(set(chunk_ids))
    for start in range(0, len(ids), 500):  # bounded IN lists on every backend
        rows = session.execute(
            select(Chunk.id, Chunk.category_id, Chunk.created_at).where(
                Chunk.id.in_(ids[start : start + 500])
            )
        )
        found.update({chunk_id: (category_id, born) for chunk_id, category_id, born in rows})
    return found


def apply_states(
    session: Session,
    current: Mapping[int, CategoryRow | None],
    target: Mapping[int, CategoryRow | None],
    chunk_moves: Mapping[int, int],
) -> None:
    """Turn the categories of ``current`` into ``target`` and refile chunks (chunk id → category).

    A category None on one side is absent there. Order: create (parents
    first), rename and move (parents first), refile chunks, delete (children
    first), so that parents, levels and leaves are right after every statement.
    """
    created = [row for key, row in target.items() if row is not None and current.get(key) is None]
    for row in sorted(created, key=lambda r: (r.level, r.id)):
        session.execute(
            insert(Category).values(
                id=row.id,
                name=row.name,
                level=row.level,
                parent_id=row.parent_id,
                parent_level=None if row.parent_id is None else row.level - 1,
                metadata_={},
                created_at=row.created_at or utcnow(),
            )
        )
    changed = [
        row
        for key, row in target.items()
        if row is not None and current.get(key) is not None and current[key] != row
    ]
    for row in sorted(changed, key=lambda r: (r.level, r.id)):
        session.execute(
            update(Category)
            .where(Category.id == row.id)
            .values(
                name=row.name,
                level=row.level,
                parent_id=row.parent_id,
                parent_level=None if row.parent_id is None else row.level - 1,
            )
            .execution_options(synchronize_session=False)
        )
    by_category: dict[int, list[int]] = {}
    for chunk_id, category_id in chunk_moves.items():
        by_category.setdefault(category_id, []).append(chunk_id)
    for category_id, chunk_ids in sorted(by_category.items()):
        ids = sorted(chunk_ids)
        for start in range(0, len(ids), 500):
            session.execute(
                update(Chunk)
                .where(Chunk.id.in_(ids[start : start + 500]))
                .values(category_id=category_id)
                .execution_options(synchronize_session=False)
            )
    removed = [row for key, row in current.items() if row is not None and target.get(key) is None]
    for row in sorted(removed, key=lambda r: (-r.level, r.id)):
        session.execute(delete(Category).where(Category.id == row.id))


def record_change(
    session: Session,
    *,
    operation: str,
    front_door: str,
    summary: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> ChangeRow:
    """Add a change to the history; return it as stored."""
    row = CategoryChange(
        operation=operation,
        front_door=front_door,
        summary=summary,
        before=before,
        after=after,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _change(row)


def last_change(session: Session) -> ChangeRow | None:
    """The most recent change not undone yet, or None."""
    row = session.scalars(
        select(CategoryChange)
        .where(CategoryChange.undone_at.is_(None))
        .order_by(CategoryChange.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _change(row)


def list_changes(session: Session, limit: int | None = None) -> list[ChangeRow]:
    """The most recent ``limit`` changes (all by default), oldest first."""
    statement = select(CategoryChange).order_by(CategoryChange.id.desc())
    if limit is not None:
        statement = statement.limit(limit)
    rows = [_change(row) for row in session.scalars(statement)]
    rows.reverse()
    return rows


def mark_undone(session: Session, change_id: int, front_door: str) -> ChangeRow:
    """Record that ``change_id`` was undone now, from ``front_door``; return it."""
    session.execute(
        update(CategoryChange)
        .where(CategoryChange.id == change_id)
        .values(undone_at=utcnow(), undone_by=front_door)
        .execution_options(synchronize_session=False)
    )
    row = session.get(CategoryChange, change_id, populate_existing=True)
    assert row is not None  # the caller holds the tree lock and just read it
    return _change(row)


def _change(row: CategoryChange) -> ChangeRow:
    return ChangeRow(
        id=row.id,
        operation=row.operation,
        front_door=row.front_door,
        summary=row.summary,
        before=dict(row.before),
        after=dict(row.after),
        created_at=row.created_at,
        undone_at=row.undone_at,
        undone_by=row.undone_by,
    )
