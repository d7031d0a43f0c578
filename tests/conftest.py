"""Shared fixtures: a fresh, empty database on each backend, and no real LLM calls.

PostgreSQL and MariaDB come from ``MEMOIR_TEST_POSTGRES_URL`` and
``MEMOIR_TEST_MYSQL_URL`` (``.ci/servers.sh`` starts both on loopback). Without
a URL those backends are skipped; with ``MEMOIR_TEST_REQUIRE_SERVERS=1`` (as in
CI) a missing URL or an unreachable server fails the run instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pydantic_ai.models  # noqa: E402

from tests.servers import (  # noqa: E402
    BACKENDS,
    create_server_database,
    drop_server_database,
)

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn: sqlite, postgresql, mysql."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a new, empty database on the current backend (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'memoir.db'}"
        return
    url, name = create_server_database(backend)
    try:
        yield url
    finally:
        drop_server_database(backend, name)


@pytest.fixture
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a new SQLite file, for tests that need only the embedded backend."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'memoir.db'}"
