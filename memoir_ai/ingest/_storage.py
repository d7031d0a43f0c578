"""The one write transaction of an ingestion: a classified source becomes rows, or nothing.

:func:`write_plan` runs inside the caller's transaction, after every model
call is over: it takes the ingestion lock, checks the plan against the tree as
it is now (another process may have added categories since the plan was
made), then inserts the new categories, the chunks, the source row, the new
helper version and the audit log of the calls, and removes the answers kept
for the source while its calls completed (:mod:`memoir_ai.database.kept_outputs`).
It raises instead of writing when the source was stored meanwhile
(:class:`AlreadyStored`) or a level filled up (:class:`LimitConflict`,
carrying what to classify again); the caller's transaction then rolls back
whatever was begun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from memoir_ai.database.calls import (
    forget_operation_calls,
    record_llm_calls,
    refer_to_stored_chunks,
)
from memoir_ai.database.categories import (
    CategoryRow,
    NewCategory,
    insert_categories,
    load_categories,
    lock_for_ingest,
)
from memoir_ai.database.chunks import NewChunk, insert_chunks
from memoir_ai.database.helpers import get_helper, store_helper
from memoir_ai.database.kept_outputs import forget_source
from memoir_ai.database.models import HIERARCHY_DEPTH_KEY
from memoir_ai.database.settings import remember_settings
from memoir_ai.database.sources import (
    PROVENANCE_KEY,
    delete_source,
    find_source,
    save_source,
    source_provenance,
)
from memoir_ai.errors import (
    DatabaseError,
    MemoirAIError,
    SourceChangedError,
    SourceCollisionError,
)
from memoir_ai.ingest._tree import Node, WorkingTree
from memoir_ai.ingest.results import HelperStatus, IngestedChunk, IngestStatus
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.results import StoredHelper
from memoir_ai.text.chunker import TextChunk

__all__ = [
    "AlreadyStored",
    "HelperChoice",
    "SOURCE_FAILURE_KINDS",
    "LimitConflict",
    "Plan",
    "Snapshot",
    "StorageSettings",
    "Written",
    "check_origin",
    "read_snapshot",
    "refused_source",
    "working_tree",
    "write_plan",
]


# Database failures of one source's write that another source would not meet: a rule the
# rows break (a constraint, a trigger), or a conflict that outlived its retries.
SOURCE_FAILURE_KINDS = frozenset({"constraint", "conflict", "other"})


@dataclass(frozen=True)
class HelperChoice:
    """The helper of this ingestion, and whether the write must store it.

    ``status`` says where it came from (see :data:`HelperStatus`);
    ``kept_version`` is the version in force that was kept.
    """

    text: str | None
    token_count: int = 0
    user_provided: bool = False
    store: bool = False
    status: HelperStatus = "none"
    kept_version: int | None = None


@dataclass(frozen=True)
class Plan:
    """Everything one source's write needs, decided before the transaction opens."""

    source_id: str
    content_hash: str
    chunks: Sequence[TextChunk]
    paths: list[tuple[str, ...]]
    metadata: Mapping[str, Any]
    replace: bool
    records: Sequence[LLMCallRecord]
    operation_id: str
    helper: HelperChoice
    title: str | None = None
    file_name: str | None = None
    origin: str | None = None

    def source_metadata(self) -> dict[str, Any]:
        """The source row's metadata: the caller's, and apart from it what is known of the file."""
        provenance = {"file_name": self.file_name, "origin": self.origin}
        known = {key: value for key, value in provenance.items() if value is not None}
        return {**self.metadata, PROVENANCE_KEY: known} if known else dict(self.metadata)


@dataclass(frozen=True)
class StorageSettings:
    """The configuration the write checks and records."""

    depth: int
    limits: Mapping[int, int]
    tokenizer_model: str
    keep_payloads: bool


@dataclass(frozen=True)
class Written:
    """What the write stored: the source's status, its chunks and the categories it created."""

    status: IngestStatus
    chunks: list[IngestedChunk]
    categories_created: list[tuple[str, ...]]


class LimitConflict(Exception):
    """The plan no longer fits the stored tree; carries what to classify again."""

    def __init__(self, categories: list[CategoryRow], refused: list[int]) -> None:
        """Keep the tree as stored now and the positions of the chunks that no longer fit."""
        super().__init__(f"{len(refused)} chunk(s) no longer fit the category limits")
        self.categories = categories
        self.refused = refused


class AlreadyStored(Exception):
    """Another process stored the same content first."""


@dataclass(frozen=True)
class Snapshot:
    """What is stored of a source before its ingestion, and the tree as it is."""

    stored_hash: str | None
    stored_metadata: dict[str, Any]
    categories: list[CategoryRow]
    helper: StoredHelper | None


def read_snapshot(session: Session, source_id: str) -> Snapshot:
    """The stored source (its hash and metadata), its helper and the tree, in one read."""
    stored = find_source(session, source_id)
    return Snapshot(
        stored.content_hash if stored else None,
        stored.metadata if stored else {},
        load_categories(session),
        get_helper(session, source_id),
    )


def refused_source(error: MemoirAIError) -> MemoirAIError:
    """A write failure that concerns this source's rows only says so (not "check the URL")."""
    if not isinstance(error, DatabaseError) or error.kind not in SOURCE_FAILURE_KINDS:
        return error
    refused = DatabaseError(
        error.message,
        remedy="the database refused this source's rows, and only this source is affected; "
        "check its text, and run `memoir db validate` if the schema was changed by hand.",
    )
    refused.kind, refused.retryable = error.kind, error.retryable
    return refused


