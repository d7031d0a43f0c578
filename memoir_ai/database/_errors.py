"""The one translation of database failures into memoir-ai errors, by class and code.

A driver error is classified by what the database says about it, never by its
prose first: the SQLSTATE of PostgreSQL, the error number of MySQL/MariaDB, the
result code of SQLite (``sqlite_errorcode``), and SQLAlchemy's own exception
classes and disconnect detection. Message text is a last hint only, for the few
cases a driver gives no code for (SQLite's generic ``SQLITE_ERROR`` for a missing
table, libpq's refused connections).

:func:`classify` names the kind of failure; :func:`translate` turns any
SQLAlchemy or driver exception into a :class:`~memoir_ai.errors.DatabaseError`
whose message names the masked URL and the driver's reason (passwords hidden)
and whose remedy fits the kind. ``retryable`` marks the failures that a new
attempt of the same unit of work can cure: a lost connection, a deadlock, a
busy database.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from memoir_ai._secrets import mask_secrets
from memoir_ai.database.urls import SET_URL_HINT, mask_url
from memoir_ai.errors import DatabaseConnectionError, DatabaseError

__all__ = ["RETRYABLE", "FailureKind", "classify", "driver_reason", "remedy_for", "translate"]

FailureKind = Literal[
    "connection",  # lost, refused or timed out: retryable
    "conflict",  # deadlock, serialization failure, busy or locked: retryable
    "auth",
    "unknown-database",
    "host",
    "missing-schema",
    "constraint",
    "read-only",
    "disk-full",
    "sqlite-open",
    "sqlite-corrupt",
    "other",
]
RETRYABLE: frozenset[FailureKind] = frozenset({"connection", "conflict"})
_CONNECTION_KINDS: frozenset[FailureKind] = frozenset(
    {"connection", "auth", "unknown-database", "host"}
)

# PostgreSQL SQLSTATEs (exact codes first, then classes of two characters).
_PG_CODES: dict[str, FailureKind] = {
    "42P01": "missing-schema",  # undefined_table
    "42703": "missing-schema",  # undefined_column
    "3F000": "missing-schema",  # invalid_schema_name
    "25006": "read-only",  # read_only_sql_transaction
    "53100": "disk-full",
    "53300": "connection",  # too_many_connections
    "57P01": "connection",  # admin_shutdown
    "57P02": "connection",  # crash_shutdown
    "57P03": "connection",  # cannot_connect_now (starting up)
    "40001": "conflict",  # serialization_failure
    "40P01": "conflict",  # deadlock_detected
    "55P03": "conflict",  # lock_not_available
    "28P01": "auth",
    "28000": "auth",
    "3D000": "unknown-database",
}
_PG_CLASSES: dict[str, FailureKind] = {"08": "connection", "23": "constraint"}
# MySQL / MariaDB error numbers.
_MYSQL_CODES: dict[int, FailureKind] = {
    1146: "missing-schema",  # ER_NO_SUCH_TABLE
    1054: "missing-schema",  # ER_BAD_FIELD_ERROR
    1062: "constraint",
    1048: "constraint",
    1451: "constraint",
    1452: "constraint",
    3819: "constraint",  # MySQL CHECK constraint
    4025: "constraint",  # MariaDB CHECK constraint
    1290: "read-only",  # running with --read-only
    1792: "read-only",  # read-only transaction
    1021: "disk-full",
    1114: "disk-full",  # the table is full
    1040: "connection",
    1053: "connection",
    2002: "connection",
    2003: "connection",
    2006: "connection",
    2013: "connection",
    2055: "connection",
    1205: "conflict",  # lock wait timeout
    1213: "conflict",  # deadlock
    1044: "auth",
    1045: "auth",
    1698: "auth",
    1130: "auth",
    1049: "unknown-database",
}
# SQLite primary result codes (the low byte of an extended code).
_SQLITE_CODES: dict[int, FailureKind] = {
    5: "conflict",  # SQLITE_BUSY
    6: "conflict",  # SQLITE_LOCKED
    8: "read-only",  # SQLITE_READONLY
    13: "disk-full",  # SQLITE_FULL
    14: "sqlite-open",  # SQLITE_CANTOPEN
    11: "sqlite-corrupt",  # SQLITE_CORRUPT
    26: "sqlite-corrupt",  # SQLITE_NOTADB
    19: "constraint",  # SQLITE_CONSTRAINT
}
# Only for failures that carry no code at all (libpq's client-side errors, SQLite's
# generic SQLITE_ERROR): a hint of the message, lower-cased.
_LAST_HINTS: tuple[tuple[str, FailureKind], ...] = (
    ("no such table", "missing-schema"),
    ("no such column", "missing-schema"),
    ("name or service not known", "host"),
    ("nodename nor servname", "host"),
    ("failed to resolve host", "host"),
    ("could not translate host name", "host"),
    ("password authentication failed", "auth"),
    ("no pg_hba.conf entry", "auth"),
    ('fatal:  role "', "auth"),
    ('fatal:  database "', "unknown-database"),
    ("unable to open database file", "sqlite-open"),
    ("connection refused", "connection"),
    ("server closed the connection", "connection"),
    ("timeout expired", "connection"),
    ("connection timed out", "connection"),
    ("terminating connection", "connection"),
    ("consuming input failed", "connection"),
)


def classify(exc: BaseException) -> FailureKind:
    """The kind of a database failure, from its SQLSTATE, error number or result code."""
    if isinstance(exc, PoolTimeoutError):
        return "connection"
    if not isinstance(exc, DBAPIError):
        return "other"
    original = exc.orig
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        kind = _PG_CODES.get(sqlstate) or _PG_CLASSES.get(sqlstate[:2])
        if kind is not None:
            return kind
    args: tuple[Any, ...] = getattr(original, "args", ())
    if type(original).__module__.startswith("pymysql") and args and isinstance(args[0], int):
        return _MYSQL_CODES.get(
            args[0], "constraint" if isinstance(exc, IntegrityError) else "other"
        )
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int) and (sqlite_code & 0xFF) in _SQLITE_CODES:
        return _SQLITE_CODES[sqlite_code & 0xFF]
    if isinstance(exc, IntegrityError):
        return "constraint"
    if exc.connection_invalidated:
        return "connection"
    message = str(original).lower()
    for hint, kind in _LAST_HINTS:
        if hint in message:
            return kind
    return "other"


def driver_reason(exc: BaseException) -> str:
    """What the driver said, on one line, passwords hidden, ending with a full stop."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    args: tuple[Any, ...] = getattr(original, "args", ())
    primary = getattr(getattr(original, "diag", None), "message_primary", None)
    if len(args) == 2 and isinstance(args[0], int):  # PyMySQL: (errno, message)
        text = f"({args[0]}) {args[1]}"
    elif isinstance(primary, str) and primary:  # psycopg: the message, not the SQL excerpt
        text = primary
    else:
        text = str(original) or type(original).__name__
    text = mask_secrets(" ".join(text.split()))
    return text if text.endswith((".", "?", "!")) else f"{text}."


