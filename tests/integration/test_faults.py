"""Connection faults against real servers: late start, never up, refused for good.

A late server is a real PostgreSQL/MariaDB behind ``DelayedTcpProxy``; a dead
one is a port that refuses connections. Retries are proven from the log
records, not from timing.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database.engine import DatabaseManager, connect_with_retry, create_database_engine
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.errors import DatabaseConnectionError
from tests._proxy import DelayedTcpProxy, refusing_port

SECRET = "Sup3r-Secret-pw"
DRIVER_URLS = {
    "postgresql": "postgresql+psycopg://memoir:{secret}@127.0.0.1:{port}/memoir",
    "mysql": "mysql+pymysql://memoir:{secret}@127.0.0.1:{port}/memoir",
}


def _retry_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "not reachable" in r.getMessage()]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_a_server_that_starts_3s_late_is_reached_through_backoff(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    real = make_url(database_url)
    caplog.set_level(logging.INFO, logger="memoir_ai.database.engine")
    with DelayedTcpProxy(str(real.host), int(real.port or 0), delay=3.0) as proxy:
        late = real.set(host="127.0.0.1", port=proxy.port)
        config = MemoirAIConfig(
            database_url=late.render_as_string(hide_password=False),
            db_retry_attempts=20,
            db_retry_max_seconds=30,
        )
        # The very first thing a user runs: `memoir db init` against a server still starting.
        with MigrationManager(config) as migrations:
            result = migrations.initialize_database()
            assert result.action == "created"
            assert result.current_revision == migrations.head_revision
        manager = DatabaseManager(config)
        try:
            with manager.session() as session:
                assert session.execute(text("SELECT COUNT(*) FROM categories")).scalar() == 0
        finally:
            manager.dispose()
    retries = _retry_records(caplog)
    assert retries, "the first attempts should have been refused and retried"
    assert all(record.levelno == logging.WARNING for record in retries)
    assert proxy.accepted >= 1
    assert any("after" in r.getMessage() and "attempts" in r.getMessage() for r in caplog.records)
    assert real.password is not None and real.password not in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_a_server_that_never_starts_gives_up_within_the_bound(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="memoir_ai.database.engine")
    with refusing_port() as port:
        url = DRIVER_URLS[backend].format(secret=SECRET, port=port)
        config = MemoirAIConfig(database_url=url, db_retry_attempts=100, db_retry_max_seconds=2)
        with pytest.raises(DatabaseConnectionError) as raised:
            DatabaseManager(config).check_connection()
    message = str(raised.value)
    assert f"memoir:***@127.0.0.1:{port}/memoir" in message  # the masked URL
    assert "refused" in message.lower()  # what failed, in the driver's words
    assert "MEMOIR_DB_RETRY_MAX_SECONDS" in raised.value.remedy  # what to try
    assert "Fix:" in message
    assert SECRET not in message and SECRET not in caplog.text
    # The time budget, not the attempt limit, ended the retries: 100 attempts of exponential
    # backoff take minutes, so however slow the machine, far fewer fit in 2 seconds.
    attempts = len(_retry_records(caplog)) + 1
    assert 1 <= attempts < 100
    if attempts > 1:
        assert f"after {attempts} attempts" in message


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_the_attempt_limit_bounds_the_retries(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="memoir_ai.database.engine")
    with refusing_port() as port:
        url = DRIVER_URLS[backend].format(secret=SECRET, port=port)
        config = MemoirAIConfig(database_url=url, db_retry_attempts=3, db_retry_max_seconds=60)
        engine = create_database_engine(config)
        with pytest.raises(DatabaseConnectionError, match="after 3 attempts"):
            connect_with_retry(engine, config)
        engine.dispose()
    assert len(_retry_records(caplog)) == 2


def test_a_wrong_password_is_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    # PostgreSQL's test server trusts loopback, so the wrong password is shown on MariaDB.
    from tests.servers import server_url

    url = make_url(server_url("mysql")).set(password=SECRET)
    caplog.set_level(logging.WARNING, logger="memoir_ai.database.engine")
    config = MemoirAIConfig(database_url=url.render_as_string(hide_password=False))
    with pytest.raises(DatabaseConnectionError) as raised:
        DatabaseManager(config).check_connection()
    assert "Access denied" in str(raised.value)
    assert "user name and password" in raised.value.remedy
    assert SECRET not in str(raised.value)
    assert _retry_records(caplog) == []


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_an_unknown_database_is_not_retried_and_says_how_to_create_it(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.servers import server_url

    url = make_url(server_url(backend)).set(database="memoir_no_such_db")
    caplog.set_level(logging.WARNING, logger="memoir_ai.database.engine")
    config = MemoirAIConfig(database_url=url.render_as_string(hide_password=False))
    with pytest.raises(DatabaseConnectionError) as raised:
        DatabaseManager(config).check_connection()
    assert "memoir_no_such_db" in str(raised.value)
    assert "CREATE DATABASE memoir_no_such_db" in raised.value.remedy
    assert str(url.password) not in str(raised.value)
    assert _retry_records(caplog) == []
