"""The SQL of contextual helpers: a source's helper in force, its versions, helpers by subtree.

``contextual_helpers`` holds one row per source, the helper in force;
``contextual_helper_versions`` holds every helper ever created for a source,
the current one included, numbered 1, 2, 3, ... Both are written together by
:func:`store_helper`, inside the caller's transaction, so the current row and
the newest version always agree. Every read gives the public
:class:`~memoir_ai.results.StoredHelper` (the helper in force is dated by its
last change).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Executable, bindparam, delete, exists, func, select, true
from sqlalchemy.orm import Session, aliased

from memoir_ai.database.models import Category, Chunk, ContextualHelper, ContextualHelperVersion
from memoir_ai.results import StoredHelper

if TYPE_CHECKING:
    from memoir_ai.database.engine import DatabaseManager

__all__ = [
    "StoredHelper",
    "delete_helpers",
    "get_helper",
    "helpers_of_sources",
    "helpers_under",
    "list_helper_versions",
    "store_helper",
    "write_with_retry",
]

ResultT = TypeVar("ResultT")

# The columns of the helper in force, in StoredHelper's field order.
_CURRENT = (
    ContextualHelper.source_id,
    ContextualHelper.helper_text,
    ContextualHelper.token_count,
    ContextualHelper.is_user_provided,
    ContextualHelper.version,
    ContextualHelper.updated_at,
)


def _current(values: Sequence[Any]) -> StoredHelper:
    source_id, text, tokens, user, version, changed = values
    return StoredHelper(
        source_id=source_id,
        helper_text=text,
        token_count=tokens,
        is_user_provided=user,
        version=version,
        created_at=changed,
    )


def get_helper(session: Session, source_id: str) -> StoredHelper | None:
    """The helper in force for ``source_id``, or None when it has none."""
    row = session.execute(
        select(*_CURRENT).where(ContextualHelper.source_id == source_id)
    ).one_or_none()
    return None if row is None else _current(row)


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
    current = session.scalar(
        select(ContextualHelper).where(ContextualHelper.source_id == source_id).with_for_update()
    )
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


def delete_helpers(session: Session, source_id: str) -> None:
    """Remove the helper of ``source_id`` and its whole history."""
    session.execute(
        delete(ContextualHelperVersion).where(ContextualHelperVersion.source_id == source_id)
    )
    session.execute(delete(ContextualHelper).where(ContextualHelper.source_id == source_id))


def write_with_retry(database: DatabaseManager, write: Callable[[Session], ResultT]) -> ResultT:
    """Run ``write`` in one transaction; start again when a concurrent writer collided.

    Two writers of one source may pick the same next version, or (on MySQL)
    deadlock on the gap where its first row goes: the loser's transaction is
    rolled back whole and run again (:meth:`DatabaseManager.run`, bounded backoff).
    """
    return database.run(write, doing="storing a contextual helper", duplicates_collide=True)


def helpers_under(
    session: Session,
    parent_ids: Sequence[int],
    *,
    parent_level: int,
    depth: int,
    limit: int,
) -> dict[int, list[StoredHelper]]:
    """For each parent, the helpers of the sources with chunks under it (by source id, ≤ limit).

    All parents must sit at ``parent_level``; chunks live at ``depth``. One read.
    """
    found: dict[int, list[StoredHelper]] = {parent_id: [] for parent_id in parent_ids}
    if not parent_ids or parent_level >= depth:
        return found
    ids = sorted(set(parent_ids))
    for parent_id, *values in session.execute(_under_statement(parent_level, depth), {"ids": ids}):
        if len(found[parent_id]) < limit:
            found[parent_id].append(_current(values))
    return found


@functools.lru_cache(maxsize=64)
def _under_statement(parent_level: int, depth: int) -> Executable:
    """The statement of :func:`helpers_under`, built once per level and depth (ids bound)."""
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
    return (
        select(parent.id, *_CURRENT)
        .select_from(parent)
        .join(ContextualHelper, true())  # every helper is a candidate for every parent
        .where(parent.id.in_(bindparam("ids", expanding=True)), exists(under))
        .order_by(parent.id, ContextualHelper.source_id)
    )


def helpers_of_sources(
    session: Session, source_ids: Sequence[str] | None, limit: int | None = None
) -> list[StoredHelper]:
    """The helpers of ``source_ids`` (every source's when None), by source id."""
    statement = select(*_CURRENT).order_by(ContextualHelper.source_id)
    if source_ids is not None:
        if not source_ids:
            return []
        statement = statement.where(ContextualHelper.source_id.in_(sorted(set(source_ids))))
    if limit is not None:
        statement = statement.limit(limit)
    return [_current(row) for row in session.execute(statement)]


def _from_version(row: ContextualHelperVersion) -> StoredHelper:
    return StoredHelper(
        source_id=row.source_id,
        version=row.version,
        helper_text=row.helper_text,
        token_count=row.token_count,
        is_user_provided=row.is_user_provided,
        created_at=row.created_at,
    )
