"""Claims on the sources being ingested, so that two ingestions never pay for one source.

An ingestion claims its source id before it reads what is stored and before
any model call, and holds the claim until its write is committed. Another
ingestion of the same id — in another process, or another coroutine of this
one — waits for the claim, then reads the database afresh: the same text is
``unchanged`` and costs nothing. Claims need no table and hold no transaction
open; each backend gets the lock it does best, released by the server or the
kernel when a process dies:

- PostgreSQL: a session-level advisory lock, ``pg_try_advisory_lock(ns, key)``
  (advisory locks are per database; the two-key space is apart from the
  migration lock's);
- MySQL/MariaDB: ``GET_LOCK`` with a name hashed from the database and the id
  (its locks are server-wide);
- SQLite: a file lock on one of 256 slot files in ``<database file>.claims/``
  (two ids sharing a slot only wait for each other); an in-memory database
  belongs to one process.

The server-side locks live on one autocommit connection per
:class:`SourceClaims`, opened while any claim is held, and taken with the
non-blocking form: a busy claim is polled with ``asyncio.sleep``, never by
blocking a connection or the event loop. A claim that cannot be taken for a
technical reason (a read-only folder, a lost connection) is logged and the
ingestion goes on unclaimed: at worst it pays twice, as it would without
claims; the write transaction still never stores a source twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from memoir_ai.database.urls import is_sqlite_memory

if TYPE_CHECKING:
    from filelock import FileLock
    from sqlalchemy import Connection

    from memoir_ai.database.engine import DatabaseManager

__all__ = ["POLL_SECONDS", "SourceClaims"]

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2
_SQLITE_SLOTS = 256
_PG_NAMESPACE = 0x6D656D6F  # "memo": the first key of every claim's advisory lock
# Claims held in this process, by database: the server-side locks are re-entrant within
# one connection, and one file lock per process would not exclude its own threads.
_HELD: dict[str, set[str]] = {}
_HELD_LOCK = threading.Lock()


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()


class SourceClaims:
    """The claims of one database (see the module docstring)."""

    def __init__(self, database: DatabaseManager) -> None:
        """Claim sources of ``database``; nothing connects until the first claim."""
        self._database = database
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._files: dict[str, FileLock] = {}
        self._held_here: set[str] = set()

    @asynccontextmanager
    async def hold(self, source_id: str) -> AsyncIterator[None]:
        """Hold the claim on ``source_id`` for the block, waiting while another holds it."""
        waited = False
        while not await asyncio.to_thread(self._try, source_id):
            if not waited:
                logger.info("Source %r is being ingested elsewhere; waiting for it.", source_id)
                waited = True
            await asyncio.sleep(POLL_SECONDS)
        if waited:
            logger.info("Source %r is free again; reading what was stored.", source_id)
        try:
            yield
        finally:
            await asyncio.to_thread(self._release, source_id)

    # --- one backend each -------------------------------------------------------------------

    @property
    def _key(self) -> str:
        url = self._database.engine.url
        if is_sqlite_memory(url):  # a database of this object alone
            return f"memory:{id(self._database)}"
        return self._database.masked_url

    def _try(self, source_id: str) -> bool:
        with _HELD_LOCK:
            held = _HELD.setdefault(self._key, set())
            if source_id in held:
                return False
            held.add(source_id)
        try:
            with self._lock:
                taken = self._take(source_id)
        except Exception as error:  # noqa: BLE001 - a claim must never stop an ingestion
            logger.warning("Could not claim source %r (%s); going on unclaimed.", source_id, error)
            self._drop_connection()
            taken = True
        if taken:
            self._held_here.add(source_id)
        else:
            with _HELD_LOCK:
                _HELD[self._key].discard(source_id)
        return taken

    def _take(self, source_id: str) -> bool:
        backend = self._database.engine.url.get_backend_name()
        if backend == "sqlite":
            return self._take_file(source_id)
        from sqlalchemy import text

        connection = self._server_connection()
        if backend == "postgresql":
            statement = "SELECT pg_try_advisory_lock(:namespace, :key)"
        else:
            statement = "SELECT GET_LOCK(:name, 0)"
        got = connection.execute(text(statement), self._lock_parameters(source_id)).scalar()
        return bool(got)

    def _release(self, source_id: str) -> None:
        try:
            with self._lock:
                self._give_back(source_id)
        except Exception as error:  # noqa: BLE001 - the lock goes with its connection anyway
            logger.warning("Could not release the claim on %r (%s).", source_id, error)
            self._drop_connection()
        finally:
            self._held_here.discard(source_id)
            with _HELD_LOCK:
                _HELD.get(self._key, set()).discard(source_id)

    def _give_back(self, source_id: str) -> None:
        file_lock = self._files.pop(source_id, None)
        if file_lock is not None:
            file_lock.release()
            return
        if self._connection is None:
            return
        from sqlalchemy import text

        if self._database.engine.url.get_backend_name() == "postgresql":
            statement = "SELECT pg_advisory_unlock(:namespace, :key)"
        else:
            statement = "SELECT RELEASE_LOCK(:name)"
        self._connection.execute(text(statement), self._lock_parameters(source_id))
        if not self._held_here - {source_id}:
            self._connection.close()  # every lock released: back to the pool
            self._connection = None

    def _lock_parameters(self, source_id: str) -> dict[str, str | int]:
        url = self._database.engine.url
        digest = _digest(url.database or "", source_id)
        return {
            "namespace": _PG_NAMESPACE,
            "key": int.from_bytes(digest[:4], "big", signed=True),
            "name": "memoir_ai.source." + digest.hex()[:40],
        }

    def _server_connection(self) -> Connection:
        if self._connection is None:
            connection = self._database.connect()
            self._connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def _drop_connection(self) -> None:
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.invalidate()  # its locks die with it
                    self._connection.close()
                except Exception:  # noqa: BLE001 - already broken
                    pass
                self._connection = None

    def _take_file(self, source_id: str) -> bool:
        from filelock import FileLock, Timeout

        url = self._database.engine.url
        if is_sqlite_memory(url) or not url.database:
            return True  # one process only: the in-process claims suffice
        database = Path(url.database)
        folder = database.with_name(database.name + ".claims")
        folder.mkdir(exist_ok=True)
        slot = _digest(source_id)[0] % _SQLITE_SLOTS
        lock = FileLock(
            str(folder / f"{slot:02x}.lock"), thread_local=False, preserve_lock_file=True
        )
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return False
        self._files[source_id] = lock
        return True
