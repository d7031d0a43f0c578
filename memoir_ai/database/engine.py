"""Engines, sessions and transactions: URL checks up front, bounded retries on connect.

Every way into the database goes through this module:

- ``mask_url(url) -> str``: the URL with its password replaced by ``***``; safe
  even for a URL that does not parse.
- ``resolve_database_url(url) -> URL``: the checked URL. A malformed URL, an
  unknown scheme, an unsupported or missing driver, or an SQLite path that
  cannot be written is a :class:`~memoir_ai.errors.ConfigurationError` (or
  :class:`~memoir_ai.errors.DatabaseError` for a read-only file) naming the fix.
  ``postgresql://`` means psycopg 3 and ``mysql://`` / ``mariadb://`` mean PyMySQL.
- ``create_database_engine(config) -> Engine``: a configured engine (connect
  timeouts; SQLite with foreign keys, WAL and a busy timeout; MySQL with
  utf8mb4 and a strict ``sql_mode``). It does not connect.
- ``connect_with_retry(engine, config) -> Connection``: **the** way to open
  the first connection. Transient failures (refused, timed out, server
  starting up) are retried with exponential backoff, bounded by
  ``config.db_retry_attempts`` and ``config.db_retry_max_seconds``; the final
  failure, or a permanent one (bad password, unknown database), is a
  :class:`~memoir_ai.errors.DatabaseConnectionError` naming the masked URL,
  the driver's reason (password scrubbed) and what to try. Use it as
  ``with connect_with_retry(engine, config) as connection: ...``.
- ``as_database_error(exc, url) -> DatabaseError``: a driver error raised
  later (say, the server went away mid-command) as one clean, scrubbed error.
- ``DatabaseManager(config)``: ``engine``, ``connect()``, ``check_connection()``,
  ``session()``, ``transaction()``, ``create_tables(use_migrations=True)``,
  ``dispose()``; sessions verify the connection (with retries) once first.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
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
from memoir_ai.database.urls import (
    SET_URL_HINT,
    is_sqlite_memory,
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
]

logger = logging.getLogger(__name__)

# Connect failures that retrying cannot fix (checked before the transient ones).
_PERMANENT_HINTS = (
    ("password authentication failed", "auth"),
    ("access denied", "auth"),
    ("authentication failed", "auth"),
    ("no pg_hba.conf entry", "auth"),
    ('role "', "auth"),
    ("unknown database", "database"),
    ("does not exist", "database"),
    ("name or service not known", "host"),
    ("nodename nor servname", "host"),
    ("failed to resolve host", "host"),
    ("unable to open database file", "sqlite"),
    ("readonly database", "sqlite-readonly"),
    ("file is not a database", "sqlite-corrupt"),
)
_MYSQL_PERMANENT = {1044: "auth", 1045: "auth", 1698: "auth", 1130: "auth", 1049: "database"}
_MYSQL_TRANSIENT = {1040, 1053, 2002, 2003, 2006, 2013}
# SQLSTATE classes of connection trouble: 08 connection exception, 57P0x server
# shutting down or starting up, 53300 too many connections.
_CONNECTION_SQLSTATES = ("08", "57P0", "53300")


def create_database_engine(config: MemoirAIConfig) -> Engine:
    """Create the engine for ``config.database_url`` (checked first); it does not connect yet."""
    url = resolve_database_url(config.database_url)
    backend = url.get_backend_name()
    options: dict[str, Any] = {"echo": config.db_echo, "pool_pre_ping": True}
    if backend == "sqlite":
        # sqlite3's timeout is its busy timeout: how long a writer waits for the lock.
        options["connect_args"] = {"timeout": config.db_connect_timeout}
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
    busy_ms = int(config.db_connect_timeout * 1000)
    use_wal = not is_sqlite_memory(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if use_wal:
                # WAL lets readers work while one process writes.
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()


def _failure_kind(exc: BaseException) -> str:
    """Classify a connect failure: 'transient', or why retrying cannot help."""
    if not isinstance(exc, DBAPIError):
        return "other"
    original = exc.orig
    args: tuple[Any, ...] = getattr(original, "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    if code in _MYSQL_PERMANENT:
        return _MYSQL_PERMANENT[code]
    message = str(original).lower()
    for hint, kind in _PERMANENT_HINTS:
        if hint in message:
            return kind
    if code in _MYSQL_TRANSIENT or "database is locked" in message:
        return "transient"
    sqlstate = getattr(original, "sqlstate", None)
    if (
        type(original).__module__.startswith("sqlite3")
        or code is not None  # a MySQL error that is not about the connection
        or (sqlstate and not str(sqlstate).startswith(_CONNECTION_SQLSTATES))
    ):
        return "other"
    return "transient" if isinstance(exc, OperationalError) else "other"


def _is_transient(exc: BaseException) -> bool:
    return _failure_kind(exc) == "transient"


def _reason(exc: BaseException, url: URL) -> str:
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    args: tuple[Any, ...] = getattr(original, "args", ())
    if len(args) == 2 and isinstance(args[0], int):  # PyMySQL: (errno, message)
        text = f"({args[0]}) {args[1]}"
    else:
        text = str(original) or type(original).__name__
    text = scrub_secrets(text, url)
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _remedy(kind: str, url: URL) -> str:
    where = f"{url.host or 'localhost'}:{url.port}" if url.port else (url.host or "localhost")
    database = url.database or "the database"
    return {
        "transient": (
            f"check that the server is running and reachable at {where}, or wait longer by "
            "raising MEMOIR_DB_RETRY_MAX_SECONDS / MEMOIR_DB_RETRY_ATTEMPTS."
        ),
        "auth": "check the user name and password in the database URL and the user's grants.",
        "database": (
            f"create the database first (CREATE DATABASE {database}) or fix its name in the URL."
        ),
        "host": f"check the host name {url.host!r} in the database URL.",
        "sqlite": "check that the SQLite file's folder exists and is writable.",
        "sqlite-readonly": "make the SQLite file and its folder writable.",
        "sqlite-corrupt": "point the URL at an SQLite database file, or move this file away.",
    }.get(kind, f"check the database URL ({SET_URL_HINT}) and that the server accepts connections.")


def as_database_error(exc: BaseException, url: str | URL) -> DatabaseError:
    """Describe a driver error as one clean DatabaseError; chain it with ``raise ... from``."""
    parsed = url if isinstance(url, URL) else _safe_url(url)
    kind = _failure_kind(exc)
    reason = scrub_secrets(_reason(exc, parsed), url)
    masked = mask_url(url)
    if kind in ("transient", "auth", "database", "host"):
        return DatabaseConnectionError(
            f"Lost or refused connection to {masked}: {reason}", remedy=_remedy(kind, parsed)
        )
    return DatabaseError(
        f"The database {masked} reported an error: {reason}", remedy=_remedy(kind, parsed)
    )


def _safe_url(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return URL.create("unknown")


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
            _reason(failure, url) if failure is not None else "unknown failure",
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
    kind = _failure_kind(exc)
    reason = _reason(exc, url)
    masked = mask_url(url)
    if kind.startswith("sqlite"):
        return DatabaseError(
            f"Cannot open the SQLite database {masked}: {reason}", remedy=_remedy(kind, url)
        )
    tries = f" after {attempts} attempts over {elapsed:.1f} s" if attempts > 1 else ""
    return DatabaseConnectionError(
        f"Could not connect to {masked}{tries}: {reason}", remedy=_remedy(kind, url)
    )


class DatabaseManager:
    """Owns the engine and hands out verified connections, sessions and transactions."""

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

    def check_connection(self) -> None:
        """Make sure the database can be reached, retrying transient failures within the bound."""
        with self.connect():
            pass

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that is closed afterwards (no implicit commit)."""
        if not self._verified:
            self.check_connection()
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
