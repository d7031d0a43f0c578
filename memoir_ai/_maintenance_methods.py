"""The methods of :class:`~memoir_ai.memoir.MemoirAI` that correct the tree, and tidy.

Each is a thin call of :class:`~memoir_ai.maintenance.service.TreeMaintenance`
(or :class:`~memoir_ai.maintenance.tidy.TidyPlanner`) after opening the memory
for changes (a missing database is refused, not created); the change is
recorded with the instance's ``front_door``. They reach
:class:`~memoir_ai.memoir.MemoirAI` as a base class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.database.opened import OpenedMemory
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.maintenance.results import CategoryChange, FrontDoor, TidyPlan
    from memoir_ai.maintenance.service import TreeMaintenance

__all__ = ["MaintenanceMethods"]


class MaintenanceMethods:
    """Rename, merge, move, refile, prune, history, undo and tidy (a base of ``MemoirAI``)."""

    config: MemoirAIConfig
    database: DatabaseManager
    front_door: FrontDoor
    _memory: OpenedMemory

    if TYPE_CHECKING:

        @property
        def agents(self) -> AgentFactory:
            """The agents that call the model (defined by ``MemoirAI``)."""

        async def _remember_output_mode(self) -> None:
            """Keep the output mode that worked (defined by ``MemoirAI``)."""

    def rename_category(self, category: int | str, new_name: str) -> CategoryChange:
        """Rename a category (by id, or path like ``"Astronomy > Moon & Half"``); one change.

        Raises:
            CategoryNotFoundError: no category, or several, match ``category``.
            TreeChangeError: a sibling already has ``new_name`` (merge them instead).
        """
        return self._maintenance().rename(category, new_name)

    def merge_categories(self, source: int | str, into: int | str) -> CategoryChange:
        """Merge ``source`` into ``into`` (same level): children recursively, chunks moved.

        A child name present on both sides becomes one category; the emptied
        ``source`` categories are removed. One transaction, recorded, undoable.
        """
        return self._maintenance().merge(source, into)

    def move_category(self, category: int | str, new_parent: int | str) -> CategoryChange:
        """Move a category and its subtree under ``new_parent``, one level up (depths kept)."""
        return self._maintenance().move(category, new_parent)

    def move_chunks(self, chunk_ids: Sequence[int], leaf: int | str) -> CategoryChange:
        """File the chunks ``chunk_ids`` under ``leaf``, a category at the tree's last level."""
        return self._maintenance().move_chunks(chunk_ids, leaf)

    def delete_empty_categories(self) -> CategoryChange | None:
        """Delete every category with no chunk below it; None when there is none."""
        return self._maintenance().delete_empty()

    def category_changes(self, limit: int | None = None) -> list[CategoryChange]:
        """The change history of the tree: the most recent ``limit`` changes, oldest first."""
        return self._maintenance(reading=True).history(limit)

    def undo_last_change(self) -> CategoryChange:
        """Revert the most recent change not undone yet, if no row it touched changed since.

        Raises:
            TreeChangeError: nothing to undo, or why the change cannot be undone now.
        """
        return self._maintenance().undo_last()

    async def tidy(self, *, apply: bool = False) -> TidyPlan:
        """Propose merges of near-duplicate siblings (the model decides); ``apply`` makes them.

        The plan lists each merge with its reason; nothing changes without
        ``apply`` (or :meth:`apply_tidy_plan` on a plan a person reviewed).
        """
        import asyncio

        from memoir_ai.maintenance.tidy import TidyPlanner

        config = await asyncio.to_thread(self._memory.open_for_changes)
        try:
            plan = await TidyPlanner(config, self.database, self.agents).propose()
        finally:
            await self._remember_output_mode()
        return await asyncio.to_thread(self.apply_tidy_plan, plan) if apply else plan

    def tidy_sync(self, *, apply: bool = False) -> TidyPlan:
        """:meth:`tidy` for synchronous code (see :func:`memoir_ai._sync.run_sync`)."""
        from memoir_ai._sync import run_sync

        return run_sync(self.tidy(apply=apply))

    def apply_tidy_plan(self, plan: TidyPlan) -> TidyPlan:
        """Carry out the merges of ``plan`` (each a recorded change); return what was done."""
        from memoir_ai.maintenance.tidy import TidyPlanner

        maintenance = self._maintenance()
        return TidyPlanner(maintenance.config, self.database, self.agents).apply(plan, maintenance)

    def _maintenance(self, *, reading: bool = False) -> TreeMaintenance:
        from memoir_ai.maintenance.service import TreeMaintenance

        config = self._memory.open_for_reading() if reading else self._memory.open_for_changes()
        return TreeMaintenance(config, self.database, self.front_door)
