"""The reading and maintaining methods of :class:`~memoir_ai.memoir.MemoirAI`.

Browsing a memory (the tree, the sources, one chunk, the call log) and deleting
a source are short synchronous database units: each opens the memory for
reading (or, to delete, for changes) and runs one unit through
:meth:`~memoir_ai.database.engine.DatabaseManager.run`, so a lost connection is
retried like any other. They live here, apart from the model-calling core, and
reach :class:`~memoir_ai.memoir.MemoirAI` as a base class.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from memoir_ai.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from pydantic_ai.models import Model
    from sqlalchemy.orm import Session

    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.costs import ModelCost
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.database.opened import OpenedMemory
    from memoir_ai.door_words import DoorWords
    from memoir_ai.front_doors import CallLog
    from memoir_ai.maintenance.results import FrontDoor
    from memoir_ai.results import (
        CallTotals,
        CategoryTree,
        ChunkDetail,
        DatabaseInfo,
        LoggedCall,
        LoggedCallDetail,
        SourceSummary,
    )
    from memoir_ai.upkeep import VacuumResult

__all__ = ["BrowsingMethods"]

_LARGEST_ID = 2**63 - 1  # the largest value a BIGINT (and SQLite's INTEGER) holds

logger = logging.getLogger("memoir_ai.memoir")


class BrowsingMethods:
    """Reading the memory, and deleting a source (a base of :class:`~memoir_ai.memoir.MemoirAI`)."""

    config: MemoirAIConfig
    database: DatabaseManager
    front_door: FrontDoor
    _llm: Model | None
    _memory: OpenedMemory

    @property
    def door_words(self) -> DoorWords:
        """How this instance's remedies name listings and actions: its front door's words."""
        from memoir_ai.door_words import words_for

        return words_for(self.front_door)

    @property
    def _model_name(self) -> str:
        return self._llm.model_name if self._llm is not None else self.config.model_name

    def get_category_tree(self, depth: int | None = None) -> CategoryTree:
        """The category tree with the ids, names, levels and chunk counts of every node.

        ``depth`` keeps only the first levels, down to that one (1: the top
        level); counts still cover whole subtrees. Every level by default.

        Raises:
            ValidationError: ``depth`` is less than 1.
        """
        from memoir_ai.database.categories import load_category_tree
        from memoir_ai.ingest.fill import level_fill

        if depth is not None and (isinstance(depth, bool) or depth < 1):
            raise ValidationError(
                f"depth must be 1 or more, got {depth}.",
                remedy="give a depth of 1 or more (1: the top level), or none for the whole tree.",
            )
        config = self._memory.open_for_reading()
        tree = self.database.run(load_category_tree, doing="reading the category tree")
        counts: dict[int, int] = {}
        for _, node in tree.walk():
            counts[node.level] = counts.get(node.level, 0) + 1
        limits = {
            level: config.category_limit(level) for level in range(1, config.hierarchy_depth + 1)
        }
        tree = tree.model_copy(update={"levels": level_fill(counts, limits)})
        return tree.trimmed(depth) if depth is not None else tree

    def get_database_info(self) -> DatabaseInfo:
        """Where the memory lives, whether its schema is current, and how much it holds.

        Only reads: a database that was never initialized is reported as such
        (``schema_valid`` False, ``current_revision`` None), not created.
        """
        from memoir_ai.database.migration_manager import MigrationManager
        from memoir_ai.results import DatabaseInfo

        report = MigrationManager(
            self.config, engine=self.database.engine
        ).validate_database_schema()
        stored = self._memory.stored_settings() if report.current_revision else None
        return DatabaseInfo(
            database_url=self.database.masked_url,
            model=self._model_name,
            hierarchy_depth=stored.hierarchy_depth if stored else self.config.hierarchy_depth,
            schema_valid=report.is_valid,
            current_revision=report.current_revision,
            head_revision=report.head_revision,
            pending_migrations=tuple(report.pending_migrations),
            row_counts={
                table.name: table.row_count
                for table in report.table_info
                if table.exists and table.row_count is not None
            },
            problems=tuple(report.problems),
            level_fill=self.get_category_tree().levels if report.is_valid else (),
        )

    def list_sources(self) -> list[SourceSummary]:
        """Every stored source (id, title, chunk and token counts, helper version), oldest first."""
        from memoir_ai.database.sources import list_sources

        self._memory.open_for_reading()
        return self.database.run(list_sources, doing="listing the sources")

    def get_chunk(self, chunk_id: int) -> ChunkDetail:
        """One stored chunk with its category path, source and character offsets.

        Raises:
            NotFoundError: no chunk has that id.
        """
        from memoir_ai.database.chunks import get_chunk

        self._memory.open_for_reading()
        chunk = (
            self.database.run(
                lambda session: get_chunk(session, chunk_id), doing=f"reading chunk {chunk_id}"
            )
            if 0 < chunk_id <= _LARGEST_ID  # beyond what an id column holds: none has it
            else None
        )
        if chunk is None:
            raise NotFoundError(
                f"There is no chunk with id {chunk_id} in {self.database.masked_url}.",
                remedy=f"use the id of a stored chunk: {self.door_words.chunk_ids}.",
            )
        return chunk

    def list_chunks(self, source_id: str) -> list[ChunkDetail]:
        """The chunks of one source, in text order, with their ids and category paths.

        Raises:
            NotFoundError: no source is stored under ``source_id``.
        """
        from memoir_ai.database.chunks import source_chunks

        self._memory.open_for_reading()
        chunks = self.database.run(
            lambda session: source_chunks(session, source_id),
            doing=f"reading the chunks of {source_id!r}",
        )
        if not chunks:
            raise NotFoundError(
                f"There is no source {source_id!r} in {self.database.masked_url}.",
                remedy=f"use a source id that {self.door_words.sources} lists.",
            )
        return chunks

    def list_category_chunks(self, category_id: int) -> list[ChunkDetail]:
        """The chunks filed under a category (a leaf; above, its subtree's), oldest first.

        Raises:
            CategoryNotFoundError: no category has that id.
        """
        from memoir_ai.database.chunks import chunks_under
        from memoir_ai.errors import CategoryNotFoundError

        self._memory.open_for_reading()
        chunks = self.database.run(
            lambda session: chunks_under(session, category_id),
            doing=f"reading the chunks of category {category_id}",
        )
        if chunks is None:
            raise CategoryNotFoundError(
                f"There is no category with id {category_id} in {self.database.masked_url}.",
                remedy=f"use an id that {self.door_words.tree} shows.",
            )
        return chunks

    def delete_source(self, source_id: str) -> int:
        """Delete a source atomically; return how many chunks went with it.

        Its chunks, its contextual helper with every version, the source row
        and the categories left empty go in one transaction. The audit log of
        LLM calls is kept: it records what was spent.

        Raises:
            NotFoundError: no source is stored under ``source_id``.
        """
        from memoir_ai.database.changes import lock_tree
        from memoir_ai.database.sources import checked_source_id, remove_source

        source_id = checked_source_id(source_id)
        config = self._memory.open_for_changes()  # a missing database is refused, not created

        def work(session: Session) -> int | None:
            # It prunes categories: it waits for the tree's other writers like they do.
            lock_tree(session, config.hierarchy_depth)
            return remove_source(session, source_id)

        removed = self.database.run(work, doing=f"deleting source {source_id!r}")
        if removed is None:
            raise NotFoundError(
                f"There is no source {source_id!r} in {self.database.masked_url}.",
                remedy=f"list the stored sources with {self.door_words.sources}.",
            )
        logger.info("Deleted source %r and its %d chunk(s).", source_id, removed)
        return removed

    def llm_calls(self, source_id: str | None = None, limit: int | None = None) -> list[LoggedCall]:
        """The recorded LLM calls (the most recent ``limit``, all by default), oldest first."""
        from memoir_ai.database.calls import list_logged_calls

        if limit is not None and limit < 1:
            raise ValidationError(
                f"limit must be a positive number of calls, got {limit}.",
                remedy="pass a limit of 1 or more, or None for every call.",
            )
        if limit is not None and limit > _LARGEST_ID:
            limit = None  # more calls than a table can hold: every call
        self._memory.open_for_reading()
        return self.database.run(
            lambda session: list_logged_calls(session, source_id=source_id, limit=limit),
            doing="reading the call log",
        )

    def llm_call(self, call_id: int) -> LoggedCallDetail:
        """One recorded call with the exact prompt it sent and the answer it got.

        Raises:
            NotFoundError: no call has that id.
            DatabaseError: its stored payload cannot be read back (changed outside memoir-ai).
        """
        from memoir_ai.database.calls import load_call_detail

        self._memory.open_for_reading()
        detail = self.database.run(
            lambda session: load_call_detail(session, call_id), doing=f"reading LLM call {call_id}"
        )
        if detail is None:
            raise NotFoundError(
                f"There is no LLM call with id {call_id} in {self.database.masked_url}.",
                remedy=f"list the recorded calls and their ids with {self.door_words.calls}.",
            )
        return detail

    def llm_call_totals(self, source_id: str | None = None) -> CallTotals:
        """Calls, tokens in and out, latency and errors summed over the log (or one source)."""
        from memoir_ai.database.calls import call_totals

        self._memory.open_for_reading()
        return self.database.run(
            lambda session: call_totals(session, source_id=source_id),
            doing="summing the call log",
        )

    def call_log(self, source_id: str | None = None, limit: int | None = None) -> CallLog:
        """The recorded calls (the most recent ``limit``, oldest first) and the totals over all.

        What ``memoir log --json`` prints and ``GET /api/calls`` answers.
        """
        from memoir_ai.front_doors import CallLog

        calls = self.llm_calls(source_id=source_id, limit=limit)
        return CallLog(calls=tuple(calls), totals=self.llm_call_totals(source_id=source_id))

    def vacuum(self, older_than_days: float = 7) -> VacuumResult:
        """Remove the answers kept for resumable ingestion that nobody will reuse.

        Those of stored texts, and those older than ``older_than_days`` of
        texts not stored (0: every one). See :mod:`memoir_ai.ingest._kept`.
        """
        from memoir_ai.ingest._kept import vacuum_kept

        return vacuum_kept(self._memory, self.database, older_than_days)

    def llm_call_costs(self, source_id: str | None = None) -> tuple[ModelCost, ...]:
        """Per model: calls, reused calls, tokens and USD where the price is known (the log)."""
        from memoir_ai.database.call_costs import usage_by_model
        from memoir_ai.llm.pricing import costs_of_usage

        self._memory.open_for_reading()
        return costs_of_usage(
            self.database.run(
                lambda session: usage_by_model(session, source_id=source_id),
                doing="summing the call log per model",
            )
        )
