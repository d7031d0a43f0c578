"""``memoir tree``: the category tree with chunk counts, as a tree view or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Protocol

import typer

from memoir_ai.cli import _fast
from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import print_json

if TYPE_CHECKING:
    from memoir_ai.database.reading import TreeNode
    from memoir_ai.results import CategoryNode


class LevelShown(Protocol):
    """A level's fill as ``memoir tree`` words it (a ``LevelFill``, or the lean path's row)."""

    @property
    def level(self) -> int:
        """The level."""

    @property
    def categories(self) -> int:
        """Categories at the level."""

    @property
    def limit(self) -> int:
        """The most the level may hold."""

    @property
    def full(self) -> bool:
        """No category can be added."""


__all__ = ["fill_line", "tree", "tree_lines"]


def _chunks(count: int) -> str:
    return "1 chunk" if count == 1 else f"{count} chunks"


def tree(
    ctx: typer.Context,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth", min=1, metavar="N", help="Show only the first N levels (default: all)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the tree as JSON (ids, names, levels, counts).")
    ] = False,
    ids: Annotated[
        bool, typer.Option("--ids", help="Show each category's id (for `memoir category`).")
    ] = False,
) -> None:
    """Show the category tree: every category with the number of chunks filed under it."""
    if not as_json and _fast.tree(ctx, depth=depth, ids=ids):
        return
    with open_memoir(ctx) as memoir:
        category_tree = memoir.get_category_tree()
    if depth is not None:
        category_tree = category_tree.trimmed(depth)
    if as_json:
        print_json(category_tree.to_json_data())
        return
    if not category_tree.roots:
        typer.echo("The memory is empty: file texts into it with `memoir ingest PATH`.")
        return
    typer.echo("\n".join(tree_lines(category_tree.roots, ids=ids)))
    if category_tree.levels:
        typer.echo(fill_line(category_tree.levels))


def fill_line(levels: Sequence[LevelShown]) -> str:
    """How full each level is, e.g. ``Levels: 1: 4 of 128, 2: 10 of 10 (full)``."""
    from memoir_ai.ingest.fill import is_nearly_full

    def said(fill: LevelShown) -> str:
        state = " (full)" if fill.full else " (nearly full)" if is_nearly_full(fill) else ""
        return f"{fill.level}: {fill.categories} of {fill.limit}{state}"

    return "Levels: " + ", ".join(said(fill) for fill in levels)


def tree_lines(roots: Sequence[CategoryNode | TreeNode], *, ids: bool = False) -> list[str]:
    """The tree under ``roots`` as text lines with guides, as ``memoir tree`` prints it.

    Written out directly rather than through rich: a tree of 10,000 categories
    renders in milliseconds, and ``memoir tree`` does not import rich at all.
    The public ``CategoryNode`` and the lean path's ``TreeNode`` read alike.
    """
    lines: list[str] = []
    add = lines.append

    def walk(nodes: Sequence[CategoryNode | TreeNode], prefix: str) -> None:
        last_index = len(nodes) - 1
        for index, node in enumerate(nodes):
            last = index == last_index
            count = node.total_chunks
            counted = "1 chunk" if count == 1 else f"{count} chunks"
            shown = f" [id {node.id}]" if ids else ""
            add(f"{prefix}{'└── ' if last else '├── '}{node.name} ({counted}){shown}")
            if node.children:  # the depth is bounded (at most 100 levels)
                walk(node.children, prefix + ("    " if last else "│   "))

    walk(roots, "")
    chunks = sum(root.total_chunks for root in roots)
    return [f"{_chunks(chunks)} in {len(lines)} categories", *lines]
