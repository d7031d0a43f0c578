"""How a person names a category: by its id, or by its path of names.

A path is read from the top level, names joined by ``>``
(``"Astronomy > Moon & Half"``); a path that is the end of exactly one
category's full path names that category too (``"Moon & Half"``). The web
view's reads (:mod:`memoir_ai.browse`) and the tree's corrections
(:mod:`memoir_ai.maintenance`) follow this one rule, each on its own view of
the tree. Pure and standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable

from memoir_ai.errors import CategoryNotFoundError

__all__ = ["LISTED", "PATH_SEPARATOR", "CategoryRef", "find_by_path", "parse_reference"]

PATH_SEPARATOR = ">"
CategoryRef = int | str
"""A category as a person names it: its id, or its path of names from the top level."""
LISTED = 8
"""Most candidate paths an ambiguous reference lists."""

CategoryPath = tuple[str, ...]


def parse_reference(reference: int | str) -> CategoryRef:
    """What a front door's text means: an int or a string of digits is an id, else a path."""
    if isinstance(reference, int):
        return reference
    stripped = reference.strip()
    return int(stripped) if stripped.isdigit() else stripped


def find_by_path(
    reference: str,
    paths: Iterable[tuple[CategoryPath, int]],
    *,
    listing: str,
    context: str = "",
) -> int:
    """The id of the one category that the path ``reference`` names among ``paths``.

    Args:
        reference: names joined by ``>``, from the top level or the end of one path.
        paths: every category's full path of names and its id.
        context: words placed after the path in a message (``" (into) in the memory"``).
        listing: where the reader sees every path and id, named in the remedy in the
            words of the caller's front door (:attr:`~memoir_ai.door_words.DoorWords.tree`).

    Raises:
        CategoryNotFoundError: ``reference`` has an empty name, no path matches,
            or it ends several paths (``ambiguous``, their paths as ``candidates``).
    """
    names = tuple(part.strip() for part in reference.split(PATH_SEPARATOR))
    if not all(names):
        raise CategoryNotFoundError(
            f"{reference!r} is not a category path{context}: a path is names joined by "
            "' > ', with no empty name.",
            remedy="write the path as the tree shows it, e.g. 'Astronomy > Moon & Half', "
            "or give the category's id.",
        )
    ending: list[tuple[CategoryPath, int]] = []
    for path, category_id in paths:
        if path == names:
            return category_id  # sibling names are unique: one full path, one category
        if len(path) > len(names) and path[-len(names) :] == names:
            ending.append((path, category_id))
    joined = " > ".join(names)
    if len(ending) == 1:
        return ending[0][1]
    if not ending:
        raise CategoryNotFoundError(
            f"No category has the path {joined!r}{context}.",
            remedy=f"names are matched exactly (case and accents too); {listing} shows every "
            "path and id.",
        )
    listed = tuple(f"{' > '.join(path)} (id {category_id})" for path, category_id in ending)
    shown = "; ".join(listed[:LISTED]) + (" …" if len(listed) > LISTED else "")
    raise CategoryNotFoundError(
        f"The path {joined!r}{context} names {len(ending)} categories: {shown}.",
        remedy="give the full path from the top level, or the category's id.",
        ambiguous=True,
        candidates=listed,
    )
