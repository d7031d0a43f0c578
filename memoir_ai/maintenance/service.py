"""Changes to the tree, each one transaction under the tree's lock, recorded, and undoable.

:class:`TreeMaintenance` is what :class:`~memoir_ai.memoir.MemoirAI`'s
maintenance methods delegate to. Every change runs as one unit of work
(:meth:`~memoir_ai.database.engine.DatabaseManager.run`): take the lock an
ingestion takes (:func:`~memoir_ai.database.changes.lock_tree`), read the tree,
resolve the categories named (ids or paths), plan the change
(:mod:`~memoir_ai.maintenance.plans`), check the resulting tree against every
rule, apply it, and record it with the rows before and after in
``category_changes``. A concurrent ingestion waits for the lock, then files
its chunks by path names into the tree as the change left it.

:meth:`TreeMaintenance.undo_last` reverts the most recent change not undone
yet, exactly, and only while every row it touched still reads as the change
left it; otherwise it says which row changed and how.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database import changes as sql
from memoir_ai.database.categories import CategoryRow
from memoir_ai.database.changes import ChangeRow
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.door_words import DoorWords, words_for
from memoir_ai.errors import TreeChangeError, ValidationError
from memoir_ai.maintenance import plans
from memoir_ai.maintenance._tree import CategoryRef, Tree
from memoir_ai.maintenance.results import (
    CategoryChange,
    CategoryState,
    ChunkPlacement,
    FrontDoor,
    TreeState,
)

__all__ = ["TreeMaintenance"]

logger = logging.getLogger(__name__)

Planner = Callable[[Session, Tree], "plans.Transition | None"]


class TreeMaintenance:
    """Renames, merges, moves, refiles and prunes the tree of one database (module docstring)."""

    def __init__(
        self, config: MemoirAIConfig, database: DatabaseManager, front_door: FrontDoor
    ) -> None:
        """Change the tree of ``database`` within ``config``'s depth and limits."""
        self.config = config
        self.database = database
        self.front_door = front_door
        self.words = words_for(front_door)
        self.depth = config.hierarchy_depth
        self.limits = {level: config.category_limit(level) for level in range(1, self.depth + 1)}

    # -- the changes ------------------------------------------------------------------------

    def rename(self, category: CategoryRef, new_name: str) -> CategoryChange:
        """Rename ``category``; see :func:`~memoir_ai.maintenance.plans.rename`."""

        def plan(_session: Session, tree: Tree) -> plans.Transition:
            return plans.rename(tree, tree.resolve(category), new_name)

        return self._required(self._change(plan, f"renaming category {category!r}"))

    def merge(self, source: CategoryRef, into: CategoryRef) -> CategoryChange:
        """Merge ``source`` into ``into``; see :func:`~memoir_ai.maintenance.plans.merge`."""

        def plan(session: Session, tree: Tree) -> plans.Transition:
            old = tree.resolve(source, "the category to merge")
            new = tree.resolve(into, "the category to merge into")
            subtree = [row.id for row in tree.subtree(old.id)] if old.id != new.id else []
            return plans.merge(tree, old, new, sql.chunks_in(session, subtree))

        return self._required(self._change(plan, f"merging {source!r} into {into!r}"))

    def move(self, category: CategoryRef, new_parent: CategoryRef) -> CategoryChange:
        """Move ``category`` under ``new_parent``; see :func:`~memoir_ai.maintenance.plans.move`."""

        def plan(_session: Session, tree: Tree) -> plans.Transition:
            moved = tree.resolve(category, "the category to move")
            return plans.move(tree, moved, tree.resolve(new_parent, "the new parent"))

        return self._required(self._change(plan, f"moving {category!r}"))

    def move_chunks(self, chunk_ids: Sequence[int], leaf: CategoryRef) -> CategoryChange:
        """File ``chunk_ids`` under ``leaf``; see :func:`.plans.move_chunks`."""
        ids = [_chunk_id(value, self.words) for value in chunk_ids]

        def plan(session: Session, tree: Tree) -> plans.Transition:
            target = tree.resolve(leaf, "the leaf to move the chunks to")
            return plans.move_chunks(tree, ids, sql.placements(session, ids), target)

        return self._required(self._change(plan, "moving chunks"))

    def delete_empty(self) -> CategoryChange | None:
        """Delete every category with no chunk below it; None when there was none."""
        return self._change(lambda _session, tree: plans.delete_empty(tree), "deleting empties")

    def history(self, limit: int | None = None) -> list[CategoryChange]:
        """The most recent ``limit`` changes (all by default), oldest first."""
        if limit is not None and limit < 1:
            raise ValidationError(
                f"limit must be a positive number of changes, got {limit}.",
                remedy="pass a limit of 1 or more, or None for every change.",
            )
        rows = self.database.run(
            lambda session: sql.list_changes(session, limit), doing="reading the change history"
        )
        return [_public(row) for row in rows]

    def undo_last(self) -> CategoryChange:
        """Revert the most recent change not undone yet; return it, marked undone.

        Raises:
            TreeChangeError: there is nothing to undo, or a row the change touched
                has changed since (the message names it), or the tree as it is
                now would break a rule (a name taken meanwhile, a full level).
        """
        self._ensure_limit_rows()

        def work(session: Session) -> ChangeRow:
            sql.lock_tree(session, self.depth)
            change = sql.last_change(session)
            if change is None:
                raise TreeChangeError(
                    "There is no change to undo: the change history has none that is not "
                    "undone already.",
                    remedy=f"{self.words.history} lists the changes made and undone.",
                )
            tree = self._tree(session)
            transition = _transition(change)
            _refuse_changed_rows(session, tree, change, transition)
            backwards = transition.reversed()
            plans.check_transition(tree, backwards, undoing=True)
            sql.apply_states(session, backwards.before, backwards.after, backwards.chunk_moves())
            return sql.mark_undone(session, change.id, self.front_door)

        undone = self.database.run(work, doing="undoing the last change")
        logger.info("Undid change %d: %s", undone.id, undone.summary)
        return _public(undone)

    # -- the one way a change is made --------------------------------------------------------

    def _change(self, planner: Planner, doing: str) -> CategoryChange | None:
        self._ensure_limit_rows()

        def work(session: Session) -> ChangeRow | None:
            sql.lock_tree(session, self.depth)  # first: see the module docstring of changes
            tree = self._tree(session)
            transition = planner(session, tree)
            if transition is None:
                return None
            plans.check_transition(tree, transition)
            sql.apply_states(session, transition.before, transition.after, transition.chunk_moves())
            after = Tree(_applied(tree.rows, transition.after), {}, self.depth, words=self.words)
            births = sql.chunk_births(session, list(transition.chunks_before))
            return sql.record_change(
                session,
                operation=transition.operation,
                front_door=self.front_door,
                summary=transition.summary,
                before=_state(tree, transition.before, transition.chunks_before, births),
                after=_state(after, transition.after, transition.chunks_after, births),
            )

        row = self.database.run(work, doing=doing)
        if row is None:
            return None
        logger.info("%s", row.summary)
        return _public(row)

    def _tree(self, session: Session) -> Tree:
        return Tree(
            sql.load_tree(session),
            sql.chunk_counts(session),
            self.depth,
            self.limits,
            where=self.database.masked_url,
            words=self.words,
        )

    def _ensure_limit_rows(self) -> None:
        self.database.run(
            lambda session: sql.ensure_limit_rows(session, self.limits),
            doing="recording the category limits",
        )

    @staticmethod
    def _required(change: CategoryChange | None) -> CategoryChange:
        assert change is not None  # only delete_empty plans nothing
        return change


