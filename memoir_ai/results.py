"""The public results of reading a memory: frozen pydantic models, one shape per noun.

Every front door returns these and nothing else: the Python API returns the
objects, and every JSON a front door prints or sends (``memoir … --json``, and
later the MCP tools and the HTTP API) is their ``model_dump(mode="json")``. A
model's fields are its JSON shape; computed fields (counts) are part of it.

This module sits at the bottom of the package, beside :mod:`memoir_ai.errors`:
it imports nothing of memoir-ai, so every layer may return its types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field

__all__ = [
    "CallTotals",
    "CategoryNode",
    "CategoryTree",
    "ChunkDetail",
    "DatabaseInfo",
    "LevelFill",
    "LoggedCall",
    "LoggedCallDetail",
    "PublicResult",
    "SourceSummary",
    "StoredHelper",
]


class PublicResult(BaseModel):
    """Base of the public results: frozen, and dumped to JSON exactly as declared."""

    # Computed fields (counts) are in the dump; validating a dump back ignores them.
    model_config = ConfigDict(frozen=True, extra="ignore")

    def to_json_data(self) -> dict[str, Any]:
        """The JSON-ready data every front door prints or sends for this result."""
        return self.model_dump(mode="json")


class CategoryNode(PublicResult):
    """A category with its children.

    ``chunk_count`` counts the chunks filed directly under it (only leaves hold
    chunks); ``total_chunks`` counts every chunk in its subtree.
    """

    id: int
    name: str
    level: int
    parent_id: int | None
    chunk_count: int
    total_chunks: int
    children: tuple[CategoryNode, ...] = ()


class LevelFill(PublicResult):
    """How full one level of the tree is against its category limit."""

    level: int
    categories: int
    limit: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def full(self) -> bool:
        """True when no new category can be created at this level."""
        return self.categories >= self.limit


class CategoryTree(PublicResult):
    """The whole category tree: its level-1 categories, each with its subtree.

    ``levels`` says how full each level is against its category limit.
    """

    roots: tuple[CategoryNode, ...]
    levels: tuple[LevelFill, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def category_count(self) -> int:
        """How many categories the tree holds, at every level."""
        return sum(1 for _ in self.walk())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chunk_count(self) -> int:
        """How many chunks are filed in the tree."""
        return sum(root.total_chunks for root in self.roots)

    def walk(self) -> Iterator[tuple[tuple[str, ...], CategoryNode]]:
        """Every node with its path of names, depth first, in display order."""
        stack: list[tuple[tuple[str, ...], CategoryNode]] = [
            ((root.name,), root) for root in reversed(self.roots)
        ]
        while stack:
            path, node = stack.pop()
            yield path, node
            stack.extend(((*path, child.name), child) for child in reversed(node.children))

    def leaf_paths(self) -> list[tuple[str, ...]]:
        """The paths of the categories that hold chunks, in display order."""
        return [path for path, node in self.walk() if node.chunk_count]

    def trimmed(self, depth: int) -> CategoryTree:
        """The first ``depth`` levels of the tree (counts still cover whole subtrees)."""

        def trim(node: CategoryNode) -> CategoryNode:
            kept = () if node.level >= depth else tuple(trim(child) for child in node.children)
            return node.model_copy(update={"children": kept})

        return CategoryTree(
            roots=tuple(trim(root) for root in self.roots),
            levels=tuple(fill for fill in self.levels if fill.level <= depth),
        )


class SourceSummary(PublicResult):
    """A stored source: its id, title, chunk and token counts, helper version, when stored."""

    source_id: str
    title: str | None
    chunk_count: int
    token_count: int
    helper_version: int | None
    created_at: dt.datetime


class ChunkDetail(PublicResult):
    """One stored chunk with everything a citation needs."""

    id: int
    content: str
    token_count: int
    source_id: str
    position: int
    start_offset: int
    end_offset: int
    category_id: int
    category_path: tuple[str, ...]
    created_at: dt.datetime
    metadata: dict[str, Any]


class StoredHelper(PublicResult):
    """One version of a source's contextual helper."""

    source_id: str
    helper_text: str
    token_count: int
    is_user_provided: bool
    version: int
    created_at: dt.datetime


class LoggedCall(PublicResult):
    """One model call from the audit log.

    ``outcome`` is ``ok``, ``error``, or ``reused`` (answered by the kept answer
    of the same call an interrupted run had paid for: 0 tokens);
    ``structured_output`` is the output mode the call used.
    """

    id: int
    started_at: dt.datetime
    purpose: str
    model: str
    source_id: str | None
    input_tokens: int
    output_tokens: int
    latency_seconds: float
    outcome: str
    error: str | None
    structured_output: str


class LoggedCallDetail(LoggedCall):
    """One model call from the audit log with everything recorded about it.

    ``request_text`` is the prompt exactly as it was sent and ``response_text``
    the typed answer as JSON; both are None when the memory was configured not
    to keep payloads (``record_llm_payloads=False``), and ``response_text`` is
    None for a call that failed.
    """

    operation_id: str | None
    requests: int
    attempts: int
    temperature: float | None
    max_tokens: int | None = None
    notes: tuple[str, ...] | None = None
    request_text: str | None
    response_text: str | None


class CallTotals(PublicResult):
    """Calls, tokens in and out, latency and errors summed over (part of) the audit log."""

    calls: int
    input_tokens: int
    output_tokens: int
    latency_seconds: float
    errors: int


class DatabaseInfo(PublicResult):
    """The state of a memory's database, as ``MemoirAI.get_database_info()`` reports it.

    ``row_counts`` maps each memoir-ai table to its number of rows (tables that
    do not exist yet are left out); ``problems`` lists why the schema is not
    valid, one readable line each.
    """

    database_url: str
    model: str
    hierarchy_depth: int
    schema_valid: bool
    current_revision: str | None
    head_revision: str
    pending_migrations: tuple[str, ...]
    row_counts: dict[str, int]
    problems: tuple[str, ...]
    level_fill: tuple[LevelFill, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def source_count(self) -> int:
        """How many sources are stored."""
        return self.row_counts.get("sources", 0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chunk_count(self) -> int:
        """How many chunks are stored."""
        return self.row_counts.get("chunks", 0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def category_count(self) -> int:
        """How many categories the tree holds."""
        return self.row_counts.get("categories", 0)
