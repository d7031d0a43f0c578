"""Database URLs: parse and check them before anything connects, and hide their passwords.

``resolve_database_url`` turns a user's URL into the one memoir-ai will use
(``postgresql://`` means psycopg 3; ``mysql://`` and ``mariadb://`` mean PyMySQL)
or raises a :class:`~memoir_ai.errors.ConfigurationError` naming the fix: a
malformed URL, an unknown scheme, an unsupported or missing driver, an SQLite
path whose folder is missing. A read-only SQLite file or folder is a
:class:`~memoir_ai.errors.DatabaseError`. ``mask_url`` and ``scrub_secrets``
keep passwords out of every message and log line.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from memoir_ai._secrets import mask_secrets
from memoir_ai.errors import ConfigurationError, DatabaseError

__all__ = [
    "SET_URL_HINT",
    "is_sqlite_memory",
    "is_sqlite_read_only",
    "mask_url",
    "read_only_sqlite_url",
    "resolve_database_url",
    "scrub_secrets",
]

# Backend → (default driver, drivers we support). Aliases map onto a backend.
_BACKENDS: dict[str, tuple[str, frozenset[str]]] = {
    "sqlite": ("pysqlite", frozenset({"pysqlite"})),
    "postgresql": ("psycopg", frozenset({"psycopg"})),
    "mysql": ("pymysql", frozenset({"pymysql"})),
    "mariadb": ("pymysql", frozenset({"pymysql"})),
}
_ALIASES = {"postgres": "postgresql"}
# Driver → (module to import, extra that installs it).
_DRIVER_PACKAGES = {"psycopg": ("psycopg", "postgres"), "pymysql": ("pymysql", "mysql")}

_URL_EXAMPLES = (
    "sqlite:///memoir.db, postgresql+psycopg://user:password@localhost:5432/memoir "
    "or mysql+pymysql://user:password@localhost:3306/memoir"
)
SET_URL_HINT = "pass --db URL or set MEMOIR_DATABASE_URL"


def mask_url(url: str | URL) -> str:
    """Return ``url`` with any password hidden, safe for messages and logs."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return mask_secrets(url)


def scrub_secrets(text: str) -> str:
    """Return ``text`` on one line, with every password that stands in a URL or setting hidden."""
    return mask_secrets(" ".join(text.split()))


def resolve_database_url(raw_url: str) -> URL:
    """Parse and check a database URL: scheme, driver installed, SQLite path writable."""
    text = raw_url.strip()
    if not text:
        raise ConfigurationError(
            "The database URL is empty.", remedy=f"{SET_URL_HINT}, for example {_URL_EXAMPLES}."
        )
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        reason = (
            "its port is not a number" if isinstance(exc, ValueError) else "it cannot be parsed"
        )
        raise ConfigurationError(
            f"The database URL {mask_url(text)!r} is not a valid URL: {reason}.",
            remedy=f"write it as dialect://user:password@host:port/database, e.g. {_URL_EXAMPLES}.",
        ) from None
    url = _with_supported_driver(url)
    if url.get_backend_name() == "sqlite":
        _check_sqlite_path(url)
        if _is_read_only_file(url):
            url = read_only_sqlite_url(url)
    return url


def is_sqlite_read_only(url: URL) -> bool:
    """True for an SQLite URL that memoir opened read-only (see :func:`read_only_sqlite_url`)."""
    database = str(url.database or "")
    return (
        url.get_backend_name() == "sqlite"
        and database.startswith("file:")
        and ("mode=ro" in database)
    )


def read_only_sqlite_url(url: URL) -> URL:
    """The URL that opens an existing SQLite file for reading only.

    On a read-only file system SQLite cannot create the ``-shm`` file a WAL database
    needs even to read, so the file is opened ``immutable`` (nobody can write it
    there); a file that is merely write-protected in a writable folder is opened
    ``mode=ro``, which still sees another process's committed writes.
    """
    path = Path(str(url.database))
    flags = "mode=ro&immutable=1" if _on_read_only_file_system(path) else "mode=ro"
    uri = f"file:{quote(str(path.resolve()))}?{flags}"
    return url.set(database=uri, query={"uri": "true"})


