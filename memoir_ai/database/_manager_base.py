"""How MigrationManager reaches a database and Alembic: connections, the lock, errors.

:class:`~memoir_ai.database.migration_manager.MigrationManager` says what the
life cycle does; this base class holds the plumbing it runs on: one engine
(borrowed or owned), connections with the driver's errors translated, the
migration lock, read-only access that never creates an SQLite file, Alembic
configs pointing at the packaged migrations, and offline SQL.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database._locks import migration_lock
from memoir_ai.database._revisions import RevisionCatalog, alembic_config, recorded_revision
from memoir_ai.database.engine import DatabaseManager, as_database_error
from memoir_ai.database.urls import is_sqlite_memory
from memoir_ai.errors import DatabaseConnectionError, MigrationError

__all__ = ["ManagerBase"]

_T = TypeVar("_T")


class ManagerBase:
    """One database, its connections and its Alembic configuration; see the module docstring.

    Use it as a context manager (or call :meth:`close`) to release its
    connections; an engine passed in is borrowed and left open.
    """

    def __init__(self, config: MemoirAIConfig, *, engine: Engine | None = None) -> None:
        """Prepare the manager; nothing connects until a method needs the database."""
        self.config = config
        self.database = DatabaseManager(config, engine=engine)
        self.revisions = RevisionCatalog()

    def __enter__(self) -> Self:
        """Use the manager in a ``with`` block that closes it."""
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        """Close the manager's own connections."""
        self.close()

    def close(self) -> None:
        """Dispose of the engine if this manager created it."""
        self.database.dispose()

    @property
    def engine(self) -> Engine:
        """The engine of the configured database (created on first use)."""
        return self.database.engine

    @property
    def database_url(self) -> str:
        """The database URL with its password hidden."""
        return self.database.masked_url

    @property
    def script(self) -> ScriptDirectory:
        """Alembic's view of the revisions shipped with this version of memoir-ai."""
        return self.revisions.script

    @property
    def head_revision(self) -> str:
        """The newest revision this code knows."""
        return self.revisions.head

    def _alembic(self, connection: Connection, action: Callable[[Config], object]) -> None:
        try:
            action(self._alembic_config(connection))
        except CommandError as exc:
            raise MigrationError(
                f"Alembic refused on {self.database_url}: {exc}.",
                remedy="check the revision name with `memoir db history`.",
            ) from exc
        except DBAPIError as exc:
            error = as_database_error(exc, self.engine.url)
            if isinstance(error, DatabaseConnectionError):
                raise error from exc
            raise MigrationError(
                f"A migration failed on {self.database_url}: {error.message}",
                remedy="see `memoir db validate`; if it reports an interrupted migration, "
                "`memoir db init` repairs it.",
            ) from exc
        connection.commit()

    def _run(self, work: Callable[[Connection], _T]) -> _T:
        with self._connection() as connection:
            return work(connection)

    def _read(self, work: Callable[[Connection], _T]) -> _T:
        """Run read-only ``work``; a missing SQLite file reads as an empty database, uncreated."""
        if not self._sqlite_file_missing():
            return self._run(work)
        empty = create_engine("sqlite://")
        try:
            with empty.connect() as connection:
                return work(connection)
        finally:
            empty.dispose()

    def _sqlite_file_missing(self) -> bool:
        url = self.engine.url
        return (
            url.get_backend_name() == "sqlite"
            and not is_sqlite_memory(url)
            and bool(url.database)
            and not Path(str(url.database)).exists()
        )

    def _run_locked(self, work: Callable[[Connection], _T]) -> _T:
        # The first connection goes through connect_with_retry (a server may be starting up).
        first = self._first_connection()
        with migration_lock(self.engine, first), self._connection() as connection:
            return work(connection)

    def _first_connection(self) -> Connection:
        return self.database.connect()

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        try:
            with self._first_connection() as connection:
                yield connection
        except DBAPIError as exc:
            raise as_database_error(exc, self.engine.url) from exc

    def _current_revision(self, connection: Connection) -> str | None:
        return recorded_revision(connection, self.database_url)

    def _pending(self, current: str | None) -> list[str]:
        return self.revisions.pending(current, self.database_url)

    def _check_known(self, revision: str | None) -> None:
        self.revisions.check_known(revision, self.database_url)

    def _after(self, revision: str, other: str) -> bool:
        return self.revisions.ids.index(revision) > self.revisions.ids.index(other)

    def _alembic_config(self, connection: Connection | None = None) -> Config:
        url = self.engine.url.render_as_string(hide_password=False)
        return alembic_config(url, connection)

    def _offline_start(self) -> str | None:
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and (
            is_sqlite_memory(url) or not url.database or not Path(url.database).exists()
        ):
            return None  # never create a file just to learn it is empty
        with self._connection() as connection:
            return self._current_revision(connection)

    def _offline_sql(self, action: Callable[[Config], object]) -> str:
        buffer = io.StringIO()
        config = self._alembic_config()
        config.output_buffer = buffer
        try:
            action(config)
        except CommandError as exc:
            raise MigrationError(
                f"Cannot write the SQL for {self.database_url}: {exc}.",
                remedy="check the revisions with `memoir db history`.",
            ) from exc
        return buffer.getvalue()