def _chunk_id(value: object, words: DoorWords) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"A chunk id is a whole number, got {value!r}.",
            remedy=f"give whole numbers: {words.chunk_ids}.",
        )
    return value


def _applied(
    rows: Mapping[int, CategoryRow], after: Mapping[int, CategoryRow | None]
) -> dict[int, CategoryRow]:
    result = dict(rows)
    for category_id, row in after.items():
        if row is None:
            result.pop(category_id, None)
        else:
            result[category_id] = row
    return result


def _state(
    tree: Tree,
    categories: Mapping[int, CategoryRow | None],
    chunks: Mapping[int, int],
    births: Mapping[int, dt.datetime],
) -> dict[str, Any]:
    present = [row for row in categories.values() if row is not None]
    return TreeState(
        categories=tuple(
            CategoryState(
                id=row.id,
                name=row.name,
                level=row.level,
                parent_id=row.parent_id,
                path=tree.path(row.id),
                created_at=row.created_at,
            )
            for row in sorted(present, key=lambda r: (r.level, r.id))
        ),
        chunks=tuple(
            ChunkPlacement(chunk_id=chunk, category_id=category, created_at=births.get(chunk))
            for chunk, category in sorted(chunks.items())
        ),
    ).to_json_data()


def _transition(change: ChangeRow) -> plans.Transition:
    """The recorded change as a transition: every tracked category on both sides (None: absent)."""
    before = TreeState.model_validate(change.before)
    after = TreeState.model_validate(change.after)
    tracked = {c.id for c in before.categories} | {c.id for c in after.categories}

    def rows(state: TreeState) -> dict[int, CategoryRow | None]:
        found: dict[int, CategoryRow | None] = dict.fromkeys(tracked)
        for c in state.categories:
            found[c.id] = CategoryRow(c.id, c.name, c.level, c.parent_id, c.created_at)
        return found

    return plans.Transition(
        change.operation,
        change.summary,
        rows(before),
        rows(after),
        {p.chunk_id: p.category_id for p in before.chunks},
        {p.chunk_id: p.category_id for p in after.chunks},
    )


