"""The database of one :class:`~memoir_ai.MemoirAI`, opened once: schema and settings read once.

Opening reads two things in one short transaction, without any lock: the revision
in memoir's version table and the settings the database remembers (the depth of
its tree, the model whose tokenizer counted its chunks). From them:

- **reading** (tree, sources, chunks, log, query) needs the schema at this code's
  head revision and never writes: a database that is missing, behind or ahead is
  refused with the command to run; a mistyped SQLite path is refused before
  SQLite could create an empty file there; the migration lock is never taken.
- **writing** (ingest, delete, helpers) creates, upgrades or adopts the schema
  first — under the migration lock, and only when the revision is not already
  the head or the settings were never recorded.

Either way the database's recorded depth wins over the default: a database built
12 levels deep opens 12 levels deep without ``MEMOIR_HIERARCHY_DEPTH=12``. Only a
depth the caller asked for explicitly (argument, variable or ``.env``) that differs
from the recorded one is a :class:`~memoir_ai.errors.ConfigurationError`.
Everything is done once per instance; later calls reuse the answer.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.migrations import HEAD_REVISION
from memoir_ai.database.reading import VERSION
from memoir_ai.database.settings import StoredSettings, read_settings
from memoir_ai.errors import ConfigurationError, DatabaseError

__all__ = ["OpenedMemory", "SchemaState"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchemaState:
    """What the database says about itself: its revision and its remembered settings."""

    revision: str | None
    settings: StoredSettings | None


class OpenedMemory:
    """Opens the database of one memory once, for reading or for writing (module docstring)."""

    def __init__(self, config: MemoirAIConfig, database: DatabaseManager) -> None:
        """Open ``database`` with ``config``; nothing connects until the first call."""
        self._config = config
        self._database = database
        self._lock = threading.Lock()
        self._readable = False
        self._writable = False
        self._effective: MemoirAIConfig | None = None
        # What the database remembered when it was opened (None before, or if nothing).
        self.settings: StoredSettings | None = None

    def open_for_reading(self) -> MemoirAIConfig:
        """Check the schema once (no lock, no write); return the configuration in force.

        Raises:
            DatabaseError: there is no database at a SQLite path.
            MigrationError: the schema is missing, behind or ahead (names the command).
            ConfigurationError: an explicit depth conflicts with the database's.
        """
        with self._lock:
            if not self._readable:
                self._refuse_missing_sqlite_file()
                state = self.read_state()
                effective = self._resolve(state.settings)
                if state.revision != HEAD_REVISION:
                    from memoir_ai.database.migration_manager import MigrationManager

                    # The precise refusal (missing, behind, ahead, foreign) comes from the
                    # migration manager; alembic is imported only on this path.
                    MigrationManager(
                        effective, engine=self._database.engine
                    ).require_current_schema()
                self._effective = effective
                self._readable = True
            assert self._effective is not None
            return self._effective

    def open_for_writing(self) -> MemoirAIConfig:
        """Create, upgrade or adopt the schema once if needed; return the configuration in force.

        Raises:
            MigrationError: the schema cannot be brought to the head revision.
            ConfigurationError: an explicit depth conflicts with the database's.
        """
        with self._lock:
            if not self._writable:
                self._refuse_read_only()
                state = self.read_state()
                effective = self._resolve(state.settings)
                if state.revision != HEAD_REVISION or state.settings is None:
                    from memoir_ai.database.migration_manager import MigrationManager

                    MigrationManager(effective, engine=self._database.engine).initialize_database()
                    state = self.read_state()
                self._database.prefer_wal()
                self._effective = effective
                self.settings = state.settings
                self._writable = self._readable = True
            assert self._effective is not None
            return self._effective

    def read_state(self) -> SchemaState:
        """The revision and settings the database records (None where there are none)."""
        try:
            revision = self._database.run(
                lambda session: session.execute(text(VERSION.sql)).scalar(),
                doing="reading the schema revision",
            )
        except DatabaseError as error:
            if error.kind != "missing-schema":
                raise
            return SchemaState(None, None)
        try:
            settings = self._database.run(read_settings, doing="reading the stored settings")
        except DatabaseError as error:
            if error.kind != "missing-schema":
                raise
            settings = None
        return SchemaState(str(revision) if revision is not None else None, settings)

    def remember_output_mode(self, model: str, mode: str) -> None:
        """Keep ``mode`` as the way ``model`` gives typed output (a short write of its own)."""
        from memoir_ai.database.settings import remember_output_mode

        if self.settings is None or self.settings.output_modes.get(model) == mode:
            return
        self._database.run(
            lambda session: remember_output_mode(session, model, mode),
            doing="remembering the output mode that worked",
        )
        modes = {**self.settings.output_modes, model: mode}
        self.settings = dataclasses.replace(self.settings, output_modes=modes)

    def holds_nothing_yet(self) -> bool:
        """True when there is no SQLite file or no schema yet; nothing is created finding out.

        Any other failure (no server, a file that is not a database, a locked one)
        is raised, as every read raises it.
        """
        return self._missing_sqlite_file() is not None or self.read_state().revision is None

    def stored_settings(self) -> StoredSettings | None:
        """The settings the database remembers, without creating anything (None if none)."""
        if self._missing_sqlite_file() is not None:
            return None
        return self.read_state().settings

    def _resolve(self, stored: StoredSettings | None) -> MemoirAIConfig:
        config = self._config
        if stored is None or stored.hierarchy_depth == config.hierarchy_depth:
            return config
        if "hierarchy_depth" in config.model_fields_set:
            depth = stored.hierarchy_depth
            raise ConfigurationError(
                f"This database holds a category tree {stored.hierarchy_depth} levels deep, "
                f"but hierarchy_depth is {config.hierarchy_depth}.",
                remedy=f"leave hierarchy_depth unset, or use hierarchy_depth={depth} "
                f"(MEMOIR_HIERARCHY_DEPTH={depth}), with this database; "
                f"or start a new database for a {config.hierarchy_depth}-level tree.",
            )
        logger.info("Opening the database with the depth it records: %d.", stored.hierarchy_depth)
        values = config.model_dump()
        values["hierarchy_depth"] = stored.hierarchy_depth
        return MemoirAIConfig(**values)

    def _missing_sqlite_file(self) -> str | None:
        """The path of a SQLite database file that does not exist, or None."""
        try:
            url = make_url(self._config.database_url)
        except ArgumentError:
            return None  # the engine reports a bad URL with its own remedy
        if not url.get_backend_name().startswith("sqlite"):
            return None
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        return None if Path(database).exists() else database

    def open_for_changes(self) -> MemoirAIConfig:
        """Open for reading, then refuse a read-only database before any change is tried.

        For changes to what is stored (delete a source, set a helper) that need the
        schema to exist already and never create it.
        """
        config = self.open_for_reading()
        self._refuse_read_only()
        self._database.prefer_wal()
        return config

    def open_for_recording(self) -> MemoirAIConfig:
        """Open for reading, then refuse a read-only database before any model call is paid.

        For a query: it reads, but records every model call it makes, and a
        query whose calls cannot be recorded would be paid for and then lost.
        """
        config = self.open_for_reading()
        self._refuse_read_only("a query records every model call it makes, so it cannot run here")
        return config

    def _refuse_read_only(self, consequence: str = "nothing can be stored or changed") -> None:
        from memoir_ai.database.urls import is_sqlite_read_only

        if is_sqlite_read_only(self._database.engine.url):
            error = DatabaseError(
                f"The database {self._database.masked_url} is read-only here (the file or its "
                f"file system cannot be written), so {consequence}.",
                remedy="browse it (memoir tree, sources, show, log, db status), or copy it "
                "somewhere writable, or make the file and its folder writable.",
            )
            error.kind = "read-only"
            raise error

    def _refuse_missing_sqlite_file(self) -> None:
        missing = self._missing_sqlite_file()
        if missing is not None:
            raise DatabaseError(
                f"There is no memoir database at {missing}.",
                remedy="ingest texts with `memoir ingest PATH` (it creates the database), "
                "or point --db / MEMOIR_DATABASE_URL at an existing one.",
            )
