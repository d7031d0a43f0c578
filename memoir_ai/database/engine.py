"""Engines, sessions and units of work: URL checks up front, bounded retries, one translation.

Every way into the database goes through this module:

- ``create_database_engine(config) -> Engine``: a configured engine (connect
  timeouts; SQLite with foreign keys, WAL and a busy timeout, and one shared
  connection for an in-memory database; MySQL with utf8mb4 and a strict
  ``sql_mode``). It does not connect.
- ``connect_with_retry(engine, config) -> Connection``: **the** way to open
  the first connection. Transient failures (refused, timed out, server
  starting up) are retried with exponential backoff, bounded by
  ``config.db_retry_attempts`` and ``config.db_retry_max_seconds``; the final
  failure, or a permanent one (bad password, unknown database), is a
  :class:`~memoir_ai.errors.DatabaseConnectionError` naming the masked URL,
  the driver's reason (password hidden) and what to try.
- ``DatabaseManager(config)``: the one engine and session factory of an opened
  memory. ``session()`` and ``transaction()`` turn every SQLAlchemy or driver
  error raised inside them into a :class:`~memoir_ai.errors.DatabaseError`
  (:func:`memoir_ai.database._errors.translate`, by SQLSTATE, error number or
  result code); ``run(work)`` is one unit of work in one transaction, run again
  from the start when the connection was lost or a deadlock broke it, within
  the same bound as connecting, with a log line per attempt.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
    wait_random,
)

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database._errors import (
    RETRYABLE,
    classify,
    driver_reason,
    remedy_for,
    translate,
)
from memoir_ai.database.models import guard_hierarchy_depth
from memoir_ai.database.urls import (
    is_sqlite_memory,
    is_sqlite_read_only,
    mask_url,
    resolve_database_url,
    scrub_secrets,
)
from memoir_ai.errors import DatabaseConnectionError, DatabaseError

if TYPE_CHECKING:
    from memoir_ai.database._schema_report import InitializationResult

__all__ = [
    "DatabaseManager",
    "as_database_error",
    "connect_with_retry",
    "create_database_engine",
    "mask_url",
    "resolve_database_url",
    "scrub_secrets",
    "translate",
]

T = TypeVar("T")
# Attempts of a unit of work whose writers may collide on the same new rows.
COLLISION_ATTEMPTS = 20

logger = logging.getLogger(__name__)


def create_database_engine(config: MemoirAIConfig) -> Engine:
    """Create the engine for ``config.database_url`` (checked first); it does not connect yet."""
    url = resolve_database_url(config.database_url)
    backend = url.get_backend_name()
    options: dict[str, Any] = {"echo": config.db_echo, "pool_pre_ping": True}
    if backend == "sqlite":
        # sqlite3's timeout is its busy timeout: how long a writer waits for the lock.
        options["connect_args"] = {"timeout": config.db_connect_timeout}
        if is_sqlite_memory(url):
            # Each connection to ":memory:" is a new, empty database: share one for the
            # life of the engine, so the memory lasts as long as the MemoirAI object.
            options["poolclass"] = StaticPool
            options["connect_args"]["check_same_thread"] = False
    elif backend == "postgresql":
        options["connect_args"] = {
            "connect_timeout": max(2, math.ceil(config.db_connect_timeout)),  # libpq minimum
            "application_name": "memoir-ai",
        }
    else:
        options["pool_recycle"] = 3600  # before MySQL's wait_timeout closes idle connections
        options["connect_args"] = {
            "connect_timeout": config.db_connect_timeout,
            "charset": "utf8mb4",
            "sql_mode": "TRADITIONAL",
        }
    engine = create_engine(url, **options)
    if backend == "sqlite":
        _install_sqlite_pragmas(engine, url, config)
    return engine


def _install_sqlite_pragmas(engine: Engine, url: URL, config: MemoirAIConfig) -> None:
    """Per-connection settings that write nothing: a reader leaves the file as it found it.

    The switch to WAL is a write to the file, made once by a writer
    (:meth:`DatabaseManager.prefer_wal`); a connection to a WAL file syncs at
    commit boundaries only (``synchronous = NORMAL``, safe in WAL mode).
    """
    busy_ms = int(config.db_connect_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()


def _is_transient(exc: BaseException) -> bool:
    return classify(exc) in ("connection", "conflict")


def as_database_error(exc: BaseException, url: str | URL) -> DatabaseError:
    """A driver error as one clean DatabaseError (see :func:`~._errors.translate`)."""
    return translate(exc, url)


def connect_with_retry(engine: Engine, config: MemoirAIConfig) -> Connection:
    """Open a verified connection, retrying transient failures with bounded exponential backoff.

    Raises:
        DatabaseConnectionError: the server could not be reached within the bound, or refused
            us for a reason retrying cannot fix (its message names the masked URL, the reason
            and the remedy).
        DatabaseError: an SQLite file could not be opened.
    """
    url = engine.url
    masked = mask_url(url)
    budget = config.db_retry_max_seconds
    backoff = wait_exponential(multiplier=0.5, max=8) + wait_random(0, 0.25)
    attempts = 0

    def wait(state: RetryCallState) -> float:
        # Never sleep past the budget: the last attempt happens at the bound, not after it.
        remaining = budget - (state.seconds_since_start or 0.0)
        return max(0.0, min(backoff(state), remaining))

    def log_retry(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome is not None else None
        logger.warning(
            "Database %s not reachable (attempt %d of %d): %s Retrying in %.1f s.",
            masked,
            state.attempt_number,
            config.db_retry_attempts,
            driver_reason(failure) if failure is not None else "unknown failure",
            state.upcoming_sleep,
        )

    def attempt() -> Connection:
        nonlocal attempts
        attempts += 1
        return engine.connect()

    retrying = Retrying(
        retry=retry_if_exception(_is_transient),
        stop=stop_after_attempt(config.db_retry_attempts) | stop_after_delay(budget),
        wait=wait,
        before_sleep=log_retry,
        reraise=True,
    )
    started = time.monotonic()
    try:
        connection = retrying(attempt)
    except DBAPIError as exc:
        raise _connect_error(exc, url, attempts, time.monotonic() - started) from exc
    if attempts > 1:
        logger.info("Connected to %s after %d attempts.", masked, attempts)
    return connection


def _connect_error(exc: DBAPIError, url: URL, attempts: int, elapsed: float) -> DatabaseError:
    kind = classify(exc)
    reason = driver_reason(exc)
    masked = mask_url(url)
    if kind.startswith("sqlite") or (kind == "read-only" and url.get_backend_name() == "sqlite"):
        error = DatabaseError(
            f"Cannot open the SQLite database {masked}: {reason}", remedy=remedy_for(kind, url)
        )
    else:
        tries = f" after {attempts} attempts over {elapsed:.1f} s" if attempts > 1 else ""
        error = DatabaseConnectionError(
            f"Could not connect to {masked}{tries}: {reason}", remedy=remedy_for(kind, url)
        )
    error.kind = kind
    error.retryable = kind in RETRYABLE
    return error


class DatabaseManager:
    """Owns the engine and hands out verified connections, sessions and units of work."""

    def __init__(self, config: MemoirAIConfig, *, engine: Engine | None = None) -> None:
        """Create the manager; the URL is checked and the engine made on first use.

        An ``engine`` passed in is borrowed: :meth:`dispose` leaves it open.
        """
        self.config = config
        self._engine = engine
        self._owns_engine = engine is None
        self._sessions: sessionmaker[Session] | None = None
        self._verified = False

    @property
    def engine(self) -> Engine:
        """The engine, created (URL checked, no connection yet) on first access."""
        if self._engine is None:
            self._engine = create_database_engine(self.config)
        return self._engine

    @property
    def masked_url(self) -> str:
        """The database URL with its password hidden."""
        return mask_url(self.config.database_url)

    def connect(self) -> Connection:
        """A verified connection (see :func:`connect_with_retry`); close it, e.g. with ``with``."""
        connection = connect_with_retry(self.engine, self.config)
        self._verified = True
        return connection

    def prefer_wal(self) -> None:
        """Switch an SQLite file to WAL (readers work while one process writes); once, by writers.

        It writes to the file, so reading commands never call it; memory and
        read-only databases, and other backends, are left alone.
        """
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or is_sqlite_memory(url) or is_sqlite_read_only(url):
            return

        def switch(connection: Connection) -> None:
            if connection.exec_driver_sql("PRAGMA journal_mode").scalar() != "wal":
                connection.exec_driver_sql("PRAGMA journal_mode = WAL")
                connection.exec_driver_sql("PRAGMA synchronous = NORMAL")

        try:
            with self.connect() as connection:
                switch(connection)
        except SQLAlchemyError as exc:
            raise translate(exc, self.engine.url, doing="switching the file to WAL") from exc

    def check_connection(self) -> None:
        """Make sure the database can be reached, retrying transient failures within the bound."""
        with self.connect():
            pass

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that is closed afterwards (no implicit commit).

        Any SQLAlchemy or driver error raised inside is re-raised as a
        :class:`~memoir_ai.errors.DatabaseError` with the remedy for its kind.
        """
        if not self._verified:
            self.check_connection()
        try:
            with self._session_factory() as session:
                yield session
        except SQLAlchemyError as exc:
            raise translate(exc, self.engine.url) from exc

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        with self.session() as session, session.begin():
            yield session

    def run(
        self, work: Callable[[Session], T], *, doing: str, duplicates_collide: bool = False
    ) -> T:
        """Run ``work(session)`` in one transaction, again from the start if the link broke.

        A lost connection, a server restart, a deadlock or a busy database rolls the
        transaction back (nothing of it is stored) and the whole unit runs again,
        with exponential backoff, within ``db_retry_attempts`` and
        ``db_retry_max_seconds``; each retry is logged. ``doing`` says what the unit
        does, for those lines and for the final error. With ``duplicates_collide`` a
        unique-key violation counts as a collision with a concurrent writer of the same
        rows (two writers picking the same next version) and is run again too. Other
        errors go to the caller at once. Call it from a worker thread, never on an
        event loop: it sleeps between attempts.

        Raises:
            DatabaseError: the unit failed for good (its remedy says what to do).
        """
        from tenacity import (
            Retrying,
            retry_if_exception,
            stop_after_attempt,
            stop_after_delay,
            wait_exponential,
            wait_random,
        )

        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, DatabaseError):
                return False
            return exc.retryable or (duplicates_collide and exc.kind == "constraint")

        def log_retry(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome is not None else None
            # A lost connection is news; a collision with a concurrent writer is routine.
            collided = isinstance(failure, DatabaseError) and failure.kind == "constraint"
            logger.log(
                logging.DEBUG if collided else logging.WARNING,
                "%s failed (attempt %d of %d): %s Retrying in %.1f s.",
                doing[:1].upper() + doing[1:],
                state.attempt_number,
                attempts,
                failure.message if isinstance(failure, DatabaseError) else failure,
                state.upcoming_sleep,
            )
            if not collided:
                self._verified = False  # reconnect (with its own bounded retries) next time

        def attempt() -> T:
            with self.transaction() as session:
                return work(session)

        # Writers colliding on the same rows need at least one attempt per writer in the
        # worst case (each round, one of them wins): allow more attempts, with short waits.
        attempts = self.config.db_retry_attempts
        wait = wait_exponential(multiplier=0.5, max=8) + wait_random(0, 0.25)
        if duplicates_collide:
            attempts = max(attempts, COLLISION_ATTEMPTS)
            wait = wait_random(0, 0.05) + wait_exponential(multiplier=0.01, max=0.5)
        retrying = Retrying(
            retry=retry_if_exception(retryable),
            stop=stop_after_attempt(attempts) | stop_after_delay(self.config.db_retry_max_seconds),
            wait=wait,
            before_sleep=log_retry,
            reraise=True,
        )
        return retrying(attempt)

    def _session_factory(self) -> Session:
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
            # The tree's depth rule guards memoir's own sessions only, never a host
            # application's (a listener on the Session class would run in all of them).
            event.listen(self._sessions, "before_flush", guard_hierarchy_depth)
        return self._sessions()

    def dispose(self) -> None:
        """Close every pooled connection of the engine this manager created."""
        if self._engine is not None and self._owns_engine:
            self._engine.dispose()
            self._engine = None
            self._sessions = None
            self._verified = False

    def create_tables(self, use_migrations: bool = True) -> InitializationResult:
        """Create (or upgrade) the schema; see ``MigrationManager.initialize_database``.

        ``use_migrations=False`` builds a new database straight from the models
        and stamps it at the head revision (the same schema, proven by the
        migration tests), so later upgrades still apply.
        """
        from memoir_ai.database.migration_manager import MigrationManager

        manager = MigrationManager(self.config, engine=self.engine)
        return manager.initialize_database(use_migrations=use_migrations)
