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

import asyncio
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from memoir_ai._sync import run_sync
from memoir_ai.config import MemoirAIConfig
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.errors import ConfigurationError
from memoir_ai.ingest.pipeline import IngestPipeline
from memoir_ai.ingest.results import IngestResult
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.models import LLMSettings

if TYPE_CHECKING:
    from pydantic_ai.models import Model

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
        if config.model is None and llm is None:
            logger.warning(
                "No model configured (MEMOIR_MODEL): using the offline stand-in, "
                "which files text by word statistics, not an LLM."
            )
        self.database = DatabaseManager(config)
        self.agents = AgentFactory(LLMSettings.from_config(config), model=llm)
        self._ingest = IngestPipeline(config, self.database, self.agents)
        self._ready = False
        self._ready_lock = threading.Lock()

    async def ingest_text(
        self,
        content: str,
        source_id: str,
        contextual_helper: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        replace: bool = False,
    ) -> IngestResult:
        """Chunk ``content``, file every chunk under a leaf category, and store it as one source.

        Storage is atomic: all chunks, new categories, the source row and the
        audit log of the calls are written together, or nothing is. The same
        content under the same ``source_id`` again is a no-op (``status``
        ``unchanged``); different content is refused unless ``replace=True``.
        """
        await asyncio.to_thread(self._prepare_database)
        return await self._ingest.ingest_text(
            content,
            source_id,
            contextual_helper=contextual_helper,
            metadata=metadata,
            replace=replace,
        )

    def ingest_text_sync(
        self,
        content: str,
        source_id: str,
        contextual_helper: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        replace: bool = False,
    ) -> IngestResult:
        """:meth:`ingest_text` for synchronous code (see :func:`memoir_ai._sync.run_sync`)."""
        return run_sync(self.ingest_text(content, source_id, contextual_helper, metadata, replace))

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()

    def __enter__(self) -> MemoirAI:
        """Use as a context manager that closes the connections at the end."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the connections."""
        self.close()

    def _prepare_database(self) -> None:
        """Create or upgrade the schema once per instance."""
        with self._ready_lock:
            if not self._ready:
                self.database.create_tables()
                self._ready = True
