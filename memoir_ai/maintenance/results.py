"""The public results of correcting the tree: changes, their history, and tidy plans.

Frozen pydantic models like those of :mod:`memoir_ai.results`: the Python API
returns them, and every front door's JSON is their ``model_dump(mode="json")``.
A :class:`CategoryChange` carries the rows it touched as they were before and
after, so that a person (or a web page) can show exactly what moved where.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import computed_field

from memoir_ai.results import PublicResult

__all__ = [
    "CategoryChange",
    "CategoryState",
    "ChangeOperation",
    "ChunkPlacement",
    "FrontDoor",
    "MergeProposal",
    "SkippedProposal",
    "TidyPlan",
    "TreeState",
]

FrontDoor = Literal["python", "cli", "mcp", "http"]
"""Where a change came from: the Python API, ``memoir``, the MCP server or the HTTP API."""

ChangeOperation = Literal["rename", "merge", "move", "move_chunks", "delete_empty"]
"""What a change did."""


class CategoryState(PublicResult):
    """One category as it was at one moment: its name, level, parent and path of names."""

    id: int
    name: str
    level: int
    parent_id: int | None
    path: tuple[str, ...]
    created_at: dt.datetime | None = None

    def label(self) -> str:
        """The path as people read it: ``A > B > C``."""
        return " > ".join(self.path)


class ChunkPlacement(PublicResult):
    """Where one chunk was filed at one moment (``created_at``: when the chunk was stored)."""

    chunk_id: int
    category_id: int
    created_at: dt.datetime | None = None


class TreeState(PublicResult):
    """The rows a change touched, as they were at one moment.

    A category the change touched that is missing here did not exist at that
    moment (a merge or a deletion removed it).
    """

    categories: tuple[CategoryState, ...] = ()
    chunks: tuple[ChunkPlacement, ...] = ()

    def category(self, category_id: int) -> CategoryState | None:
        """The state of ``category_id``, or None when it did not exist."""
        return next((c for c in self.categories if c.id == category_id), None)


class CategoryChange(PublicResult):
    """One change made to the tree by hand, as the change history keeps it.

    ``before`` and ``after`` hold every row it touched (see :class:`TreeState`);
    ``undone_at`` and ``undone_by`` say when and from where it was undone.
    """

    id: int
    operation: ChangeOperation
    front_door: FrontDoor
    summary: str
    created_at: dt.datetime
    before: TreeState
    after: TreeState
    undone_at: dt.datetime | None = None
    undone_by: FrontDoor | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chunks_moved(self) -> int:
        """How many chunks the change filed under another category."""
        was = {p.chunk_id: p.category_id for p in self.before.chunks}
        return sum(1 for p in self.after.chunks if was.get(p.chunk_id) != p.category_id)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def categories_removed(self) -> tuple[int, ...]:
        """The ids of the categories the change removed."""
        kept = {c.id for c in self.after.categories}
        return tuple(c.id for c in self.before.categories if c.id not in kept)


class MergeProposal(PublicResult):
    """One merge ``memoir tidy`` proposes: ``source`` into its sibling ``into``, and why."""

    source_id: int
    into_id: int
    source_path: tuple[str, ...]
    into_path: tuple[str, ...]
    reason: str


class SkippedProposal(PublicResult):
    """A proposal of the plan that was not carried out, and why."""

    proposal: MergeProposal
    reason: str


class TidyPlan(PublicResult):
    """Merges of near-duplicate siblings, for a person to review, and what applying did.

    ``model`` proposed them; ``calls`` and the token counts are the model calls
    made (also in the audit log under ``operation_id``). After ``apply``,
    ``applied`` holds the changes made and ``skipped`` the proposals left out.
    """

    proposals: tuple[MergeProposal, ...]
    model: str
    operation_id: str
    calls: int
    input_tokens: int
    output_tokens: int
    applied: tuple[CategoryChange, ...] = ()
    skipped: tuple[SkippedProposal, ...] = ()
