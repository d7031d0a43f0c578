"""The reads of the browsing commands: plain SQL text, the row types, and the tree they build.

One SQL text per read, run two ways: by SQLAlchemy's ``text()`` in the
library (:mod:`.categories`, :mod:`.sources`, :mod:`.chunks`, :mod:`.calls`,
:mod:`.call_costs`, :mod:`.settings`), and by the standard library's
``sqlite3`` in the lean read path of the CLI (:mod:`.lean`). Both accept
``:name`` parameters. Each :class:`Read` names its timestamp and JSON columns,
which each side decodes its own way into the same Python values.

This module imports neither SQLAlchemy nor pydantic: ``memoir tree`` and the
other reading commands start in a fraction of the time those imports take.
The public pydantic results are built from these rows by one converter per
noun, beside the SQLAlchemy side of each read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from memoir_ai.database.migrations import VERSION_TABLE

__all__ = [
    "CATEGORIES",
    "CHUNK",
    "MEMOIR_TABLES",
    "SETTINGS",
    "SETTINGS_ROW_ID",
    "SOURCES",
    "TREE",
    "VERSION",
    "CallRow",
    "CallTotalsRow",
    "CategoryRow",
    "ChunkRow",
    "ModelUsage",
    "Read",
    "SourceRow",
    "TreeNode",
    "build_tree",
    "call_totals",
    "category_paths",
    "logged_calls",
    "model_usage",
    "row_count",
    "source_title",
    "trim_tree",
]

# The tables memoir-ai owns at the newest revision (a test compares them with the models).
MEMOIR_TABLES = (
    "categories",
    "category_changes",
    "category_limits",
    "chunks",
    "contextual_helper_versions",
    "contextual_helpers",
    "kept_outputs",
    "llm_calls",
    "memoir_settings",
    "sources",
)
SETTINGS_ROW_ID = 1


@dataclass(frozen=True)
class Read:
    """One read: its SQL text (``:name`` parameters) and the columns that need decoding.

    ``timestamps`` are UTC times (SQLite stores text, the servers datetimes);
    ``documents`` are JSON columns (SQLite stores text).
    """

    sql: str
    timestamps: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()


VERSION = Read(f"SELECT version_num FROM {VERSION_TABLE}")  # noqa: S608 - a constant
SETTINGS = Read(
    "SELECT hierarchy_depth, tokenizer_model, output_modes FROM memoir_settings WHERE id = :id",
    documents=("output_modes",),
)
CATEGORIES = Read("SELECT id, name, level, parent_id FROM categories ORDER BY level, id")
# Every category with the chunks filed directly under it, parents first. A count per
# category through the category_id index: faster on SQLite than grouping a million rows.
TREE = Read(
    "SELECT c.id, c.name, c.level, c.parent_id, "
    "(SELECT COUNT(*) FROM chunks AS k WHERE k.category_id = c.id) AS chunk_count "
    "FROM categories AS c ORDER BY c.level, c.id"
)
SOURCES = Read(
    "SELECT s.source_id, s.title, s.metadata, COALESCE(c.chunks, 0) AS chunk_count, "
    "COALESCE(c.tokens, 0) AS token_count, h.version AS helper_version, s.created_at "
    "FROM sources AS s "
    "LEFT OUTER JOIN (SELECT source_id, COUNT(*) AS chunks, "
    "COALESCE(SUM(token_count), 0) AS tokens FROM chunks GROUP BY source_id) AS c "
    "ON c.source_id = s.source_id "
    "LEFT OUTER JOIN contextual_helpers AS h ON h.source_id = s.source_id "
    "ORDER BY s.created_at, s.id",
    timestamps=("created_at",),
    documents=("metadata",),
)
# `c.position`: MariaDB reserves the word, but not after a table's name.
CHUNK = Read(
    "SELECT c.id, c.content, c.token_count, c.source_id, c.position, c.start_offset, "
    "c.end_offset, c.category_id, c.created_at, c.metadata FROM chunks AS c WHERE c.id = :chunk_id",
    timestamps=("created_at",),
    documents=("metadata",),
)
_CALL_COLUMNS = (
    "id, started_at, purpose, model, source_id, input_tokens, output_tokens, "
    "latency_seconds, outcome, error, structured_output"
)
_BY_SOURCE = " WHERE source_id = :source_id"


def logged_calls(*, by_source: bool, limited: bool) -> Read:
    """The most recent calls first (``:source_id``, ``:limit`` when asked for)."""
    return Read(
        f"SELECT {_CALL_COLUMNS} FROM llm_calls"  # noqa: S608 - constant pieces
        + (_BY_SOURCE if by_source else "")
        + " ORDER BY started_at DESC, id DESC"
        + (" LIMIT :limit" if limited else ""),
        timestamps=("started_at",),
    )


def call_totals(*, by_source: bool) -> Read:
    """Calls, tokens in and out, latency and errors over the log (``:source_id``)."""
    return Read(
        "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), "
        "COALESCE(SUM(latency_seconds), 0.0), "
        "COALESCE(SUM(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END), 0) FROM llm_calls"
        + (_BY_SOURCE if by_source else "")
    )


def model_usage(*, by_source: bool) -> Read:
    """Calls, reused calls and tokens per model, by model name (``:source_id``)."""
    return Read(
        "SELECT model, COUNT(*), COALESCE(SUM(CASE WHEN outcome = 'reused' THEN 1 ELSE 0 END), "
        "0), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0) FROM llm_calls"
        + (_BY_SOURCE if by_source else "")
        + " GROUP BY model ORDER BY model"
    )


def row_count(table: str) -> Read:
    """The number of rows of one of :data:`MEMOIR_TABLES`."""
    if table not in MEMOIR_TABLES:
        raise ValueError(f"{table!r} is not a memoir-ai table")
    return Read(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a checked name


@dataclass(frozen=True)
class CategoryRow:
    """A stored category: id, name, level and parent (None at level 1).

    ``created_at`` is read only by the changes of :mod:`.changes`: it tells a
    category from another that took its id after it was deleted.
    """

    id: int
    name: str
    level: int
    parent_id: int | None
    created_at: dt.datetime | None = None


class TreeNode(NamedTuple):
    """A category with its chunk counts and its children (siblings in name order).

    A named tuple, not a dataclass: a tree of 10,000 categories is built in
    a fraction of the time.
    """

    id: int
    name: str
    level: int
    parent_id: int | None
    chunk_count: int
    total_chunks: int
    children: tuple[TreeNode, ...] = ()


@dataclass(frozen=True)
class SourceRow:
    """A stored source as listed: id, title, chunk and token counts, helper version, when."""

    source_id: str
    title: str | None
    chunk_count: int
    token_count: int
    helper_version: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ChunkRow:
    """One stored chunk with everything a citation needs (its category path included)."""

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


@dataclass(frozen=True)
class CallRow:
    """One model call of the audit log, as ``memoir log`` lists it."""

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


@dataclass(frozen=True)
class CallTotalsRow:
    """Calls, tokens in and out, latency and errors summed over (part of) the log."""

    calls: int
    input_tokens: int
    output_tokens: int
    latency_seconds: float
    errors: int


@dataclass(frozen=True)
class ModelUsage:
    """What the log holds of one model's calls."""

    model: str
    calls: int
    reused_calls: int
    input_tokens: int
    output_tokens: int


