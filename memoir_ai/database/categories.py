"""The SQL of categories: the tree, its limits, creating categories and pruning empty ones.

One row type, :class:`CategoryRow`, is what every reader of the tree gets
(ingestion's placement, the query's traversal, browsing). Every function takes
a session inside the caller's transaction; nothing here commits, and every
value reaches the database as a bound parameter. Orders are total (level,
then id), so the same database always gives the same tree.

The limits rows double as the ingestion lock: :func:`lock_for_ingest`, the
first statement of a write transaction, writes the configured limits into
``category_limits``, which locks those rows until commit on PostgreSQL and
MySQL (row locks) and takes SQLite's single write lock. Writers of the same
database therefore run one at a time, and every read after the lock sees what
the previous writer committed (on MySQL the REPEATABLE READ snapshot starts at
the first plain read, which comes after the lock).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from memoir_ai.database import reading
from memoir_ai.database._reads import run_read
from memoir_ai.database.models import Category, CategoryLimit, Chunk
from memoir_ai.database.reading import CategoryRow, TreeNode, category_paths
from memoir_ai.results import CategoryNode, CategoryTree

__all__ = [
    "CategoryRow",
    "NewCategory",
    "categories_at_level",
    "category_paths",
    "category_tree",
    "children_of",
    "ensure_category_limits",
    "holding_chunks",
    "insert_categories",
    "load_categories",
    "load_category_tree",
    "lock_for_ingest",
    "prune_empty",
]


@dataclass(frozen=True)
class NewCategory:
    """A category to create; its parent is an index into the same list or a stored id."""

    name: str
    level: int
    parent_id: int | None = None
    parent_index: int | None = None


_COLUMNS = (Category.id, Category.name, Category.level, Category.parent_id)


def _rows(statement: Select[int, str, int, int | None], session: Session) -> list[CategoryRow]:
    return [
        CategoryRow(id_, name, level, parent_id)
        for id_, name, level, parent_id in session.execute(statement)
    ]


def load_categories(session: Session) -> list[CategoryRow]:
    """Every category, parents before children (level, then id)."""
    return [CategoryRow(*row) for row in run_read(session, reading.CATEGORIES)]


def categories_at_level(session: Session, level: int) -> list[CategoryRow]:
    """Every category at ``level``, by id."""
    return _rows(select(*_COLUMNS).where(Category.level == level).order_by(Category.id), session)


def children_of(session: Session, parent_ids: Sequence[int]) -> dict[int, list[CategoryRow]]:
    """The children of each parent, by id, in one read; parents without children map to []."""
    found: dict[int, list[CategoryRow]] = {parent_id: [] for parent_id in parent_ids}
    if not parent_ids:
        return found
    statement = (
        select(*_COLUMNS)
        .where(Category.parent_id.in_(sorted(set(parent_ids))))
        .order_by(Category.parent_id, Category.id)
    )
    for row in _rows(statement, session):
        if row.parent_id is not None:
            found[row.parent_id].append(row)
    return found


def holding_chunks(
    session: Session, category_ids: Sequence[int], level: int, depth: int
) -> set[int]:
    """Those of ``category_ids`` (all at ``level``) with at least one chunk filed below them.

    Chunks sit on leaves at ``depth``; a category is reached from its leaves by
    ``depth - level`` parent steps, each an indexed join, and ``EXISTS`` stops at
    the first chunk found.
    """
    if not category_ids:
        return set()
    ids = sorted(set(category_ids))
    return set(session.scalars(_holding_statement(level, depth), {"ids": ids}))


@functools.lru_cache(maxsize=64)
def _holding_statement(level: int, depth: int) -> Select[int]:
    """The statement of :func:`holding_chunks`, built once per level and depth (ids bound)."""
    top = aliased(Category)
    if level >= depth:
        below = select(Chunk.id).where(Chunk.category_id == top.id)
    else:
        chain = [aliased(Category) for _ in range(depth - level)]  # level + 1 .. depth
        below = select(Chunk.id).join(chain[-1], Chunk.category_id == chain[-1].id)
        for upper, lower in reversed(list(zip(chain, chain[1:], strict=False))):
            below = below.join(upper, lower.parent_id == upper.id)  # one step up from lower
        below = below.where(chain[0].parent_id == top.id)
    return select(top.id).where(top.id.in_(bindparam("ids", expanding=True)), below.exists())


def load_category_tree(session: Session) -> CategoryTree:
    """The tree with chunk counts; siblings in name order."""
    return category_tree(reading.build_tree(run_read(session, reading.TREE)))


def category_tree(roots: Sequence[TreeNode]) -> CategoryTree:
    """The public :class:`~memoir_ai.results.CategoryTree` of the tree's rows."""

    def node(row: TreeNode) -> CategoryNode:
        return CategoryNode(
            id=row.id,
            name=row.name,
            level=row.level,
            parent_id=row.parent_id,
            chunk_count=row.chunk_count,
            total_chunks=row.total_chunks,
            children=tuple(node(child) for child in row.children),
        )

    return CategoryTree(roots=tuple(node(root) for root in roots))


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


def prune_empty(session: Session, category_ids: set[int]) -> None:
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
