"""The lean read path: an SQLite memory read with the standard library's ``sqlite3`` alone.

For the CLI's reading commands (``memoir tree``, ``sources``, ``show``,
``log``, ``db status``), whose start-up would otherwise be spent importing
SQLAlchemy and pydantic. It runs the very SQL text of :mod:`.reading` that the
library runs through SQLAlchemy, and returns the same row types.

It only ever answers the plain case, and says :class:`LeanUnavailable` for
anything else, so that the caller takes the full path, which gives the exact
error and remedy: a file that does not exist, a schema revision other than
:data:`~memoir_ai.database.migrations.HEAD_REVISION` (or no version table), a
database that never recorded its settings, any ``sqlite3`` error.

It never writes and takes no lock: the file is opened read-only
(``mode=ro``; ``immutable`` on a read-only file system, where SQLite could not
even create the shared-memory file a WAL database needs), as
:func:`memoir_ai.database.urls.read_only_sqlite_url` opens it for the library.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from memoir_ai.database import reading
from memoir_ai.database.migrations import HEAD_REVISION

__all__ = ["SCHEMA_DIGEST", "LeanReader", "LeanUnavailable", "schema_digest"]

# The digest of the memoir-ai tables and indexes as the migrations create them at
# HEAD_REVISION on SQLite (see :func:`schema_digest`). A test rebuilds a database
# and compares; a new revision changes it (the test prints the new value).
SCHEMA_DIGEST = "6f8d8adfb738a46b9691446d079a61546f51222976315db6d80721d877df30c7"


class LeanUnavailable(Exception):
    """The lean path cannot answer: the caller takes the full path."""


class LeanReader:
    """One SQLite memory at HEAD_REVISION, opened read-only (a context manager)."""

    def __init__(self, path: Path) -> None:
        """Open ``path`` read-only and check its revision.

        Raises:
            LeanUnavailable: no such file, another revision, or any SQLite error.
        """
        if not path.is_file() or not os.access(path, os.R_OK):
            raise LeanUnavailable(f"{path} is not a readable file")
        flags = "mode=ro&immutable=1" if _read_only_file_system(path) else "mode=ro"
        try:
            # timeout=0: a locked file falls back at once to the full path, which waits.
            self._connection = sqlite3.connect(
                f"file:{quote(str(path.resolve()))}?{flags}", uri=True, timeout=0
            )
        except sqlite3.Error as error:
            raise LeanUnavailable(str(error)) from error
        try:
            revisions = self.rows(reading.VERSION)
        except LeanUnavailable:
            self.close()
            raise
        if revisions != [(HEAD_REVISION,)]:  # several rows: the full path says what is wrong
            self.close()
            raise LeanUnavailable(f"the schema records {revisions!r}, not {HEAD_REVISION}")

    def __enter__(self) -> LeanReader:
        """The reader itself."""
        return self

    def __exit__(self, *_: object) -> None:
        """Close the connection."""
        self.close()

    def close(self) -> None:
        """Close the connection (nothing was written)."""
        self._connection.close()

    def rows(self, read: reading.Read, **parameters: Any) -> list[tuple[Any, ...]]:
        """Run ``read`` with ``parameters``; its timestamp and JSON columns decoded.

        Raises:
            LeanUnavailable: any SQLite error (a damaged or foreign schema, a lock).
        """
        try:
            cursor = self._connection.execute(read.sql, parameters)
            found = cursor.fetchall()
        except (sqlite3.Error, OverflowError, UnicodeError) as error:  # the full path words it
            raise LeanUnavailable(str(error)) from error
        if not (read.timestamps or read.documents):
            return found
        names = [column[0] for column in cursor.description]
        decoders = {
            index: _timestamp if name in read.timestamps else _document
            for index, name in enumerate(names)
            if name in read.timestamps or name in read.documents
        }
        return [
            tuple(decoders[i](value) if i in decoders else value for i, value in enumerate(row))
            for row in found
        ]

    def _one(self, read: reading.Read, **parameters: Any) -> tuple[Any, ...] | None:
        found = self.rows(read, **parameters)
        return found[0] if found else None

    def hierarchy_depth(self) -> int:
        """The depth the database records.

        Raises:
            LeanUnavailable: it records none (never opened for writing).
        """
        settings = self._one(reading.SETTINGS, id=reading.SETTINGS_ROW_ID)
        if settings is None:
            raise LeanUnavailable("the database records no settings")
        return int(settings[0])

    def category_tree(self) -> tuple[reading.TreeNode, ...]:
        """The roots of the category tree with chunk counts."""
        return reading.build_tree(self.rows(reading.TREE))

    def sources(self) -> list[reading.SourceRow]:
        """Every stored source, oldest first."""
        return [reading.source_row(row) for row in self.rows(reading.SOURCES)]

    def chunk(self, chunk_id: int) -> reading.ChunkRow | None:
        """The chunk ``chunk_id`` with its category path, or None."""
        row = self._one(reading.CHUNK, chunk_id=chunk_id)
        if row is None:
            return None
        categories = [reading.CategoryRow(*values) for values in self.rows(reading.CATEGORIES)]
        path = reading.category_paths(categories).get(int(row[7]), ())
        return reading.chunk_row(row, path)

    def calls(self, source_id: str | None, limit: int) -> list[reading.CallRow]:
        """The most recent ``limit`` calls (of ``source_id``), oldest first."""
        read = reading.logged_calls(by_source=source_id is not None, limited=True)
        parameters: dict[str, Any] = {"limit": limit}
        if source_id is not None:
            parameters["source_id"] = source_id
        return [reading.call_row(row) for row in reversed(self.rows(read, **parameters))]

    def call_totals(self, source_id: str | None) -> reading.CallTotalsRow:
        """The totals over the log (or one source)."""
        read = reading.call_totals(by_source=source_id is not None)
        return reading.call_totals_row(self.rows(read, **_source(source_id))[0])

    def model_usage(self, source_id: str | None) -> list[reading.ModelUsage]:
        """Calls and tokens per model over the log (or one source)."""
        read = reading.model_usage(by_source=source_id is not None)
        return [reading.usage_row(row) for row in self.rows(read, **_source(source_id))]

    def row_counts(self) -> dict[str, int]:
        """Rows of every memoir-ai table, by table name.

        Raises:
            LeanUnavailable: the tables and indexes differ from what the migrations
                create (so the full validation must say how).
        """
        if schema_digest(self._connection) != SCHEMA_DIGEST:
            raise LeanUnavailable("the schema differs from the one the migrations create")
        return {
            table: int(self.rows(reading.row_count(table))[0][0]) for table in reading.MEMOIR_TABLES
        }


def schema_digest(connection: sqlite3.Connection) -> str:
    """A digest of the memoir-ai tables and indexes exactly as SQLite holds them.

    Every column, type, constraint and index is in the ``CREATE`` text SQLite
    keeps in ``sqlite_master`` (an index behind a UNIQUE constraint has none,
    and comes from its table's text); white space is collapsed.
    """
    import hashlib  # only `memoir db status` needs it

    marks = ",".join("?" for _ in reading.MEMOIR_TABLES)
    try:
        entries = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "  # noqa: S608 - marks only
            f"WHERE tbl_name IN ({marks}) ORDER BY type, name",
            reading.MEMOIR_TABLES,
        ).fetchall()
    except sqlite3.Error as error:
        raise LeanUnavailable(str(error)) from error
    text = "\n".join(
        f"{kind} {name} {table} {' '.join((sql or '').split())}"
        for kind, name, table, sql in entries
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source(source_id: str | None) -> Mapping[str, Any]:
    return {} if source_id is None else {"source_id": source_id}


def _timestamp(value: object) -> dt.datetime | None:
    """A stored UTC time (SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` text), timezone-aware."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise LeanUnavailable(f"a timestamp stored as {type(value).__name__}")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise LeanUnavailable(str(error)) from error
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _document(value: object) -> Any:
    """A stored JSON document (SQLite keeps text)."""
    if value is None or not isinstance(value, str | bytes):
        return value
    try:
        return json.loads(value)
    except ValueError as error:
        raise LeanUnavailable(str(error)) from error


def _read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
