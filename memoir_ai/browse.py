"""Reading one category: :class:`CategoryDetail`, and finding a category by id or path.

A person names a category by its id or by its path of names from the top
level (``"Astronomy > Moon & Half"``); a path that is the end of exactly one
category's full path names that category too (``"Moon & Half"``). This is
the reading side of the same rule the tree's corrections follow
(:meth:`memoir_ai.MemoirAI.rename_category` and the others): pure, on the
public :class:`~memoir_ai.results.CategoryTree`, with no database of its own.
"""

from __future__ import annotations

from memoir_ai.category_paths import find_by_path, parse_reference
from memoir_ai.door_words import PYTHON_WORDS, DoorWords
from memoir_ai.errors import CategoryNotFoundError
from memoir_ai.results import CategoryNode, CategoryTree

__all__ = ["CategoryDetail", "find_category"]


class CategoryDetail(CategoryNode):
    """One category with its path of names from the top level, its counts and its children."""

    path: tuple[str, ...]


def find_category(
    tree: CategoryTree, reference: int | str, words: DoorWords = PYTHON_WORDS
) -> CategoryDetail:
    """The one category of ``tree`` that ``reference`` (an id or a path) names.

    A refusal names the listing of ids in ``words`` (the caller's front door:
    :attr:`memoir_ai.MemoirAI.door_words`).

    Raises:
        CategoryNotFoundError: no category has that id or path, or a partial path
            ends several (``ambiguous``, with their paths as ``candidates``).
    """
    by_id = {node.id: (path, node) for path, node in tree.walk()}
    reference = parse_reference(reference)
    if isinstance(reference, int):
        if reference in by_id:
            return _detail(*by_id[reference])
        raise CategoryNotFoundError(
            f"There is no category with id {reference}.",
            remedy=f"{words.tree} shows every category's id; or name the category by its "
            "path, e.g. 'Astronomy > Moon'.",
        )
    found = find_by_path(
        reference,
        ((path, category_id) for category_id, (path, _) in by_id.items()),
        listing=words.tree,
    )
    return _detail(*by_id[found])


def _detail(path: tuple[str, ...], node: CategoryNode) -> CategoryDetail:
    return CategoryDetail(**dict(node), path=path)
