"""Reading one category: :class:`CategoryDetail`, and finding a category by id or path.

A person names a category by its id or by its path of names from the top
level (``"Astronomy > Moon & Half"``); a path that is the end of exactly one
category's full path names that category too (``"Moon & Half"``). This is
the reading side of the same rule the tree's corrections follow
(:meth:`memoir_ai.MemoirAI.rename_category` and the others): pure, on the
public :class:`~memoir_ai.results.CategoryTree`, with no database of its own.
"""

from __future__ import annotations

from memoir_ai.errors import CategoryNotFoundError
from memoir_ai.results import CategoryNode, CategoryTree

__all__ = ["PATH_SEPARATOR", "CategoryDetail", "category_reference", "find_category"]

PATH_SEPARATOR = ">"
LISTED = 8
"""Most candidate paths an ambiguous reference lists."""


class CategoryDetail(CategoryNode):
    """One category with its path of names from the top level, its counts and its children."""

    path: tuple[str, ...]


def category_reference(reference: int | str) -> int | str:
    """What a reference means: an int or a string of digits is an id, anything else a path."""
    if isinstance(reference, int):
        return reference
    stripped = reference.strip()
    return int(stripped) if stripped.isdigit() else stripped


def find_category(tree: CategoryTree, reference: int | str) -> CategoryDetail:
    """The one category of ``tree`` that ``reference`` (an id or a path) names.

    Raises:
        CategoryNotFoundError: no category has that id or path, or a partial path
            ends several (``ambiguous``, with their paths as ``candidates``).
    """
    nodes = list(tree.walk())
    reference = category_reference(reference)
    if isinstance(reference, int):
        for path, node in nodes:
            if node.id == reference:
                return _detail(path, node)
        raise CategoryNotFoundError(
            f"There is no category with id {reference}.",
            remedy="GET /api/tree (or `memoir tree --ids`) shows every category's id; or name "
            "the category by its path, e.g. 'Astronomy > Moon'.",
        )
    names = tuple(part.strip() for part in reference.split(PATH_SEPARATOR))
    if not all(names):
        raise CategoryNotFoundError(
            f"{reference!r} is not a category path: a path is names joined by ' > ', with no "
            "empty name.",
            remedy="write the path as the tree shows it, e.g. 'Astronomy > Moon & Half', or "
            "give the category's id.",
        )
    for path, node in nodes:
        if path == names:
            return _detail(path, node)
    ending = [(path, node) for path, node in nodes if path[-len(names) :] == names]
    if len(ending) == 1:
        return _detail(*ending[0])
    if not ending:
        raise CategoryNotFoundError(
            f"No category has the path {reference!r}.",
            remedy="write the path as the tree shows it (GET /api/tree, `memoir tree`), "
            "names joined by ' > ', or give the category's id.",
        )
    candidates = tuple(f"{' > '.join(path)} (id {node.id})" for path, node in ending)
    listed = ", ".join(candidates[:LISTED]) + (", …" if len(candidates) > LISTED else "")
    raise CategoryNotFoundError(
        f"{reference!r} names {len(ending)} categories: {listed}.",
        remedy="give the full path from the top level, or the category's id.",
        ambiguous=True,
        candidates=candidates,
    )


def _detail(path: tuple[str, ...], node: CategoryNode) -> CategoryDetail:
    return CategoryDetail(**dict(node), path=path)