def _refuse_changed_rows(
    session: Session, tree: Tree, change: ChangeRow, transition: plans.Transition
) -> None:
    """Refuse to undo ``change`` when a row it touched no longer reads as it left it."""
    reasons: list[str] = []
    for category_id, expected in sorted(transition.after.items()):
        now = tree.rows.get(category_id)
        if expected is None and now is not None:
            reasons.append(f"category id {category_id} exists again ({tree.label(category_id)!r})")
        elif expected is not None and now is None:
            reasons.append(f"category {expected.name!r} (id {category_id}) was deleted since")
        elif expected is not None and now is not None and now.created_at != expected.created_at:
            reasons.append(
                f"category {expected.name!r} (id {category_id}) was deleted since, and id "
                f"{category_id} now names another category ({tree.label(category_id)!r})"
            )
        elif expected is not None and now != expected:
            reasons.append(
                f"category id {category_id} was {expected.name!r} at level {expected.level} "
                f"under parent {expected.parent_id}, and is now {tree.label(category_id)!r} "
                f"under parent {now.parent_id if now else None}"
            )
    placed = sql.placements(session, list(transition.chunks_after))
    births = sql.chunk_births(session, list(transition.chunks_after))
    recorded = {p.chunk_id: p.created_at for p in TreeState.model_validate(change.after).chunks}
    for chunk_id, category_id in sorted(transition.chunks_after.items()):
        born = recorded.get(chunk_id)
        if chunk_id not in placed or (born is not None and births[chunk_id] != born):
            reasons.append(f"chunk {chunk_id} was deleted since (its source deleted or replaced)")
        elif placed[chunk_id] != category_id:
            reasons.append(f"chunk {chunk_id} was filed elsewhere since")
    if reasons:
        more = f"; and {len(reasons) - 5} more" if len(reasons) > 5 else ""
        shown = "; ".join(reasons[:5]) + more
        raise TreeChangeError(
            f"Cannot undo change {change.id} ({change.summary}): rows it touched have changed "
            f"since: {shown}.",
            remedy="undo restores only rows nobody changed since; correct the tree by hand "
            f"with rename, move, merge or chunk move ({tree.words.history} shows what "
            "the change did).",
            conflict=True,
        )


def _public(row: ChangeRow) -> CategoryChange:
    return CategoryChange.model_validate(
        {
            "id": row.id,
            "operation": row.operation,
            "front_door": row.front_door,
            "summary": row.summary,
            "created_at": row.created_at,
            "before": row.before,
            "after": row.after,
            "undone_at": row.undone_at,
            "undone_by": row.undone_by,
        }
    )
