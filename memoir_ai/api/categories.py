"""Reading and correcting the tree over HTTP: ``/api/categories`` and ``/api/chunks``.

Each endpoint is one call of a :class:`~memoir_ai.MemoirAI` method, its result
dumped; a change answers with the :class:`~memoir_ai.CategoryChange` recorded
in the change history (``front_door`` ``http``). Categories are addressed by
id or by path, in the URL or in the body: ``12``, ``"12"`` and
``"Astronomy > Moon & Half"`` all work (a path may also be the end of one
category's full path, when it ends only one). In a URL, escape the path
(``/api/categories/Astronomy%20%3E%20Moon%20%26%20Half``).

- ``GET /api/categories/changes``: the change history, oldest first;
- ``POST /api/categories/undo``: undo the most recent change;
- ``POST /api/categories/delete-empty``: delete every category with no chunk below;
- ``GET /api/categories/{category}``: one category, with its path, counts and children;
- ``POST /api/categories/{category}/rename``: ``{"new_name"}``;
- ``POST /api/categories/{category}/merge``: ``{"into"}``, same level, recursive;
- ``POST /api/categories/{category}/move``: ``{"new_parent"}``, one level up;
- ``GET /api/chunks?category=…`` or ``?source_id=…``: the chunks under a
  category, or of a source in text order;
- ``POST /api/chunks/move``: ``{"chunk_ids", "leaf"}``.

Errors are ``{"error", "remedy"}``: 404 for an unknown category or chunk, 400
for a path that names several categories or a change the rules forbid, 409
when the tree as it is now refuses it (a sibling took the name, rows changed
since the change to undo). The word ``changes`` is reserved after
``/api/categories/``: a top-level category of that name is read by its id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from memoir_ai.api.deps import MemoirDep
from memoir_ai.api.models import ErrorBody
from memoir_ai.browse import CategoryDetail, find_category
from memoir_ai.category_paths import parse_reference
from memoir_ai.errors import ValidationError
from memoir_ai.front_doors import json_data
from memoir_ai.maintenance.results import CategoryChange
from memoir_ai.results import ChunkDetail

__all__ = ["categories_router"]

_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad input, an ambiguous path, or a change the tree's rules forbid"),
        (401, "No valid bearer token"),
        (404, "No category or chunk has that id or path"),
        (409, "The tree as it is now refuses the change"),
    )
}

CategoryRef = Annotated[
    int | str,
    Field(
        description="A category id, or its path of names from the top level "
        "('Astronomy > Moon & Half'); a path's end names the one category it ends."
    ),
]
CategoryInPath = Annotated[
    str, Path(description="The category's id, or its path of names (URL-escaped).")
]


class _Request(BaseModel):
    # An unknown field is a typo worth a 400, never silently ignored.
    model_config = ConfigDict(extra="forbid")


class RenameRequest(_Request):
    """A new name for a category (``POST /api/categories/{category}/rename``)."""

    new_name: str = Field(description="The new name; no sibling may have it already.")


class MergeRequest(_Request):
    """Where a category goes (``POST /api/categories/{category}/merge``)."""

    into: CategoryRef


class MoveRequest(_Request):
    """The new parent of a category (``POST /api/categories/{category}/move``)."""

    new_parent: CategoryRef


class MoveChunksRequest(_Request):
    """Chunks to file under another leaf (``POST /api/chunks/move``)."""

    chunk_ids: list[int] = Field(min_length=1, description="The ids of the chunks to move.")
    leaf: CategoryRef


categories_router = APIRouter(prefix="/api", responses=_ERRORS, tags=["categories"])
"""The category and chunk endpoints (:func:`memoir_ai.api.create_app` includes them)."""


# Fixed paths first: "/categories/{category:path}" would take them as category paths.
@categories_router.get("/categories/changes")
def change_history(
    memoir: MemoirDep,
    limit: Annotated[int | None, Query(ge=1, description="The most recent changes.")] = None,
) -> list[CategoryChange]:
    """Every change made to the tree by hand (the most recent ``limit``), oldest first."""
    return memoir.category_changes(limit)


@categories_router.post("/categories/undo")
def undo(memoir: MemoirDep) -> CategoryChange:
    """Undo the most recent change not undone yet; it comes back marked undone.

    Refused (409) when a row it touched has changed since: the error says which.
    """
    return memoir.undo_last_change()


@categories_router.post(
    "/categories/delete-empty",
    response_model=CategoryChange,
    responses={204: {"description": "No category was empty; nothing changed"}},
)
def delete_empty(memoir: MemoirDep) -> Response:
    """Delete every category with no chunk below it, as one change (undoable)."""
    change = memoir.delete_empty_categories()
    if change is None:
        return Response(status_code=204)
    return JSONResponse(json_data(change))


@categories_router.get("/categories/{category:path}")
def get_category(category: CategoryInPath, memoir: MemoirDep) -> CategoryDetail:
    """One category: its id, path, level, chunk counts and children."""
    return find_category(memoir.get_category_tree(), parse_reference(category), memoir.door_words)


@categories_router.post("/categories/{category:path}/rename")
def rename(category: CategoryInPath, body: RenameRequest, memoir: MemoirDep) -> CategoryChange:
    """Rename a category; its chunks and children stay where they are."""
    return memoir.rename_category(parse_reference(category), body.new_name)


@categories_router.post("/categories/{category:path}/merge")
def merge(category: CategoryInPath, body: MergeRequest, memoir: MemoirDep) -> CategoryChange:
    """Merge a category into another of its level: children recursively, chunks moved."""
    return memoir.merge_categories(parse_reference(category), parse_reference(body.into))


@categories_router.post("/categories/{category:path}/move")
def move(category: CategoryInPath, body: MoveRequest, memoir: MemoirDep) -> CategoryChange:
    """Move a category with its subtree under a new parent one level up."""
    return memoir.move_category(parse_reference(category), parse_reference(body.new_parent))


@categories_router.get("/chunks")
def list_chunks(
    memoir: MemoirDep,
    category: Annotated[
        str | None, Query(description="A category id or path: the chunks filed below it.")
    ] = None,
    source_id: Annotated[
        str | None, Query(description="A source id: its chunks in text order.")
    ] = None,
) -> list[ChunkDetail]:
    """The chunks under one category (oldest first), or of one source (in text order)."""
    if (category is None) == (source_id is None):
        raise ValidationError(
            "GET /api/chunks needs exactly one of ?category= and ?source_id=.",
            remedy="ask for the chunks of one category (its id or path) or of one source.",
        )
    if source_id is not None:
        return memoir.list_chunks(source_id)
    assert category is not None
    found = find_category(memoir.get_category_tree(), parse_reference(category), memoir.door_words)
    return memoir.list_category_chunks(found.id)


@categories_router.post("/chunks/move")
def move_chunks(body: MoveChunksRequest, memoir: MemoirDep) -> CategoryChange:
    """File chunks under another leaf (a category at the tree's last level)."""
    return memoir.move_chunks(body.chunk_ids, parse_reference(body.leaf))