def check_origin(source_id: str, stored_metadata: Mapping[str, Any], origin: str | None) -> None:
    """Refuse text from ``origin`` for a source that was read from another origin.

    A source remembers the origin (the file) it was first read from; another
    one under the same id is a collision of two different files, never a new
    version of the same text. Without an origin on either side there is
    nothing to compare.

    Raises:
        SourceCollisionError: the stored source came from another origin.
    """
    stored_origin = source_provenance(stored_metadata).get("origin")
    if origin is not None and stored_origin is not None and stored_origin != origin:
        raise SourceCollisionError(source_id, stored_origin=stored_origin, origin=origin)


def working_tree(
    categories: Sequence[CategoryRow], depth: int, limits: Mapping[int, int]
) -> WorkingTree:
    """The stored categories as a tree that new paths can be planned into."""
    return WorkingTree.from_rows(categories, depth, dict(limits))


def write_plan(session: Session, plan: Plan, settings: StorageSettings) -> Written:
    """Store ``plan`` in the caller's transaction (which commits or rolls back).

    Raises:
        AlreadyStored: the same content was stored meanwhile; nothing to write.
        LimitConflict: a level filled up meanwhile; some chunks need new paths.
        SourceCollisionError: a source read from another origin was stored
            meanwhile under the same id.
        SourceChangedError: different content was stored meanwhile and
            ``replace`` is off.
    """
    session.info[HIERARCHY_DEPTH_KEY] = settings.depth
    lock_for_ingest(session, settings.limits)
    remember_settings(
        session, hierarchy_depth=settings.depth, tokenizer_model=settings.tokenizer_model
    )
    stored = find_source(session, plan.source_id)
    status: IngestStatus = "created"
    if stored is not None:
        if stored.content_hash == plan.content_hash:
            raise AlreadyStored
        check_origin(plan.source_id, stored.metadata, plan.origin)
        if not plan.replace:
            raise SourceChangedError(plan.source_id)
        delete_source(session, plan.source_id)
        status = "replaced"
    categories = load_categories(session)
    tree = working_tree(categories, settings.depth, settings.limits)
    placed = [tree.place(path) for path in plan.paths]
    refused = [index for index, leaf in enumerate(placed) if leaf is None]
    if refused:
        raise LimitConflict(categories, refused)
    leaves = [leaf for leaf in placed if leaf is not None]
    planned = tree.planned()
    new_ids = insert_categories(session, _new_categories(planned))
    for node, new_id in zip(planned, new_ids, strict=True):
        node.id = new_id
    chunk_ids = insert_chunks(session, plan.source_id, _new_chunks(plan, leaves))
    save_source(
        session,
        plan.source_id,
        content_hash=plan.content_hash,
        metadata=plan.source_metadata(),
        title=plan.title,
    )
    if plan.helper.store and plan.helper.text is not None and _may_store(session, plan):
        store_helper(
            session,
            plan.source_id,
            plan.helper.text,
            plan.helper.token_count,
            is_user_provided=plan.helper.user_provided,
        )
    # Stored: the answers kept while its calls completed are needed no more.
    forget_source(session, plan.source_id)
    forget_operation_calls(session, plan.operation_id)  # logged as they completed: once
    stored_chunks = dict(zip((chunk.content for chunk in plan.chunks), chunk_ids, strict=True))
    record_llm_calls(
        session,
        plan.records,
        source_id=plan.source_id,
        operation_id=plan.operation_id,
        keep_payloads=settings.keep_payloads,
        stored_chunks=stored_chunks,
    )
    if status == "created":  # the calls of runs killed before it was stored: kept small
        refer_to_stored_chunks(
            session, plan.source_id, stored_chunks, operation_id=plan.operation_id
        )
    chunks = [
        IngestedChunk(
            id=chunk_id,
            position=chunk.position,
            content=chunk.content,
            token_count=chunk.token_count,
            start_offset=chunk.start_offset,
            end_offset=chunk.end_offset,
            category_id=_id(leaf),
            category_path=leaf.path,
        )
        for chunk_id, chunk, leaf in zip(chunk_ids, plan.chunks, leaves, strict=True)
    ]
    return Written(status, chunks, [node.path for node in planned])


def _may_store(session: Session, plan: Plan) -> bool:
    """A generated helper never overrides a user's helper stored while the model was writing."""
    if plan.helper.user_provided:
        return True
    current = get_helper(session, plan.source_id)
    return current is None or not current.is_user_provided


def _new_categories(planned: Sequence[Node]) -> list[NewCategory]:
    index_of = {id(node): index for index, node in enumerate(planned)}
    result = []
    for node in planned:
        parent = node.parent
        if parent is None or parent.level == 0:
            result.append(NewCategory(node.name, node.level))
        elif parent.planned:
            result.append(NewCategory(node.name, node.level, parent_index=index_of[id(parent)]))
        else:
            result.append(NewCategory(node.name, node.level, parent_id=parent.id))
    return result


def _new_chunks(plan: Plan, leaves: Sequence[Node]) -> list[NewChunk]:
    return [
        NewChunk(
            content=chunk.content,
            token_count=chunk.token_count,
            category_id=_id(leaf),
            position=chunk.position,
            start_offset=chunk.start_offset,
            end_offset=chunk.end_offset,
            metadata=dict(plan.metadata),
        )
        for chunk, leaf in zip(plan.chunks, leaves, strict=True)
    ]


def _id(leaf: Node) -> int:
    if leaf.id is None:  # pragma: no cover - planned categories get their id before chunks
        raise AssertionError("a planned category has no id yet")
    return leaf.id
