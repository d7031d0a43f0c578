"""``memoir tree``: the category tree with chunk counts, as a tree view or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import console, print_json

if TYPE_CHECKING:
    from rich.tree import Tree

    from memoir_ai.results import CategoryNode, CategoryTree

__all__ = ["tree"]


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
) -> None:
    """Show the category tree: every category with the number of chunks filed under it."""
    with open_memoir(ctx) as memoir:
        category_tree = memoir.get_category_tree()
    if depth is not None:
        category_tree = category_tree.trimmed(depth)
    if as_json:
        print_json(category_tree.to_json_data())
        return
    out = console()
    if not category_tree.roots:
        out.print("The memory is empty: file texts into it with `memoir ingest PATH`.")
        return
    out.print(_view(category_tree))


def _view(category_tree: CategoryTree) -> Tree:
    from rich.markup import escape
    from rich.tree import Tree

    view = Tree(
        f"{_chunks(category_tree.chunk_count)} in {category_tree.category_count} categories",
        guide_style="dim",
    )

    def add(parent: Tree, node: CategoryNode) -> None:
        branch = parent.add(f"{escape(node.name)} [dim]({_chunks(node.total_chunks)})[/dim]")
        for child in node.children:
            add(branch, child)

    for root in category_tree.roots:
        add(view, root)
    return view
