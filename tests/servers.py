"""The test database servers: their URLs, and throwaway databases on them.

PostgreSQL and MariaDB come from ``MEMOIR_TEST_POSTGRES_URL`` and
``MEMOIR_TEST_MYSQL_URL`` (``.ci/servers.sh`` starts both on loopback). Without
a URL those backends are skipped; with ``MEMOIR_TEST_REQUIRE_SERVERS=1`` (as in
CI) a missing URL or an unreachable server fails the run instead.
"""

from __future__ import annotations

import os
import uuid

import pytest

__all__ = [
    "BACKENDS",
    "SERVER_ENV",
    "create_server_database",
    "drop_server_database",
    "server_url",
    "servers_required",
]

SERVER_ENV = {
    "postgresql": "MEMOIR_TEST_POSTGRES_URL",
    "mysql": "MEMOIR_TEST_MYSQL_URL",
}
BACKENDS = ["sqlite", "postgresql", "mysql"]


def servers_required() -> bool:
    """True when CI demands every backend (a missing server is a failure, not a skip)."""
    return os.environ.get("MEMOIR_TEST_REQUIRE_SERVERS") == "1"


def server_url(backend: str) -> str:
    """The admin URL of a test server, or skip/fail when it is not configured."""
    url = os.environ.get(SERVER_ENV[backend])
    if not url:
        message = f"{SERVER_ENV[backend]} is not set (start servers with `make servers`)"
        if servers_required():
            pytest.fail(message)
        pytest.skip(message)
    return url


def _admin_engine(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def create_server_database(backend: str) -> tuple[str, str]:
    """Create an empty database on a test server; return (its URL, its name)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    base = make_url(server_url(backend))
    name = f"memoir_test_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(base.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            if backend == "mysql":
                connection.execute(
                    text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                )
            else:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure here means the server is unusable
        pytest.fail(f"{backend} test server unreachable: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def drop_server_database(backend: str, name: str) -> None:
    """Drop a database made by :func:`create_server_database`."""
    from sqlalchemy import text

    engine = _admin_engine(server_url(backend))
    try:
        with engine.connect() as connection:
            if backend == "mysql":
                connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            else:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