def source_row(values: Sequence[Any]) -> SourceRow:
    """A :data:`SOURCES` row (decoded) as a :class:`SourceRow`."""
    source_id, title, metadata, chunks, tokens, version, created_at = values
    return SourceRow(
        source_id=source_id,
        title=source_title(title, metadata),
        chunk_count=int(chunks),
        token_count=int(tokens),
        helper_version=None if version is None else int(version),
        created_at=created_at,
    )


def source_title(stored: str | None, metadata: Mapping[str, Any] | None) -> str | None:
    """The source's title, else the one its metadata gives (``memoir ingest`` puts it there)."""
    if stored:
        return stored
    given = (metadata or {}).get("title")
    return given if isinstance(given, str) and given.strip() else None


def chunk_row(values: Sequence[Any], path: tuple[str, ...]) -> ChunkRow:
    """A :data:`CHUNK` row (decoded) with its category path as a :class:`ChunkRow`."""
    id_, content, tokens, source_id, position, start, end, category_id, created, meta = values
    return ChunkRow(
        id=int(id_),
        content=content,
        token_count=int(tokens),
        source_id=source_id,
        position=int(position),
        start_offset=int(start),
        end_offset=int(end),
        category_id=int(category_id),
        category_path=path,
        created_at=created,
        metadata=dict(meta or {}),
    )