def remedy_for(kind: FailureKind, url: URL) -> str:
    """What to do about a failure of ``kind`` on the database at ``url``."""
    where = f"{url.host or 'localhost'}:{url.port}" if url.port else (url.host or "localhost")
    database = url.database or "the database"
    remedies: dict[FailureKind, str] = {
        "connection": (
            f"check that the server is running and reachable at {where}, or wait longer by "
            "raising MEMOIR_DB_RETRY_MAX_SECONDS / MEMOIR_DB_RETRY_ATTEMPTS."
        ),
        "conflict": "another process holds the rows or the lock; run the command again.",
        "auth": "check the user name and password in the database URL and the user's grants.",
        "unknown-database": (
            f"create the database first (CREATE DATABASE {database}) or fix its name in the URL."
        ),
        "host": f"check the host name {url.host!r} in the database URL.",
        "missing-schema": (
            "run `memoir db upgrade` (or MigrationManager(config).upgrade()) to create or "
            "complete memoir-ai's tables, and `memoir db validate` to see what differs."
        ),
        "constraint": (
            "the data breaks a rule the database enforces; check the input, and run "
            "`memoir db validate` if the schema was changed by hand."
        ),
        "read-only": (
            "the database is read-only here: browse it (tree, sources, show, log, db status), "
            "or make it writable (file and folder permissions, or the server's read-only mode)."
        ),
        "disk-full": "free disk space on the database server (or the SQLite file's disk).",
        "sqlite-open": "check that the SQLite file's folder exists and is writable.",
        "sqlite-corrupt": "point the URL at an SQLite database file, or move this file away.",
        "other": (
            f"check the database URL ({SET_URL_HINT}) and that the server accepts connections."
        ),
    }
    return remedies[kind]


def translate(exc: BaseException, url: str | URL, *, doing: str = "") -> DatabaseError:
    """``exc`` as one clean :class:`DatabaseError`; the caller chains it with ``raise … from``.

    ``doing`` says what was under way (``"reading the tree"``); the message names the
    masked URL and the driver's reason, the remedy fits the kind of failure.
    """
    if isinstance(exc, DatabaseError):
        return exc
    parsed = url if isinstance(url, URL) else _parsed(url)
    kind = classify(exc)
    reason = driver_reason(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
    during = f" while {doing}" if doing else ""
    masked = mask_url(url)
    if kind in _CONNECTION_KINDS:
        error: DatabaseError = DatabaseConnectionError(
            f"Lost or refused connection to {masked}{during}: {reason}",
            remedy=remedy_for(kind, parsed),
        )
    elif kind == "missing-schema":
        error = DatabaseError(
            f"The memoir-ai schema of {masked} is missing or incomplete{during}: {reason}",
            remedy=remedy_for(kind, parsed),
        )
    else:
        error = DatabaseError(
            f"The database {masked} reported an error{during}: {reason}",
            remedy=remedy_for(kind, parsed),
        )
    error.kind = kind
    error.retryable = kind in RETRYABLE
    return error


def _parsed(url: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return URL.create("unknown")
