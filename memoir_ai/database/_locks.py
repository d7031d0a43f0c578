"""One migrator at a time: a database-wide lock held while the schema changes.

Two processes starting against the same new database at the same moment must
not both create it. Each backend gets the lock it does best:

- PostgreSQL: a session-level ``pg_advisory_lock`` (scoped to the database).
- MySQL/MariaDB: ``GET_LOCK`` with a name derived from the database name
  (its locks are server-wide and held by one connection).
- SQLite: a file lock on ``<database file>.lock`` beside the database, which
  also covers the moments when no SQLite transaction is open (SQLite runs DDL
  outside the driver's implicit transactions). An in-memory database belongs
  to one process and needs no lock.

The lock lives on its own autocommit connection, so the work itself can run
in ordinary transactions on another one; whoever waits re-reads the state of
the database after getting the lock.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock
from filelock import Timeout as FileLockTimeout
from sqlalchemy import Connection, Engine, text

from memoir_ai.database.urls import is_sqlite_memory, mask_url
from memoir_ai.errors import MigrationError

__all__ = ["LOCK_TIMEOUT_SECONDS", "migration_lock"]

logger = logging.getLogger(__name__)

# Long enough for another process to finish a large upgrade.
LOCK_TIMEOUT_SECONDS = 600
# Fixed key of the PostgreSQL advisory lock (advisory locks are per database).
_PG_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"memoir_ai.migrations").digest()[:8], "big", signed=True
)
_MYSQL_LOCK_NAME_MAX = 64


def _timeout_error(engine: Engine, timeout: float) -> MigrationError:
    return MigrationError(
        f"Another process held the migration lock of {mask_url(engine.url)} for more than "
        f"{timeout:.0f} s.",
        remedy="wait for the other memoir-ai process (an initialization or upgrade) to finish, "
        "then try again.",
    )


@contextmanager
def migration_lock(
    engine: Engine, open_connection: Connection | None = None, timeout: float = LOCK_TIMEOUT_SECONDS
) -> Iterator[None]:
    """Hold the database's migration lock for the duration of the block.

    Args:
        engine: the engine of the database to lock.
        open_connection: a fresh connection to hold a server-side lock on
            (closed afterwards); one is opened from ``engine`` when omitted.
        timeout: seconds to wait for another holder before giving up.

    Raises:
        MigrationError: the lock could not be taken within ``timeout``.
    """
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        if open_connection is not None:
            open_connection.close()
        with _sqlite_lock(engine, timeout):
            yield
        return
    connection = open_connection if open_connection is not None else engine.connect()
    try:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if backend == "postgresql":
            with _postgres_lock(connection, engine, timeout):
                yield
        else:
            with _mysql_lock(connection, engine, timeout):
                yield
    finally:
        connection.close()


@contextmanager
def _sqlite_lock(engine: Engine, timeout: float) -> Iterator[None]:
    database = engine.url.database
    if is_sqlite_memory(engine.url) or not database:
        yield
        return
    lock = FileLock(str(Path(database).with_name(Path(database).name + ".lock")))
    try:
        lock.acquire(timeout=timeout)
    except FileLockTimeout as exc:
        raise _timeout_error(engine, timeout) from exc
    except OSError as exc:
        raise MigrationError(
            f"Cannot create the lock file {lock.lock_file} beside {mask_url(engine.url)}: "
            f"{exc.strerror or exc}.",
            remedy="make the database's folder writable for this user.",
        ) from exc
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _postgres_lock(connection: Connection, engine: Engine, timeout: float) -> Iterator[None]:
    # lock_timeout bounds the wait; 0 would mean "forever".
    connection.execute(text(f"SET lock_timeout = {max(1, int(timeout * 1000))}"))
    try:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
    except Exception as exc:
        if "lock timeout" in str(exc).lower():
            raise _timeout_error(engine, timeout) from exc
        raise
    finally:
        connection.execute(text("SET lock_timeout = 0"))
    try:
        yield
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})


def _mysql_lock_name(database: str | None) -> str:
    name = f"memoir_ai.migrate.{database or ''}"
    if len(name) > _MYSQL_LOCK_NAME_MAX:
        name = "memoir_ai.migrate." + hashlib.sha256(name.encode()).hexdigest()[:40]
    return name


@contextmanager
def _mysql_lock(connection: Connection, engine: Engine, timeout: float) -> Iterator[None]:
    name = _mysql_lock_name(engine.url.database)
    got = connection.execute(
        text("SELECT GET_LOCK(:name, :timeout)"), {"name": name, "timeout": int(timeout)}
    ).scalar()
    if got != 1:
        raise _timeout_error(engine, timeout)
    logger.debug("Took the MySQL lock %s.", name)
    try:
        yield
    finally:
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
