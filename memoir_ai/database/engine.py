"""Engines, sessions and transactions (minimal first cut; hardened by the engine work).

Public surface other modules rely on:

- ``mask_url(url) -> str``: the URL with its password replaced by ``***``.
- ``create_database_engine(config) -> Engine``: a configured SQLAlchemy engine.
- ``DatabaseManager(config)``: ``engine``, ``session()``, ``transaction()``,
  ``create_tables(use_migrations=True)``, ``dispose()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from memoir_ai.config import MemoirAIConfig

__all__ = ["DatabaseManager", "create_database_engine", "mask_url"]


def mask_url(url: str) -> str:
    """Return ``url`` with any password hidden, safe for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def create_database_engine(config: MemoirAIConfig) -> Engine:
    """Create the SQLAlchemy engine for ``config.database_url``."""
    return create_engine(config.database_url, echo=config.db_echo, pool_pre_ping=True)


class DatabaseManager:
    """Owns the engine and hands out sessions and transactions."""

    def __init__(self, config: MemoirAIConfig) -> None:
        """Create the manager; the engine is made on first use."""
        self.config = config
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def engine(self) -> Engine:
        """The engine, created on first access."""
        if self._engine is None:
            self._engine = create_database_engine(self.config)
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that is closed afterwards (no implicit commit)."""
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self._sessions() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        with self.session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._sessions = None
