"""The traversal's view of the database: each method is one short read in a worker thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from memoir_ai.database.categories import (
    CategoryRow,
    categories_at_level,
    children_of,
    holding_chunks,
)
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.helpers import helpers_of_sources, helpers_under
from memoir_ai.results import StoredHelper

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["DatabaseTreeReader"]

T = TypeVar("T")
InThread = Callable[..., Awaitable[Any]]


class DatabaseTreeReader:
    """Implements :class:`~memoir_ai.query.traversal.TreeReader` over one database.

    ``in_thread`` runs a blocking function off the event loop; each read is one
    unit of :meth:`~memoir_ai.database.engine.DatabaseManager.run` (re-run when
    the connection was lost), and none outlives its read, so no transaction is
    open while the model is called.
    """

    def __init__(
        self, database: DatabaseManager, depth: int, helpers_per_prompt: int, in_thread: InThread
    ) -> None:
        """Read from ``database`` (a tree ``depth`` deep), at most ``helpers_per_prompt`` each."""
        self.database = database
        self.depth = depth
        self.helpers_per_prompt = helpers_per_prompt
        self.in_thread = in_thread

    def _read(self, doing: str, function: Callable[..., T], *args: Any) -> T:
        # One unit of work each: a lost connection re-runs the read (DatabaseManager.run).
        return self.database.run(lambda session: function(session, *args), doing=doing)

    async def roots(self) -> list[CategoryRow]:
        """The level-1 categories with chunks below them, by id."""
        found: list[CategoryRow] = await self.in_thread(
            self._read, "reading the level-1 categories", self._roots
        )
        return found

    async def children(self, parent_ids: Sequence[int]) -> dict[int, list[CategoryRow]]:
        """The children of every parent that hold chunks below them, in one read."""
        found: dict[int, list[CategoryRow]] = await self.in_thread(
            self._read, "reading the candidate categories", self._children, parent_ids
        )
        return found

    # A category with no chunk below it (left empty by a correction until
    # `memoir category delete-empty`) is never a candidate: choosing it could
    # only lead to an empty leaf.

    def _roots(self, session: Session) -> list[CategoryRow]:
        rows = categories_at_level(session, 1)
        keep = holding_chunks(session, [row.id for row in rows], 1, self.depth)
        return [row for row in rows if row.id in keep]

    def _children(
        self, session: Session, parent_ids: Sequence[int]
    ) -> dict[int, list[CategoryRow]]:
        found = children_of(session, parent_ids)
        by_level: dict[int, list[int]] = {}
        for rows in found.values():
            for row in rows:
                by_level.setdefault(row.level, []).append(row.id)
        keep: set[int] = set()
        for level, ids in by_level.items():
            keep |= holding_chunks(session, ids, level, self.depth)
        return {parent: [row for row in rows if row.id in keep] for parent, rows in found.items()}

    async def helpers(self, parent_ids: Sequence[int], level: int) -> dict[int, list[str]]:
        """The helpers of the sources with chunks under each parent (at ``level``), in one read."""

        def read() -> dict[int, list[StoredHelper]]:
            return self.database.run(
                lambda session: helpers_under(
                    session,
                    parent_ids,
                    parent_level=level,
                    depth=self.depth,
                    limit=self.helpers_per_prompt,
                ),
                doing="reading the contextual helpers under the candidates",
            )

        found: dict[int, list[StoredHelper]] = await self.in_thread(read)
        return {parent: [helper.helper_text for helper in items] for parent, items in found.items()}

    async def root_helpers(self) -> list[str]:
        """The helpers shown with the level-1 candidates: the first sources by id."""
        found: list[StoredHelper] = await self.in_thread(
            self._read,
            "reading the contextual helpers",
            helpers_of_sources,
            None,
            self.helpers_per_prompt,
        )
        return [helper.helper_text for helper in found]
