"""The tree as a change sees it after taking the lock: rows, chunk counts, paths, references.

Pure: built from rows read in the change's transaction, it answers the
questions the plans ask (children, paths, totals) and resolves what a person
typed — an id or a path such as ``"Astronomy > Moon & Half"`` — to one category.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from memoir_ai.category_paths import CategoryRef, find_by_path
from memoir_ai.database.categories import CategoryRow
from memoir_ai.door_words import PYTHON_WORDS, DoorWords
from memoir_ai.errors import CategoryNotFoundError

__all__ = ["CategoryRef", "Tree"]


@dataclass
class Tree:
    """The stored categories by id, the chunks filed directly under each, and the rules.

    ``words`` are the caller's front door's (:mod:`memoir_ai.door_words`): every
    refusal of a change names that door's listings and actions.
    """

    rows: Mapping[int, CategoryRow]
    counts: Mapping[int, int]
    depth: int
    limits: Mapping[int, int] = field(default_factory=dict)
    where: str = "the memory"
    words: DoorWords = PYTHON_WORDS

    @cached_property
    def children_of(self) -> dict[int | None, list[CategoryRow]]:
        """Parent id (None: the top level) → its children, by name."""
        found: dict[int | None, list[CategoryRow]] = {}
        for row in self.rows.values():
            found.setdefault(row.parent_id, []).append(row)
        for rows in found.values():
            rows.sort(key=lambda r: (r.name.casefold(), r.id))
        return found

    def children(self, category_id: int | None) -> list[CategoryRow]:
        """The children of ``category_id`` (None: the level-1 categories)."""
        return self.children_of.get(category_id, [])

    def path(self, category_id: int) -> tuple[str, ...]:
        """The names from level 1 down to ``category_id``."""
        names: list[str] = []
        current: int | None = category_id
        while current is not None:
            row = self.rows[current]
            names.append(row.name)
            current = row.parent_id
        return tuple(reversed(names))

    def label(self, category_id: int) -> str:
        """The path as people read it: ``A > B > C``."""
        return " > ".join(self.path(category_id))

    def subtree(self, category_id: int) -> list[CategoryRow]:
        """``category_id`` and every category below it, parents first."""
        found = [self.rows[category_id]]
        index = 0
        while index < len(found):
            found.extend(self.children(found[index].id))
            index += 1
        return found

    def total(self, category_id: int) -> int:
        """The chunks filed anywhere in the subtree of ``category_id``."""
        return sum(self.counts.get(row.id, 0) for row in self.subtree(category_id))

    def resolve(self, reference: CategoryRef, role: str = "category") -> CategoryRow:
        """The one category ``reference`` names (an id, or a path read from the top level).

        A path that does not start at the top level is accepted when it ends
        the path of exactly one category.

        Raises:
            CategoryNotFoundError: no category has that id or path, or a partial
                path ends the paths of several (the message lists them with ids).
        """
        if isinstance(reference, int) and not isinstance(reference, bool):
            row = self.rows.get(reference)
            if row is None:
                raise CategoryNotFoundError(
                    f"There is no category with id {reference} ({role}) in {self.where}.",
                    remedy=f"{self.words.tree} shows every category's id; or name the "
                    "category by its path, e.g. 'Astronomy > Moon'.",
                )
            return row
        found = find_by_path(
            str(reference),
            ((self.path(row.id), row.id) for row in self.rows.values()),
            context=f" ({role}) in {self.where}",
            listing=self.words.tree,
        )
        return self.rows[found]
