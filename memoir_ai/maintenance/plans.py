"""What each change does to the tree, worked out before anything is written (pure).

A plan turns the :class:`~memoir_ai.maintenance._tree.Tree` read under the lock
into a :class:`Transition`: the touched categories before and after (None:
absent), the touched chunks before and after, and a one-line summary. The
same transition, read backwards, is the undo. :func:`check_transition` proves
the tree that results keeps every rule of the tree — parents one level up,
depth, unique sibling names, chunks on leaves, level limits — before a single
statement runs, so a refusal says which rule and never leaves half a change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from memoir_ai.database.categories import CategoryRow
from memoir_ai.errors import NotFoundError, TreeChangeError, ValidationError
from memoir_ai.maintenance._tree import Tree

__all__ = [
    "Transition",
    "check_transition",
    "delete_empty",
    "merge",
    "move",
    "move_chunks",
    "rename",
]


def _merge_hint(tree: Tree) -> str:
    return f"merge the two with {tree.words.merge} instead"


@dataclass
class Transition:
    """The rows a change touches, before and after, and what it is called."""

    operation: str
    summary: str = ""
    before: dict[int, CategoryRow | None] = field(default_factory=dict)
    after: dict[int, CategoryRow | None] = field(default_factory=dict)
    chunks_before: dict[int, int] = field(default_factory=dict)
    chunks_after: dict[int, int] = field(default_factory=dict)

    def keep(self, tree: Tree, *category_ids: int | None) -> None:
        """Track categories the change leaves as they are (undo checks them too)."""
        for category_id in category_ids:
            if category_id is not None and category_id not in self.before:
                row = tree.rows[category_id]
                self.before[category_id] = self.after[category_id] = row

    def set(self, tree: Tree, row: CategoryRow | None, category_id: int) -> None:
        """Track ``category_id`` and give it its state after the change."""
        if category_id not in self.before:
            self.before[category_id] = tree.rows.get(category_id)
        self.after[category_id] = row

    def chunk_moves(self) -> dict[int, int]:
        """Chunk id → new category, for the chunks that move."""
        return {
            chunk: category
            for chunk, category in self.chunks_after.items()
            if self.chunks_before.get(chunk) != category
        }

    def reversed(self) -> Transition:
        """The transition that undoes this one."""
        return Transition(
            self.operation,
            self.summary,
            dict(self.after),
            dict(self.before),
            dict(self.chunks_after),
            dict(self.chunks_before),
        )


def rename(tree: Tree, category: CategoryRow, new_name: str) -> Transition:
    """Give ``category`` a new name; a sibling holding the name already refuses it."""
    from memoir_ai.llm.schemas import category_name_problem

    name = " ".join(new_name.split())
    problem = category_name_problem(name) if isinstance(new_name, str) else "it is not text"
    if problem is not None:
        raise ValidationError(
            f"{new_name!r} cannot be a category name: {problem}.",
            remedy="give a short name of 1 to 4 words, at most 60 characters.",
        )
    label = tree.label(category.id)
    if name == category.name:
        raise TreeChangeError(
            f"{label!r} is already called {name!r}: nothing to rename.",
            remedy="give a different name.",
        )
    _refuse_sibling(tree, category.parent_id, name, f"rename {label!r} to {name!r}")
    change = Transition("rename")
    change.keep(tree, category.parent_id)
    change.set(tree, replace(category, name=name), category.id)
    change.summary = f"Renamed {label!r} to {name!r}."
    return change


def move(tree: Tree, category: CategoryRow, new_parent: CategoryRow) -> Transition:
    """Put ``category`` (and its subtree, depths unchanged) under a parent one level up."""
    label = tree.label(category.id)
    if category.level == 1:
        raise TreeChangeError(
            f"{label!r} is a top-level category: it has no parent to change.",
            remedy=f"to put its contents under another top-level category, {_merge_hint(tree)}.",
        )
    if new_parent.level != category.level - 1:
        raise TreeChangeError(
            f"{label!r} is at level {category.level}, so its new parent must be at level "
            f"{category.level - 1}; {tree.label(new_parent.id)!r} is at level {new_parent.level}.",
            remedy="a move keeps every category at its depth: choose a parent at level "
            f"{category.level - 1}, or merge categories of the same level.",
        )
    if new_parent.id == category.parent_id:
        raise TreeChangeError(
            f"{label!r} is already under {tree.label(new_parent.id)!r}: nothing to move.",
            remedy="choose another parent.",
        )
    _refuse_sibling(tree, new_parent.id, category.name, f"move {label!r} there")
    change = Transition("move")
    change.keep(tree, category.parent_id, new_parent.id)
    change.set(tree, replace(category, parent_id=new_parent.id), category.id)
    change.summary = f"Moved {label!r} under {tree.label(new_parent.id)!r}."
    return change


def merge(
    tree: Tree, source: CategoryRow, into: CategoryRow, chunks: Mapping[int, int]
) -> Transition:
    """Merge ``source`` into ``into`` (same level), recursively; ``chunks``: its subtree's.

    Children of the source move under the target, except a child whose name the
    target has too: that pair is merged the same way. Chunks move to their
    category's counterpart; every emptied source category goes.
    """
    source_label, into_label = tree.label(source.id), tree.label(into.id)
    if source.id == into.id:
        raise TreeChangeError(
            f"{source_label!r} cannot be merged into itself.",
            remedy="give two different categories.",
        )
    if source.level != into.level:
        raise TreeChangeError(
            f"{source_label!r} is at level {source.level} and {into_label!r} at level "
            f"{into.level}: only categories of the same level can be merged.",
            remedy="merge categories of the same level, or move categories first "
            f"({tree.words.move}).",
        )
    change = Transition("merge")
    change.keep(tree, source.parent_id, into.id)
    counterpart: dict[int, int] = {}
    stack = [(source, into)]
    merged = moved = 0
    while stack:
        old, new = stack.pop()
        counterpart[old.id] = new.id
        change.set(tree, None, old.id)
        twins = {child.name: child for child in tree.children(new.id)}
        for child in tree.children(old.id):
            twin = twins.get(child.name)
            if twin is not None:
                change.keep(tree, twin.id)
                stack.append((child, twin))
                merged += 1
            else:
                change.set(tree, replace(child, parent_id=new.id), child.id)
                moved += 1
    for chunk_id, category_id in chunks.items():
        if category_id in counterpart:  # the chunks below a child moved whole stay where they are
            change.chunks_before[chunk_id] = category_id
            change.chunks_after[chunk_id] = counterpart[category_id]
    parts = [f"{len(change.chunks_after)} chunk(s) moved"]
    if moved:
        parts.append(f"{moved} sub-categor{'y' if moved == 1 else 'ies'} moved under it")
    if merged:
        parts.append(f"{merged} same-named sub-categor{'y' if merged == 1 else 'ies'} merged")
    change.summary = f"Merged {source_label!r} into {into_label!r}: {', '.join(parts)}."
    return change


def move_chunks(
    tree: Tree, chunk_ids: Sequence[int], found: Mapping[int, int], leaf: CategoryRow
) -> Transition:
    """File the chunks ``chunk_ids`` under ``leaf``; ``found`` maps those that exist to theirs."""
    if not chunk_ids:
        raise ValidationError(
            "No chunk id was given: nothing to move.", remedy="give one or more chunk ids."
        )
    missing = sorted(set(chunk_ids) - set(found))
    if missing:
        raise NotFoundError(
            f"There is no chunk with id {', '.join(map(str, missing))} in {tree.where}; "
            "nothing was moved.",
            remedy=f"{tree.words.chunk_ids}.",
        )
    label = tree.label(leaf.id)
    if leaf.level != tree.depth:
        raise TreeChangeError(
            f"{label!r} is at level {leaf.level}; chunks are filed only under leaves, at level "
            f"{tree.depth}.",
            remedy=f"choose a category at level {tree.depth} (a leaf).",
        )
    moving = {chunk: category for chunk, category in found.items() if category != leaf.id}
    if not moving:
        raise TreeChangeError(
            f"Every chunk given is already filed under {label!r}: nothing to move.",
            remedy="choose another leaf.",
        )
    change = Transition("move_chunks")
    change.keep(tree, leaf.id, *sorted(set(moving.values())))
    change.chunks_before = dict(moving)
    change.chunks_after = dict.fromkeys(moving, leaf.id)
    emptied = [
        tree.label(category)
        for category in sorted(set(moving.values()))
        if tree.counts.get(category, 0) == sum(1 for c in moving.values() if c == category)
    ]
    left = f" Left empty: {'; '.join(emptied)}." if emptied else ""
    change.summary = f"Moved {len(moving)} chunk(s) to {label!r}.{left}"
    return change


def delete_empty(tree: Tree) -> Transition | None:
    """Delete every category with no chunk anywhere below it (None when there is none)."""
    empty = [row for row in tree.rows.values() if tree.total(row.id) == 0]
    if not empty:
        return None
    change = Transition("delete_empty")
    for row in empty:
        change.set(tree, None, row.id)
    change.keep(tree, *sorted({row.parent_id for row in empty if row.parent_id is not None}))
    tops = [row for row in empty if row.parent_id is None or tree.total(row.parent_id) > 0]
    named = "; ".join(tree.label(row.id) for row in sorted(tops, key=lambda r: r.id))
    noun = "category" if len(empty) == 1 else "categories"
    below = "" if len(tops) == len(empty) else " with everything below"
    change.summary = f"Deleted {len(empty)} empty {noun}: {named}{below}."
    return change


def check_transition(tree: Tree, change: Transition, *, undoing: bool = False) -> None:
    """Refuse a transition whose resulting tree would break a rule of the tree.

    Raises:
        TreeChangeError: naming the rule, the category and what to do.
    """
    rows: dict[int, CategoryRow] = dict(tree.rows)
    for category_id, row in change.after.items():
        if row is None:
            rows.pop(category_id, None)
        else:
            rows[category_id] = row
    doing = "undo this change" if undoing else "make this change"
    _check_rows(tree, rows, doing)
    for chunk_id, category_id in change.chunks_after.items():
        target = rows.get(category_id)
        if target is None or target.level != tree.depth:
            _broken(tree, f"chunk {chunk_id} would not be filed under a leaf", doing)
    moved_from = set(change.chunks_before.values())
    if set(tree.counts) - set(rows) - moved_from:
        _broken(tree, "a category that still holds chunks would be removed", doing)
    for level, limit in tree.limits.items():
        now = sum(1 for row in tree.rows.values() if row.level == level)
        then = sum(1 for row in rows.values() if row.level == level)
        if then > now and then > limit:
            raise TreeChangeError(
                f"Cannot {doing}: level {level} would hold {then} categories, over its limit "
                f"of {limit}.",
                remedy="raise max_categories_per_level (MEMOIR_MAX_CATEGORIES_PER_LEVEL), or "
                "merge categories of that level first.",
                conflict=True,
            )


def _check_rows(tree: Tree, rows: Mapping[int, CategoryRow], doing: str) -> None:
    """Parents one level up, depth within bounds, sibling names unique."""
    depth = tree.depth
    seen: set[tuple[int | None, str]] = set()
    for row in rows.values():
        parent = rows.get(row.parent_id) if row.parent_id is not None else None
        if row.level > depth:
            _broken(tree, f"{row.name!r} would be at level {row.level}, deeper than {depth}", doing)
        if (row.parent_id is None) != (row.level == 1) or (
            row.parent_id is not None and (parent is None or parent.level != row.level - 1)
        ):
            _broken(tree, f"{row.name!r} would not sit one level below its parent", doing)
        key = (row.parent_id, row.name)
        if key in seen:
            _broken(tree, f"two categories named {row.name!r} would share a parent", doing)
        seen.add(key)


def _refuse_sibling(tree: Tree, parent_id: int | None, name: str, doing: str) -> None:
    for sibling in tree.children(parent_id):
        if sibling.name == name:
            raise TreeChangeError(
                f"Cannot {doing}: {tree.label(sibling.id)!r} (id {sibling.id}) already has "
                "that name under the same parent.",
                remedy=f"choose another name, or {_merge_hint(tree)}.",
                conflict=True,
            )


def _broken(tree: Tree, rule: str, doing: str) -> None:
    raise TreeChangeError(
        f"Cannot {doing}: {rule}.",
        remedy=f"nothing was changed; look at the tree ({tree.words.tree}) and correct it "
        "with rename, move or merge.",
        conflict=True,
    )