def _is_read_only_file(url: URL) -> bool:
    if is_sqlite_memory(url) or url.query.get("uri") or str(url.database).startswith("file:"):
        return False
    path = Path(str(url.database))
    if not path.is_file():
        return False
    return _on_read_only_file_system(path) or not os.access(path, os.W_OK)


def _on_read_only_file_system(path: Path) -> bool:
    """True when ``path``'s file system is mounted read-only (true even for root)."""
    try:
        return bool(os.statvfs(path if path.exists() else path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _with_supported_driver(url: URL) -> URL:
    backend, _, driver = url.drivername.partition("+")
    backend = _ALIASES.get(backend, backend)
    if backend not in _BACKENDS:
        raise ConfigurationError(
            f"Unsupported database URL scheme {url.drivername!r} in {mask_url(url)!r}.",
            remedy=f"memoir-ai supports SQLite, PostgreSQL and MySQL/MariaDB: use {_URL_EXAMPLES}.",
        )
    default_driver, supported = _BACKENDS[backend]
    driver = driver or default_driver
    if driver not in supported:
        raise ConfigurationError(
            f"The driver {driver!r} is not supported for {backend} ({mask_url(url)!r}).",
            remedy=f"use {backend}+{default_driver}://... instead.",
        )
    if driver in _DRIVER_PACKAGES:
        module, extra = _DRIVER_PACKAGES[driver]
        try:
            importlib.import_module(module)
        except ImportError:
            raise ConfigurationError(
                f"The {backend} driver {module!r} is not installed, so {mask_url(url)!r} "
                "cannot be opened.",
                remedy=f"pip install 'memoir-ai[{extra}]'.",
            ) from None
    drivername = (
        backend if backend == "sqlite" and driver == default_driver else f"{backend}+{driver}"
    )
    return url.set(drivername=drivername)


def is_sqlite_memory(url: URL) -> bool:
    """True for an in-memory SQLite URL (no file to check, no WAL)."""
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _check_sqlite_path(url: URL) -> None:
    """Refuse an SQLite path whose file or folder cannot be written (SQLite creates both lazily)."""
    if is_sqlite_memory(url) or url.query.get("uri") or str(url.database).startswith("file:"):
        return
    path = Path(str(url.database))
    folder = path.parent
    change = f"choose another path ({SET_URL_HINT})"
    if path.is_dir():
        raise ConfigurationError(
            f"The SQLite path {str(path)!r} is a folder, not a database file.",
            remedy=f"name a file inside it, e.g. sqlite:///{path / 'memoir.db'}, or {change}.",
        )
    if not folder.is_dir():
        existing = next((p for p in folder.parents if p.exists()), None)
        if folder.exists() or (existing is not None and not existing.is_dir()):
            blocker = folder if folder.exists() else existing
            raise ConfigurationError(
                f"Cannot create the SQLite database {str(path)!r}: {str(blocker)!r} is a file, "
                "not a folder.",
                remedy=f"{change}.",
            )
        raise ConfigurationError(
            f"Cannot create the SQLite database {str(path)!r}: the folder {str(folder)!r} "
            "does not exist.",
            remedy=f"create it (mkdir -p '{folder}') or {change}.",
        )
    if path.exists() and not os.access(path, os.R_OK):
        raise DatabaseError(
            f"The SQLite database file {str(path)!r} cannot be read.",
            remedy=f"make it readable (chmod u+r '{path}') or copy it somewhere readable.",
        )
    if path.is_file():
        return  # an existing file that cannot be written is opened read-only, for browsing
    if _on_read_only_file_system(folder) or not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(
            f"The folder {str(folder)!r} is not writable, so SQLite cannot create "
            f"{path.name!r} or its journal there.",
            remedy=f"make the folder writable or {change}.",
        )
