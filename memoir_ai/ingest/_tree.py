"""The category tree as ingestion sees it: stored categories plus the ones it plans to create.

:class:`WorkingTree` is pure (no I/O). It is loaded from the database, grows
while chunks are classified, and is rebuilt from the database inside the write
transaction to check the plan again.

Limits are enforced with a little accounting, because a new category is never
alone: a category created at level ``l`` needs a child at every level below
it, down to the leaves. A planned category without children yet is an *open
chain*: it holds one future slot at each deeper level. The effective count of
a level is its categories plus the open chains above it, and a new category
may be created only if every level from its own down stays within its limit.
Filling an open chain (the first child of a planned category) costs nothing
more. So no sequence of accepted names can ever need more categories than the
limits allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the tree stays pure: only the row's shape is needed
    from memoir_ai.database.categories import CategoryRow

__all__ = ["Node", "WorkingTree"]


@dataclass(eq=False)
class Node:
    """A category in the working tree; ``id`` is None while it is only planned."""

    name: str
    level: int
    parent: Node | None
    id: int | None = None
    children: dict[str, Node] = field(default_factory=dict)

    @property
    def planned(self) -> bool:
        """True for a category this ingestion will create."""
        return self.id is None

    @property
    def path(self) -> tuple[str, ...]:
        """Names from level 1 down to this category."""
        names: list[str] = []
        node: Node | None = self
        while node is not None and node.level > 0:
            names.append(node.name)
            node = node.parent
        return tuple(reversed(names))


class WorkingTree:
    """Stored and planned categories, with per-level limits that can never be exceeded."""

    def __init__(self, depth: int, limits: Mapping[int, int]) -> None:
        """An empty tree ``depth`` levels deep; ``limits`` maps each level to its maximum."""
        self.depth = depth
        self.limits = {level: limits[level] for level in range(1, depth + 1)}
        self.root = Node(name="", level=0, parent=None, id=0)
        self._used = {level: 0 for level in range(1, depth + 1)}
        self._open = {level: 0 for level in range(1, depth + 1)}

    @classmethod
    def from_rows(
        cls, rows: Iterable[CategoryRow], depth: int, limits: Mapping[int, int]
    ) -> WorkingTree:
        """The tree of the stored categories (rows deeper than ``depth`` are ignored)."""
        tree = cls(depth, limits)
        by_id: dict[int, Node] = {}
        for row in sorted(rows, key=lambda row: (row.level, row.id)):
            if row.level > depth:
                continue
            parent = tree.root if row.parent_id is None else by_id.get(row.parent_id)
            if parent is None:
                continue
            node = Node(row.name, row.level, parent, id=row.id)
            parent.children[row.name] = node
            by_id[row.id] = node
            tree._used[row.level] += 1
        return tree

    def count(self, level: int) -> int:
        """Stored and planned categories at ``level``."""
        return self._used[level]

    def child_names(self, parent: Node) -> list[str]:
        """The names of ``parent``'s children, stored first then planned, each in order."""
        return list(parent.children)

    def can_create_under(self, parent: Node) -> bool:
        """Whether a new child of ``parent`` fits every limit from its level down."""
        level = parent.level + 1
        if level > self.depth:
            return False
        if self._fills_open_chain(parent):
            return True
        return all(
            self._effective(deeper) + 1 <= self.limits[deeper]
            for deeper in range(level, self.depth + 1)
        )

    def full_levels(self) -> list[int]:
        """Levels where no category can be added anywhere."""
        return [
            level
            for level in range(1, self.depth + 1)
            if self._effective(level) >= self.limits[level]
        ]

    def closed_levels(self) -> list[int]:
        """Levels where no new category can be made: a full level and every level above it.

        A new category needs a new child at every level below it, so a full
        level closes the levels above it too.
        """
        full = self.full_levels()
        return list(range(1, max(full) + 1)) if full else []

    def child(self, parent: Node, name: str) -> Node | None:
        """The child of ``parent`` called exactly ``name``, if any."""
        return parent.children.get(name)

    def get_or_plan(self, parent: Node, name: str) -> Node | None:
        """The child called ``name``, planned if new; None when a new one would break a limit."""
        found = parent.children.get(name)
        if found is not None:
            return found
        if not self.can_create_under(parent):
            return None
        level = parent.level + 1
        if self._fills_open_chain(parent):
            self._open[parent.level] -= 1
        node = Node(name, level, parent)
        parent.children[name] = node
        self._used[level] += 1
        if level < self.depth:
            self._open[level] += 1
        return node

    def place(self, path: Sequence[str]) -> Node | None:
        """The leaf at the end of ``path``, planning what is missing; None if a limit forbids it.

        Nothing is planned when the path is refused: only the first new name can
        fail (everything below it fills its open chain).
        """
        if len(path) != self.depth:
            return None
        node = self.root
        for name in path:
            child = self.get_or_plan(node, name)
            if child is None:
                return None
            node = child
        return node

    def planned(self) -> list[Node]:
        """The planned categories, parents before children."""
        return sorted(
            (node for node in self._walk(self.root) if node.planned), key=lambda n: n.level
        )

    def leaf_paths(self) -> list[tuple[str, ...]]:
        """Every root-to-deepest path (for drawing the tree in a prompt)."""
        return [node.path for node in self._walk(self.root) if not node.children]

    def _fills_open_chain(self, parent: Node) -> bool:
        return parent.level > 0 and parent.planned and not parent.children

    def _effective(self, level: int) -> int:
        return self._used[level] + sum(self._open[above] for above in range(1, level))

    def _walk(self, node: Node) -> Iterator[Node]:
        for child in node.children.values():
            yield child
            yield from self._walk(child)
