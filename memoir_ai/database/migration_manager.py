"""MigrationManager: the whole life of a memoir-ai database, built on Alembic.

Every ``memoir db ...`` command is a thin call of one public method here, so
the CLI and the Python API cannot drift apart. Schema changes run under a
database-wide lock (see :mod:`memoir_ai.database._locks`), so two processes
starting on the same new database never both migrate it.

The migrations ship inside the package (``memoir_ai/database/migrations``);
their location is set programmatically, never taken from the working directory.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Literal, TypeVar, overload

from alembic import command
from sqlalchemy import Connection, MetaData, inspect
from sqlalchemy.orm import Session

from memoir_ai.database._downgrade_guard import check_rows_kept
from memoir_ai.database._manager_base import ManagerBase
from memoir_ai.database._ownership import Ownership, clash_error, classify_tables
from memoir_ai.database._recovery import (
    Diagnosis,
    diagnose,
    metadata_shape,
    repair,
    require_consistent,
)
from memoir_ai.database._revisions import (
    MIGRATIONS_DIR,
)
from memoir_ai.database._schema_compare import VERSION_TABLE
from memoir_ai.database._schema_report import (
    UPGRADE_COMMAND,
    InitializationAction,
    InitializationResult,
    MigrationInfo,
    RevisionChange,
    SchemaValidation,
    validate_schema,
)
from memoir_ai.database._schema_shapes import Shape
from memoir_ai.database.models import Base
from memoir_ai.database.settings import remember_settings
from memoir_ai.errors import MigrationError

__all__ = [
    "MIGRATIONS_DIR",
    "InitializationResult",
    "MigrationInfo",
    "MigrationManager",
    "RevisionChange",
    "SchemaValidation",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


class MigrationManager(ManagerBase):
    """Creates, inspects, upgrades, downgrades, validates and resets one database.

    Use it as a context manager (or call :meth:`close`) to release its
    connections; an engine passed in is borrowed and left open.
    """

    # -- reading the state --------------------------------------------------------------

    def get_current_revision(self) -> str | None:
        """The revision the database is at, or None if it is not under migration control."""
        return self._read(self._current_revision)

    def get_pending_migrations(self) -> list[str]:
        """Revisions not yet applied, oldest first (all of them for a new database).

        Raises:
            MigrationError: the database is at a revision this code does not know.
        """
        return self._read(lambda connection: self._pending(self._current_revision(connection)))

    def get_migration_history(self) -> list[MigrationInfo]:
        """Every revision this code knows, oldest first, marked current and applied."""
        return self.revisions.history(self.get_current_revision())

    def validate_database_schema(self) -> SchemaValidation:
        """Compare the live schema with the models: revision, tables, columns, indexes, constraints.

        Tables of another application are never counted; one that has a
        memoir-ai name is reported as a clash. A version table that does not
        tell the truth (a mis-stamped or half-migrated database) is diagnosed,
        with the command that repairs it in ``remedy``.
        """

        def validate(connection: Connection) -> SchemaValidation:
            current = self._current_revision(connection)
            ownership = classify_tables(connection, Base.metadata)
            report = validate_schema(
                connection,
                self.revisions,
                Base.metadata,
                current,
                ownership,
                lambda: diagnose(connection, current, ownership.owned, self._head_shape),
            )
            if self._sqlite_file_missing():
                return replace(
                    report,
                    problems=[f"the SQLite file {self.engine.url.database} does not exist"],
                    remedy="check the path given to --db, or run `memoir db init` to create it.",
                )
            return report

        return self._read(validate)

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
        (stamped) if they match the models. A database whose version table
        does not tell the truth is repaired first, under the migration lock:
        one mis-stamped is stamped at the revision its tables match; one left
        part way by an interrupted upgrade has the half-made (empty) tables
        and indexes of that revision removed, and the revision runs again.
        The settings that shape the data (hierarchy depth) are then recorded
        or checked. Tables of another application are never touched; if one
        has a memoir-ai name, nothing is done and the error says so.

        Args:
            create_tables: False only inspects: nothing is created or upgraded.
            use_migrations: False creates a new database's tables straight
                from the models and stamps it at head (the same schema, as
                the migration tests prove), for tests and throwaway databases.

        Raises:
            MigrationError: the revision is newer than this code, existing
                tables do not match any revision (the message lists how), or
                another application's tables have memoir-ai's names.
            ConfigurationError: the database holds a tree of another depth.
        """
        if not create_tables:
            return self._read(self._inspect_only)
        return self._run_locked(lambda connection: self._initialize(connection, use_migrations))

    @overload
    def upgrade(self, revision: str = "head", *, sql: Literal[False] = False) -> RevisionChange: ...

    @overload
    def upgrade(
        self, revision: str = "head", *, sql: Literal[True], from_revision: str | None = None
    ) -> str: ...

    def upgrade(
        self, revision: str = "head", *, sql: bool = False, from_revision: str | None = None
    ) -> RevisionChange | str:
        """Upgrade to ``revision``; with ``sql=True`` return the SQL instead of running it.

        A mis-stamped or half-migrated database is repaired first, as in
        :meth:`initialize_database`.

        Returns:
            What changed (``changed`` is False when there was nothing to do),
            or (``sql=True``) the SQL text for a DBA to review, starting from
            ``from_revision`` (default: the database's current revision, or an
            empty database).

        Raises:
            MigrationError: ``revision`` does not exist, another application's
                tables have memoir-ai names, or a migration failed.
        """
        if sql:
            start = from_revision if from_revision is not None else self._offline_start()
            target = revision if start in (None, "base") else f"{start}:{revision}"
            return self._offline_sql(lambda cfg: command.upgrade(cfg, target, sql=True))

        def run(connection: Connection) -> RevisionChange:
            previous = self._current_revision(connection)
            self._check_known(previous)
            self._refuse_clashes(connection)
            diagnosis = self._recover(connection, previous)
            current = self._current_revision(connection)
            target = self.revisions.resolve(revision, current)
            if target is not None and (current is None or self._after(target, current)):
                self._alembic(connection, lambda cfg: command.upgrade(cfg, target))
            elif target != current:
                raise MigrationError(
                    f"{self.database_url} is at {current}; {revision} is not ahead of it.",
                    remedy=f"use `memoir db downgrade {revision}` to go back.",
                )
            return self._change(connection, previous, diagnosis.problem)

        return self._run_locked(run)

    @overload
    def downgrade(
        self, revision: str, *, sql: Literal[False] = False, confirm: bool = False
    ) -> RevisionChange: ...

    @overload
    def downgrade(
        self, revision: str, *, sql: Literal[True], from_revision: str | None = None
    ) -> str: ...

    def downgrade(
        self,
        revision: str,
        *,
        sql: bool = False,
        from_revision: str | None = None,
        confirm: bool = False,
    ) -> RevisionChange | str:
        """Downgrade to ``revision`` (``"base"`` removes the schema; it destroys data).

        Args:
            revision: an id, a step back such as ``-1``, or ``base``.
            sql: return the SQL text instead of running it.
            from_revision: with ``sql``, the revision to start from (default:
                the database's current revision).
            confirm: must be True when the tables the downgrade drops hold rows.

        Returns:
            What changed, or (``sql=True``) the SQL text.

        Raises:
            MigrationError: the downgrade would drop rows and ``confirm`` is
                not True (nothing was touched; the message counts them), the
                revision does not exist, or the database must be repaired first.
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

        def run(connection: Connection) -> RevisionChange:
            previous = self._current_revision(connection)
            self._check_known(previous)
            target = self.revisions.resolve(revision, previous)
            if target is not None and previous is not None and self._after(target, previous):
                raise MigrationError(
                    f"{self.database_url} is at {previous}; {revision} is not behind it.",
                    remedy=f"use `memoir db upgrade {revision}` to go forward.",
                )
            self._require_consistent(connection, previous)
            check_rows_kept(connection, self.database_url, previous, target, revision, confirm)
            self._alembic(connection, lambda cfg: command.downgrade(cfg, target or "base"))
            return self._change(connection, previous, None)

        return self._run_locked(run)

    @overload
    def stamp(self, revision: str, *, sql: Literal[False] = False) -> RevisionChange: ...

    @overload
    def stamp(
        self, revision: str, *, sql: Literal[True], from_revision: str | None = None
    ) -> str: ...

    def stamp(
        self, revision: str, *, sql: bool = False, from_revision: str | None = None
    ) -> RevisionChange | str:
        """Record ``revision`` as current without running any migration.

        Returns:
            What changed, or (``sql=True``) the SQL that would record it: an
            UPDATE of the version row when the database (or ``from_revision``)
            already records a revision, else the version table and an INSERT.

        Raises:
            MigrationError: ``revision`` does not exist in this memoir-ai.
        """
        target = self.revisions.resolve(revision) if revision != "base" else None
        if sql:
            start = from_revision if from_revision is not None else self._offline_start()
            if start not in (None, "base"):
                start = self.revisions.resolve(start)
            label = target or "base"
            span = label if start in (None, "base") else f"{start}:{label}"
            return self._offline_sql(lambda cfg: command.stamp(cfg, span, sql=True))

        def run(connection: Connection) -> RevisionChange:
            previous = self._current_revision(connection)
            self._alembic(connection, lambda cfg: command.stamp(cfg, target or "base", purge=True))
            return self._change(connection, previous, None)

        return self._run_locked(run)

    def reset_database(self, confirm: bool = False) -> InitializationResult:
        """Drop every memoir-ai table and rebuild the schema at head. This destroys all data.

        Only memoir-ai's own tables are dropped: never another application's,
        even one with a memoir-ai name (then nothing is dropped at all).

        Raises:
            MigrationError: ``confirm`` is not True, or another application's
                tables have memoir-ai names; nothing was touched.
        """
        if confirm is not True:
            raise MigrationError(
                f"Refusing to reset {self.database_url}: it deletes every category, chunk "
                "and helper.",
                remedy="pass confirm=True (memoir db reset --yes) if you really mean it.",
            )

        def reset(connection: Connection) -> InitializationResult:
            ownership = self._refuse_clashes(connection)
            present = set(inspect(connection).get_table_names())
            doomed = MetaData()
            doomed.reflect(connection, only=sorted(ownership.owned | (present & {VERSION_TABLE})))
            doomed.drop_all(connection)
            connection.commit()
            logger.warning("Dropped %d tables of %s.", len(doomed.tables), self.database_url)
            return self._initialize(connection, use_migrations=True)

        return self._run_locked(reset)

    # -- internals ----------------------------------------------------------------------

    @property
    def _head_shape(self) -> Shape:
        return metadata_shape(Base.metadata, self.head_revision)

    def _change(
        self, connection: Connection, previous: str | None, repaired: str | None
    ) -> RevisionChange:
        current = self._current_revision(connection)
        return RevisionChange(self.database_url, previous, current, repaired)

    def _inspect_only(self, connection: Connection) -> InitializationResult:
        current = self._current_revision(connection)
        return self._result(connection, [], False, current, "inspected")

    def _refuse_clashes(self, connection: Connection) -> Ownership:
        ownership = classify_tables(connection, Base.metadata)
        if ownership.clashing:
            raise clash_error(self.database_url, connection.dialect.name, ownership)
        return ownership

    def _initialize(self, connection: Connection, use_migrations: bool) -> InitializationResult:
        present = set(inspect(connection).get_table_names())
        current = self._current_revision(connection)
        self._check_known(current)
        ownership = self._refuse_clashes(connection)
        action: InitializationAction
        diagnosis = self._recover(connection, current) if ownership.owned else None
        if diagnosis is None:
            logger.info("Creating the memoir-ai schema in %s.", self.database_url)
            if use_migrations:
                self._alembic(connection, lambda cfg: command.upgrade(cfg, "head"))
            else:
                Base.metadata.create_all(connection)
                connection.commit()
                self._alembic(connection, lambda cfg: command.stamp(cfg, "head", purge=True))
            action = "created"
        else:
            adopted = current is None and diagnosis.state == "misstamped"
            if self._current_revision(connection) != self.head_revision:
                logger.info("Upgrading %s to %s.", self.database_url, self.head_revision)
                self._alembic(connection, lambda cfg: command.upgrade(cfg, "head"))
                action = "upgraded"
            else:
                action = "unchanged"
            if adopted:
                action = "adopted"
            elif diagnosis.state != "consistent":
                action = "recovered"
        self._remember_settings(connection)
        created = sorted(set(inspect(connection).get_table_names()) - present)
        return self._result(
            connection,
            created,
            action in ("created", "adopted"),
            current,
            action,
            None if diagnosis is None else diagnosis.problem,
        )

    def _require_consistent(self, connection: Connection, current: str | None) -> None:
        require_consistent(connection, current, self._head_shape, self.database_url)

    def _recover(self, connection: Connection, current: str | None) -> Diagnosis:
        def stamp(revision: str) -> None:
            self._alembic(connection, lambda cfg: command.stamp(cfg, revision, purge=True))

        return repair(connection, current, self._head_shape, self.database_url, stamp)

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
        action: InitializationAction,
        repaired: str | None = None,
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
            repaired=repaired,
        )
