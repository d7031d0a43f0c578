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

from memoir_ai._browsing import BrowsingMethods
from memoir_ai._helper_methods import HelperMethods
from memoir_ai._maintenance_methods import MaintenanceMethods
from memoir_ai.errors import ConfigurationError, DatabaseError

# Everything heavy (SQLAlchemy, pydantic-ai, the pipelines) loads when an instance
# first needs it, so that ``from memoir_ai import MemoirAI`` stays cheap.
if TYPE_CHECKING:
    from pydantic_ai.models import Model

    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.costs import CostEstimate
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.ingest.pipeline import IngestPipeline
    from memoir_ai.ingest.results import IngestResult
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.llm.models import StructuredOutput
    from memoir_ai.maintenance.results import FrontDoor
    from memoir_ai.query.results import PromptLimitingStrategy, QueryResult, QueryStrategy
    from memoir_ai.query.wording import QueryWording

__all__ = ["MemoirAI"]

logger = logging.getLogger(__name__)


class MemoirAI(BrowsingMethods, HelperMethods, MaintenanceMethods):
    """An explainable long-term memory in one SQL database.

    Pass a :class:`~memoir_ai.config.MemoirAIConfig`, or its fields as keyword
    arguments (``database_url=..., model=..., hierarchy_depth=3, ...``), or
    both (keywords win). ``llm`` replaces the configured model with any
    pydantic-ai model object (a test fake, a configured provider model).
    ``front_door`` says who is calling — ``python`` (the default), ``cli``,
    ``mcp`` or ``http`` — and is recorded with every change made to the tree.
    """

    def __init__(
        self,
        config: MemoirAIConfig | None = None,
        *,
        llm: Model | None = None,
        front_door: FrontDoor = "python",
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
        if front_door not in ("python", "cli", "mcp", "http"):
            raise ConfigurationError(
                f"front_door must be python, cli, mcp or http, got {front_door!r}.",
                remedy="leave it out in Python code; each front door passes its own name.",
            )
        self.front_door: FrontDoor = front_door
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

    async def estimate_ingest(
        self,
        texts: Mapping[str, str],
        *,
        replace: bool = False,
        file_names: Mapping[str, str] | None = None,
    ) -> CostEstimate:
        """What ingesting ``texts`` (source id → text) would cost, without calling the model.

        Nothing is written and no database is created; see :mod:`memoir_ai.ingest.estimate`.
        """
        from memoir_ai.ingest.estimate import estimate_ingest

        return await estimate_ingest(
            self._memory, self.database, self._model_name, texts, replace, file_names or {}
        )

    def estimate_ingest_sync(
        self,
        texts: Mapping[str, str],
        *,
        replace: bool = False,
        file_names: Mapping[str, str] | None = None,
    ) -> CostEstimate:
        """:meth:`estimate_ingest` for synchronous code."""
        return _run_sync(self.estimate_ingest(texts, replace=replace, file_names=file_names))

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
        is the most chunks read per path. Errors name these parameters as the
        front door names them (:attr:`door_words`; ``wording`` overrides, see
        :mod:`memoir_ai.query.wording`). See
        :meth:`memoir_ai.query.pipeline.QueryPipeline.query` for the errors.
        """
        import asyncio

        from memoir_ai.query.pipeline import QueryPipeline

        words = wording or self.door_words.query
        QueryPipeline(self.config, self.database, self.agents).check_arguments(
            query_text,
            strategy,
            strategy_params,
            prompt_limiting_strategy,
            max_token_budget,
            limit,
            wording=words,
        )
        config = await asyncio.to_thread(self._memory.open_for_recording)
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

    def initialize(self) -> None:
        """Create, upgrade or adopt the schema now, as the first write would.

        A server calls it at start-up, so that reads work from the first request.
        """
        self._memory.open_for_writing()

    def close(self) -> None:
        """Release the database connections (an in-memory database goes with them)."""
        self.database.dispose()

    def __enter__(self) -> MemoirAI:
        """Use as a context manager that closes the connections at the end."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the connections."""
        self.close()

    def count_tokens(self, text: str) -> int:
        """The number of tokens of ``text`` for the configured model (its own tokenizer)."""
        from memoir_ai.text.tokens import get_token_counter

        return get_token_counter(self.config.model_name).count(text)


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
