"""MemoirAI: the one object a user holds — async methods, each with a ``*_sync`` twin.

::

    from memoir_ai import MemoirAI

    memoir = MemoirAI(database_url="sqlite:///memoir.db")  # model: MEMOIR_MODEL or offline
    result = memoir.ingest_text_sync(text, source_id="notes/2024-06.md")
    for chunk in result.chunks:
        print(chunk.position, " > ".join(chunk.category_path))

The database is created or upgraded through the migrations on first use.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from memoir_ai.errors import ConfigurationError, DatabaseError, ValidationError

# Everything heavy (SQLAlchemy, pydantic-ai, the pipelines) loads when an instance
# first needs it, so that ``from memoir_ai import MemoirAI`` stays cheap.
if TYPE_CHECKING:
    from pydantic_ai.models import Model

    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.helpers.compose import HelperFields
    from memoir_ai.helpers.service import ContextualHelperService, HelperPreview
    from memoir_ai.ingest.pipeline import IngestPipeline
    from memoir_ai.ingest.results import IngestResult
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.llm.models import StructuredOutput
    from memoir_ai.query.results import PromptLimitingStrategy, QueryResult, QueryStrategy
    from memoir_ai.query.wording import QueryWording
    from memoir_ai.results import (
        CallTotals,
        CategoryTree,
        ChunkDetail,
        DatabaseInfo,
        LoggedCall,
        LoggedCallDetail,
        SourceSummary,
        StoredHelper,
    )

__all__ = ["MemoirAI"]

logger = logging.getLogger(__name__)


class MemoirAI:
    """An explainable long-term memory in one SQL database.

    Pass a :class:`~memoir_ai.config.MemoirAIConfig`, or its fields as keyword
    arguments (``database_url=..., model=..., hierarchy_depth=3, ...``), or
    both (keywords win). ``llm`` replaces the configured model with any
    pydantic-ai model object (a test fake, a configured provider model).
    """

    def __init__(
        self,
        config: MemoirAIConfig | None = None,
        *,
        llm: Model | None = None,
        **settings: Any,
    ) -> None:
        """Check the settings; nothing connects until the first operation."""
        from memoir_ai.config import MemoirAIConfig
        from memoir_ai.database.engine import DatabaseManager
        from memoir_ai.database.opened import OpenedMemory

        if config is not None and settings:
            config = MemoirAIConfig(**{**config.model_dump(), **settings})
        elif config is None:
            config = MemoirAIConfig(**settings)
        elif not isinstance(config, MemoirAIConfig):
            raise ConfigurationError(
                f"config must be a MemoirAIConfig, got {type(config).__name__}.",
                remedy="pass MemoirAIConfig(...) or the settings as keyword arguments.",
            )
        self.config = config
        self.database: DatabaseManager = DatabaseManager(config)
        self._llm = llm
        self._agents: AgentFactory | None = None
        self._memory = OpenedMemory(config, self.database)
        self._ingest: IngestPipeline | None = None

    @property
    def agents(self) -> AgentFactory:
        """The agents that call the model (built on first use; the model itself later still)."""
        if self._agents is None:
            from memoir_ai.llm.agents import AgentFactory
            from memoir_ai.llm.models import LLMSettings

            settings = LLMSettings.from_config(self.config)
            # Start where the model worked last time (remembered by the database, if opened).
            stored = self._memory.settings
            remembered = stored.output_modes.get(self._model_name) if stored else None
            self._agents = AgentFactory(
                settings, model=self._llm, output_mode=_output_mode(remembered)
            )
        return self._agents

    @property
    def _model_name(self) -> str:
        return self._llm.model_name if self._llm is not None else self.config.model_name

    async def _remember_output_mode(self) -> None:
        """Keep the output mode that worked, so the next run starts with it (``auto`` only)."""
        import asyncio

        agents = self._agents
        if agents is None or agents.working_mode is None:
            return
        if self.config.structured_output != "auto":
            return
        try:
            await asyncio.to_thread(
                self._memory.remember_output_mode, agents.model_name, agents.working_mode
            )
        except DatabaseError as error:  # worth keeping, never worth failing the operation
            logger.warning("Could not remember the output mode that worked: %s", error)

    async def ingest_text(
        self,
        content: str,
        source_id: str,
        contextual_helper: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        replace: bool = False,
        *,
        title: str | None = None,
        file_name: str | None = None,
        origin: str | None = None,
    ) -> IngestResult:
        """Chunk ``content``, file every chunk under a leaf category, and store it as one source.

        Storage is atomic: all chunks, new categories, the source row and the
        audit log of the calls are written together, or nothing is. The same
        content under the same ``source_id`` again is a no-op (``status``
        ``unchanged``); different content is refused unless ``replace=True``.
        ``title``, ``file_name`` and ``origin`` (where the text was read from:
        another origin under a stored id is refused) are described in
        :meth:`memoir_ai.ingest.pipeline.IngestPipeline.ingest_text`.
        """
        import asyncio

        from memoir_ai.ingest.pipeline import IngestPipeline

        config = await asyncio.to_thread(self._memory.open_for_writing)
        if self._ingest is None:
            self._ingest = IngestPipeline(config, self.database, self.agents)
        try:
            return await self._ingest.ingest_text(
                content,
                source_id,
                contextual_helper=contextual_helper,
                metadata=metadata,
                replace=replace,
                title=title,
                file_name=file_name,
                origin=origin,
            )
        finally:
            await self._remember_output_mode()

    def ingest_text_sync(
        self,
        content: str,
        source_id: str,
        contextual_helper: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        replace: bool = False,
        *,
        title: str | None = None,
        file_name: str | None = None,
        origin: str | None = None,
    ) -> IngestResult:
        """:meth:`ingest_text` for synchronous code (see :func:`memoir_ai._sync.run_sync`)."""
        return _run_sync(
            self.ingest_text(
                content,
                source_id,
                contextual_helper,
                metadata,
                replace,
                title=title,
                file_name=file_name,
                origin=origin,
            )
        )

    async def query(
        self,
        query_text: str,
        strategy: QueryStrategy | str = "one_shot",
        strategy_params: Mapping[str, Any] | None = None,
        prompt_limiting_strategy: PromptLimitingStrategy | str = "prune",
        max_token_budget: int | None = None,
        use_rankings: bool = True,
        limit: int = 10,
        *,
        wording: QueryWording | None = None,
    ) -> QueryResult:
        """Answer ``query_text`` from the memory, citing the chunks used (see SPEC section 5).

        ``max_token_budget`` defaults to the configuration's (40000); ``limit``
        is the most chunks read per path. Errors name these parameters; a
        front door passes its own ``wording`` (see :mod:`memoir_ai.query.wording`)
        so that they name its options instead. See
        :meth:`memoir_ai.query.pipeline.QueryPipeline.query` for the errors.
        """
        import asyncio

        from memoir_ai.query.pipeline import QueryPipeline
        from memoir_ai.query.wording import API_WORDING

        words = wording or API_WORDING
        QueryPipeline(self.config, self.database, self.agents).check_arguments(
            query_text,
            strategy,
            strategy_params,
            prompt_limiting_strategy,
            max_token_budget,
            limit,
            wording=words,
        )
        config = await asyncio.to_thread(self._memory.open_for_reading)
        try:
            return await QueryPipeline(config, self.database, self.agents).query(
                query_text,
                strategy,
                strategy_params,
                prompt_limiting_strategy,
                max_token_budget,
                use_rankings,
                limit,
                wording=words,
            )
        finally:
            await self._remember_output_mode()

    def query_sync(
        self,
        query_text: str,
        strategy: QueryStrategy | str = "one_shot",
        strategy_params: Mapping[str, Any] | None = None,
        prompt_limiting_strategy: PromptLimitingStrategy | str = "prune",
        max_token_budget: int | None = None,
        use_rankings: bool = True,
        limit: int = 10,
        *,
        wording: QueryWording | None = None,
    ) -> QueryResult:
        """:meth:`query` for synchronous code (see :func:`memoir_ai._sync.run_sync`)."""
        return _run_sync(
            self.query(
                query_text,
                strategy,
                strategy_params,
                prompt_limiting_strategy,
                max_token_budget,
                use_rankings,
                limit,
                wording=wording,
            )
        )

    def close(self) -> None:
        """Release the database connections (an in-memory database goes with them)."""
        self.database.dispose()

    def __enter__(self) -> MemoirAI:
        """Use as a context manager that closes the connections at the end."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the connections."""
        self.close()

    # -- browsing and maintaining the memory ---------------------------------------------

    def get_category_tree(self) -> CategoryTree:
        """The category tree with the ids, names, levels and chunk counts of every node."""
        from memoir_ai.database.categories import load_category_tree
        from memoir_ai.ingest.fill import level_fill

        config = self._memory.open_for_reading()
        tree = self.database.run(load_category_tree, doing="reading the category tree")
        counts: dict[int, int] = {}
        for _, node in tree.walk():
            counts[node.level] = counts.get(node.level, 0) + 1
        limits = {
            level: config.category_limit(level) for level in range(1, config.hierarchy_depth + 1)
        }
        return tree.model_copy(update={"levels": level_fill(counts, limits)})

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
            ValidationError: no chunk has that id.
        """
        from memoir_ai.database.chunks import get_chunk

        self._memory.open_for_reading()
        chunk = self.database.run(
            lambda session: get_chunk(session, chunk_id), doing=f"reading chunk {chunk_id}"
        )
        if chunk is None:
            raise ValidationError(
                f"There is no chunk with id {chunk_id} in {self.database.masked_url}.",
                remedy="use the id of a chunk of a query result (QueryResult.chunks) or of "
                "list_chunks(source_id).",
            )
        return chunk

    def list_chunks(self, source_id: str) -> list[ChunkDetail]:
        """The chunks of one source, in text order, with their ids and category paths.

        Raises:
            ValidationError: no source is stored under ``source_id``.
        """
        from memoir_ai.database.chunks import source_chunks

        self._memory.open_for_reading()
        chunks = self.database.run(
            lambda session: source_chunks(session, source_id),
            doing=f"reading the chunks of {source_id!r}",
        )
        if not chunks:
            raise ValidationError(
                f"There is no source {source_id!r} in {self.database.masked_url}.",
                remedy="use a source id of list_sources().",
            )
        return chunks

    def delete_source(self, source_id: str) -> int:
        """Delete a source atomically; return how many chunks went with it.

        Its chunks, its contextual helper with every version, the source row
        and the categories left empty go in one transaction. The audit log of
        LLM calls is kept: it records what was spent.

        Raises:
            ValidationError: no source is stored under ``source_id``.
        """
        from memoir_ai.database.sources import checked_source_id, remove_source

        source_id = checked_source_id(source_id)
        self._memory.open_for_changes()  # a missing database is refused, not created
        removed = self.database.run(
            lambda session: remove_source(session, source_id),
            doing=f"deleting source {source_id!r}",
        )
        if removed is None:
            raise ValidationError(
                f"There is no source {source_id!r} in {self.database.masked_url}.",
                remedy="list the stored sources with `memoir sources` (or list_sources()).",
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
        self._memory.open_for_reading()
        return self.database.run(
            lambda session: list_logged_calls(session, source_id=source_id, limit=limit),
            doing="reading the call log",
        )

    def llm_call(self, call_id: int) -> LoggedCallDetail:
        """One recorded call with the exact prompt it sent and the answer it got.

        Raises:
            ValidationError: no call has that id.
            DatabaseError: its stored payload cannot be read back (changed outside memoir-ai).
        """
        from memoir_ai.database.calls import load_call_detail

        self._memory.open_for_reading()
        with self.database.session() as session:
            detail = load_call_detail(session, call_id)
        if detail is None:
            raise ValidationError(
                f"There is no LLM call with id {call_id} in {self.database.masked_url}.",
                remedy="list the recorded calls and their ids with `memoir log` (or llm_calls()).",
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

    async def regenerate_contextual_helper(
        self, source_id: str, *, file_name: str | None = None
    ) -> StoredHelper:
        """Have the model write a new version of the helper of ``source_id`` from its chunks.

        The new version overrides the current one (even a user-provided one,
        which stays in the history); it returns the helper now in force.

        Raises:
            ValidationError: nothing is stored for ``source_id``.
        """
        import asyncio

        await asyncio.to_thread(self._memory.open_for_changes)  # needs stored chunks anyway
        outcome = await self._helpers().regenerate_helper(source_id, file_name=file_name)
        return outcome.helper

    def regenerate_contextual_helper_sync(
        self, source_id: str, *, file_name: str | None = None
    ) -> StoredHelper:
        """:meth:`regenerate_contextual_helper` for synchronous code."""
        return _run_sync(self.regenerate_contextual_helper(source_id, file_name=file_name))

    def get_contextual_helper(self, source_id: str) -> StoredHelper | None:
        """The helper in force for ``source_id``, or None when it has none."""
        self._memory.open_for_reading()
        return self._helpers().get_helper(source_id)

    def contextual_helper_history(self, source_id: str) -> list[StoredHelper]:
        """Every version of the helper of ``source_id``, oldest first (empty if none)."""
        self._memory.open_for_reading()
        return self._helpers().helper_history(source_id)

    def preview_contextual_helper(self, fields: HelperFields) -> HelperPreview:
        """Check a user's helper fields and compose the helper text; nothing is written.

        Raises:
            ValidationError: a date that is not ISO 8601, a description over 200
                tokens, or an over-long author, topic or title (the message says which).
        """
        return self._helpers().preview_user_helper(fields)

    def set_contextual_helper(self, source_id: str, helper: HelperFields | str) -> StoredHelper:
        """Store a user's helper for ``source_id`` as its next version, overriding any other.

        ``helper`` is the user's fields (composed as :meth:`preview_contextual_helper`
        shows) or the finished text (at most 300 tokens).

        Raises:
            ValidationError: an empty source id, or a helper that breaks its limits.
        """
        self._memory.open_for_changes()  # a missing database is refused, not created
        return self._helpers().set_user_helper(source_id, helper)

    def count_tokens(self, text: str) -> int:
        """The number of tokens of ``text`` for the configured model (its own tokenizer)."""
        from memoir_ai.text.tokens import get_token_counter

        return get_token_counter(self.config.model_name).count(text)

    def _helpers(self) -> ContextualHelperService:
        from memoir_ai.helpers.service import ContextualHelperService
        from memoir_ai.text.tokens import get_token_counter

        return ContextualHelperService(
            self.database, self.agents, get_token_counter(self.config.model_name)
        )


_T = TypeVar("_T")


def _run_sync(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coroutine`` to completion from synchronous code (:func:`memoir_ai._sync.run_sync`)."""
    from memoir_ai._sync import run_sync

    return run_sync(coroutine)


def _output_mode(remembered: str | None) -> StructuredOutput | None:
    """A remembered output mode, if it is one this code knows."""
    from typing import get_args

    from memoir_ai.llm.models import StructuredOutput

    modes: tuple[str, ...] = get_args(StructuredOutput)
    return remembered if remembered in modes else None  # type: ignore[return-value]
