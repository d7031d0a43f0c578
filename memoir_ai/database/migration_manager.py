"""MigrationManager: the whole life of a memoir-ai database, built on Alembic.

Every ``memoir db ...`` command is a thin call of one public method here, so
the CLI and the Python API cannot drift apart. Schema changes run under a
database-wide lock (see :mod:`memoir_ai.database._locks`), so two processes
starting on the same new database never both migrate it.

The migrations ship inside the package (``memoir_ai/database/migrations``);
their location is set programmatically, never taken from the working directory.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Literal, TypeVar, overload

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database._locks import migration_lock
from memoir_ai.database._revisions import (
    MIGRATIONS_DIR,
    RevisionCatalog,
    alembic_config,
    recorded_revision,
)
from memoir_ai.database._schema_compare import VERSION_TABLE, schema_differences
from memoir_ai.database._schema_report import (
    UPGRADE_COMMAND,
    InitializationResult,
    MigrationInfo,
    SchemaValidation,
    validate_schema,
)
from memoir_ai.database.engine import DatabaseManager, as_database_error
from memoir_ai.database.models import Base
from memoir_ai.database.repository import remember_settings
from memoir_ai.database.urls import is_sqlite_memory
from memoir_ai.errors import DatabaseConnectionError, MigrationError

__all__ = [
    "MIGRATIONS_DIR",
    "InitializationResult",
    "MigrationInfo",
    "MigrationManager",
    "SchemaValidation",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


class MigrationManager:
    """Creates, inspects, upgrades, downgrades, validates and resets one database.

    Use it as a context manager (or call :meth:`close`) to release its
    connections; an engine passed in is borrowed and left open.
    """

    def __init__(self, config: MemoirAIConfig, *, engine: Engine | None = None) -> None:
        """Prepare the manager; nothing connects until a method needs the database."""
        self.config = config
        self.database = DatabaseManager(config, engine=engine)
        self.revisions = RevisionCatalog()

    def __enter__(self) -> MigrationManager:
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

    # -- reading the state --------------------------------------------------------------

    def get_current_revision(self) -> str | None:
        """The revision the database is at, or None if it is not under migration control."""
        return self._run(self._current_revision)

    def get_pending_migrations(self) -> list[str]:
        """Revisions not yet applied, oldest first (all of them for a new database).

        Raises:
            MigrationError: the database is at a revision this code does not know.
        """
        return self._run(lambda connection: self._pending(self._current_revision(connection)))

    def get_migration_history(self) -> list[MigrationInfo]:
        """Every revision this code knows, oldest first, marked current and applied."""
        return self.revisions.history(self.get_current_revision())

    def validate_database_schema(self) -> SchemaValidation:
        """Compare the live schema with the models: revision, tables, columns, indexes, rows."""

        def validate(connection: Connection) -> SchemaValidation:
            current = self._current_revision(connection)
            return validate_schema(connection, self.revisions, Base.metadata, current)

        return self._run(validate)

    def require_current_schema(self) -> None:
        """Make sure the database is at this code's head revision.

        Raises:
            MigrationError: the schema is missing, behind or ahead, naming the command to run.
        """
        current = self.get_current_revision()
        if current == self.head_revision:
            return
        if current is None:
            raise MigrationError(
                f"The database {self.database_url} has no memoir-ai schema yet.",
                remedy="run `memoir db init` (or MigrationManager(config).initialize_database()).",
            )
        pending = self.get_pending_migrations()
        raise MigrationError(
            f"The database {self.database_url} is at revision {current}, behind this "
            f"memoir-ai's {self.head_revision} ({len(pending)} migration(s) pending).",
            remedy=f"run `{UPGRADE_COMMAND}` (or MigrationManager(config).upgrade()).",
        )

    # -- changing the schema ------------------------------------------------------------

    def initialize_database(
        self, create_tables: bool = True, *, use_migrations: bool = True
    ) -> InitializationResult:
        """Bring the database to the newest schema, whatever state it is in.

        A new database is created through the migrations; one under migration
        control is upgraded; tables without a version table are adopted
        (stamped) if they match the models. The settings that shape the data
        (hierarchy depth) are then recorded or checked.

        Args:
            create_tables: False only inspects: nothing is created or upgraded.
            use_migrations: False creates a new database's tables straight
                from the models and stamps it at head (the same schema, as
                the migration tests prove), for tests and throwaway databases.

        Raises:
            MigrationError: the revision is newer than this code, or existing
                tables do not match the models (the message lists how).
            ConfigurationError: the database holds a tree of another depth.
        """
        if not create_tables:
            return self._run(self._inspect_only)
        return self._run_locked(lambda connection: self._initialize(connection, use_migrations))

    @overload
    def upgrade(self, revision: str = "head", *, sql: Literal[False] = False) -> str | None: ...

    @overload
    def upgrade(
        self, revision: str = "head", *, sql: Literal[True], from_revision: str | None = None
    ) -> str: ...

    def upgrade(
        self, revision: str = "head", *, sql: bool = False, from_revision: str | None = None
    ) -> str | None:
        """Upgrade to ``revision``; with ``sql=True`` return the SQL instead of running it.

        Returns:
            The revision now current, or (``sql=True``) the SQL text for a DBA
            to review, starting from ``from_revision`` (default: the database's
            current revision, or an empty database).
        """
        if sql:
            start = from_revision if from_revision is not None else self._offline_start()
            target = revision if start in (None, "base") else f"{start}:{revision}"
            return self._offline_sql(lambda cfg: command.upgrade(cfg, target, sql=True))

        def run(connection: Connection) -> str | None:
            self._check_known(self._current_revision(connection))
            self._alembic(connection, lambda cfg: command.upgrade(cfg, revision))
            return self._current_revision(connection)

        return self._run_locked(run)

    @overload
    def downgrade(self, revision: str, *, sql: Literal[False] = False) -> str | None: ...

    @overload
    def downgrade(
        self, revision: str, *, sql: Literal[True], from_revision: str | None = None
    ) -> str: ...

    def downgrade(
        self, revision: str, *, sql: bool = False, from_revision: str | None = None
    ) -> str | None:
        """Downgrade to ``revision`` (``"base"`` removes the schema; it destroys data).

        Returns:
            The revision now current, or (``sql=True``) the SQL text, starting
            from ``from_revision`` (default: the database's current revision).
        """
        if sql:
            start = from_revision if from_revision is not None else self._offline_start()
            if start in (None, "base"):
                raise MigrationError(
                    "There is nothing to downgrade: the database has no memoir-ai schema.",
                    remedy="pass from_revision (memoir db downgrade --sql REV:TARGET).",
                )
            return self._offline_sql(
                lambda cfg: command.downgrade(cfg, f"{start}:{revision}", sql=True)
            )

        def run(connection: Connection) -> str | None:
            self._check_known(self._current_revision(connection))
            self._alembic(connection, lambda cfg: command.downgrade(cfg, revision))
            return self._current_revision(connection)

        return self._run_locked(run)

    @overload
    def stamp(self, revision: str, *, sql: Literal[False] = False) -> str | None: ...

    @overload
    def stamp(self, revision: str, *, sql: Literal[True]) -> str: ...

    def stamp(self, revision: str, *, sql: bool = False) -> str | None:
        """Record ``revision`` as current without running any migration.

        Returns:
            The revision now current, or (``sql=True``) the SQL that would record it.
        """
        if revision not in ("head", "base"):
            self._check_known(revision)
        if sql:
            return self._offline_sql(lambda cfg: command.stamp(cfg, revision, sql=True))

        def run(connection: Connection) -> str | None:
            self._alembic(connection, lambda cfg: command.stamp(cfg, revision, purge=True))
            return self._current_revision(connection)

        return self._run_locked(run)

    def reset_database(self, confirm: bool = False) -> InitializationResult:
        """Drop every memoir-ai table and rebuild the schema at head. This destroys all data.

        Raises:
            MigrationError: ``confirm`` is not True; nothing was touched.
        """
        if confirm is not True:
            raise MigrationError(
                f"Refusing to reset {self.database_url}: it deletes every category, chunk "
                "and helper.",
                remedy="pass confirm=True (memoir db reset --yes) if you really mean it.",
            )

        def reset(connection: Connection) -> InitializationResult:
            present = set(inspect(connection).get_table_names())
            doomed = MetaData()
            doomed.reflect(
                connection, only=sorted(present & {*Base.metadata.tables, VERSION_TABLE})
            )
            doomed.drop_all(connection)
            connection.commit()
            logger.warning("Dropped %d tables of %s.", len(doomed.tables), self.database_url)
            return self._initialize(connection, use_migrations=True)

        return self._run_locked(reset)

    # -- internals ----------------------------------------------------------------------

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
            remedy = "see `memoir db status` and `memoir db validate`"
            if connection.dialect.name == "mysql":
                remedy += (
                    "; MySQL/MariaDB cannot roll back schema changes, so a half-applied "
                    "migration may need a manual fix and `memoir db stamp`"
                )
            raise MigrationError(
                f"A migration failed on {self.database_url}: {error.message}", remedy=remedy + "."
            ) from exc
        connection.commit()

    def _run(self, work: Callable[[Connection], _T]) -> _T:
        with self._connection() as connection:
            return work(connection)

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

    def _alembic_config(self, connection: Connection | None = None) -> Config:
        url = self.engine.url.render_as_string(hide_password=False)
        return alembic_config(url, connection)

    def _inspect_only(self, connection: Connection) -> InitializationResult:
        current = self._current_revision(connection)
        return self._result(connection, [], False, current, "inspected")

    def _initialize(self, connection: Connection, use_migrations: bool) -> InitializationResult:
        present = set(inspect(connection).get_table_names())
        owned_present = present & set(Base.metadata.tables)
        current = self._current_revision(connection)
        self._check_known(current)
        action: Literal["created", "upgraded", "adopted", "unchanged"]
        if current is not None:
            action = "unchanged" if current == self.head_revision else "upgraded"
            if action == "upgraded":
                logger.info("Upgrading %s from %s.", self.database_url, current)
                self._alembic(connection, lambda cfg: command.upgrade(cfg, "head"))
        elif owned_present:
            self._adopt(connection)
            action = "adopted"
        else:
            logger.info("Creating the memoir-ai schema in %s.", self.database_url)
            if use_migrations:
                self._alembic(connection, lambda cfg: command.upgrade(cfg, "head"))
            else:
                Base.metadata.create_all(connection)
                connection.commit()
                self._alembic(connection, lambda cfg: command.stamp(cfg, "head"))
            action = "created"
        self._remember_settings(connection)
        created = sorted(set(inspect(connection).get_table_names()) - present)
        return self._result(connection, created, action in ("created", "adopted"), current, action)

    def _adopt(self, connection: Connection) -> None:
        differences = schema_differences(connection, Base.metadata)
        if differences:
            lines = "; ".join(str(difference) for difference in differences)
            raise MigrationError(
                f"The database {self.database_url} has memoir-ai tables but no version table, "
                f"and they do not match revision {self.head_revision}: {lines}.",
                remedy="fix or move those tables, or start from an empty database "
                "(memoir db reset --yes deletes them).",
            )
        logger.info(
            "Adopting the existing tables of %s at %s.", self.database_url, self.head_revision
        )
        self._alembic(connection, lambda cfg: command.stamp(cfg, "head"))

    def _remember_settings(self, connection: Connection) -> None:
        with Session(connection) as session:
            remember_settings(session, hierarchy_depth=self.config.hierarchy_depth)
            session.commit()
        connection.commit()

    def _result(
        self,
        connection: Connection,
        created: list[str],
        initialized: bool,
        previous: str | None,
        action: Literal["created", "upgraded", "adopted", "unchanged", "inspected"],
    ) -> InitializationResult:
        current = self._current_revision(connection)
        return InitializationResult(
            database_url=self.database_url,
            tables_created=created,
            migration_initialized=initialized,
            current_revision=current,
            pending_migrations=self._pending(current),
            previous_revision=previous,
            action=action,
        )

    def _offline_start(self) -> str | None:
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and (
            is_sqlite_memory(url) or not url.database or not Path(url.database).exists()
        ):
            return None  # never create a file just to learn it is empty
        return self.get_current_revision()

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