def call_row(values: Sequence[Any]) -> CallRow:
    """A :func:`logged_calls` row (decoded) as a :class:`CallRow`."""
    (
        id_,
        started,
        purpose,
        model,
        source_id,
        tokens_in,
        tokens_out,
        latency,
        outcome,
        error,
        mode,
    ) = values
    return CallRow(
        int(id_),
        started,
        purpose,
        model,
        source_id,
        int(tokens_in),
        int(tokens_out),
        float(latency),
        outcome,
        error,
        mode,
    )


def call_totals_row(values: Sequence[Any]) -> CallTotalsRow:
    """A :func:`call_totals` row as a :class:`CallTotalsRow`."""
    calls, tokens_in, tokens_out, latency, errors = values
    return CallTotalsRow(int(calls), int(tokens_in), int(tokens_out), float(latency), int(errors))


def usage_row(values: Sequence[Any]) -> ModelUsage:
    """A :func:`model_usage` row as a :class:`ModelUsage`."""
    model, calls, reused, tokens_in, tokens_out = values
    return ModelUsage(str(model), int(calls), int(reused), int(tokens_in), int(tokens_out))


def category_paths(categories: Iterable[CategoryRow]) -> dict[int, tuple[str, ...]]:
    """Category id → names from level 1 down to it."""
    paths: dict[int, tuple[str, ...]] = {}
    for category in sorted(categories, key=lambda c: c.level):
        above = paths.get(category.parent_id, ()) if category.parent_id is not None else ()
        paths[category.id] = (*above, category.name)
    return paths


def build_tree(rows: Sequence[Sequence[Any]]) -> tuple[TreeNode, ...]:
    """The roots of the tree with chunk counts, from the rows of :data:`TREE`.

    Siblings in name order (case-folded, then id). Built bottom-up without
    recursion: the rows come parents first (level, then id), so walking them
    backwards finishes every child before its parent.
    """
    children: dict[int | None, list[TreeNode]] = {}
    for id_, name, level, parent_id, own in reversed(rows):
        kids = children.pop(id_, None)
        if kids is None:  # a leaf: most of a large tree
            node = TreeNode(id_, name, level, parent_id, own, own)
        else:
            kids.sort(key=_display_order)
            total = own + sum(kid.total_chunks for kid in kids)
            node = TreeNode(id_, name, level, parent_id, own, total, tuple(kids))
        children.setdefault(parent_id, []).append(node)
    return tuple(sorted(children.get(None, []), key=_display_order))


def _display_order(node: TreeNode) -> tuple[str, int]:
    return node.name.casefold(), node.id


def trim_tree(roots: Sequence[TreeNode], depth: int) -> tuple[TreeNode, ...]:
    """The first ``depth`` levels (counts still cover whole subtrees)."""

    def trim(node: TreeNode) -> TreeNode:
        kept = () if node.level >= depth else tuple(trim(child) for child in node.children)
        return node._replace(children=kept)

    return tuple(trim(root) for root in roots)
