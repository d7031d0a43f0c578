"""Database failures are translated once, by code, into errors with the right remedy."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import text

from memoir_ai import MemoirAIConfig
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.errors import DatabaseError


def test_a_missing_table_says_to_upgrade_on_every_backend(database_url: str) -> None:
    manager = DatabaseManager(MemoirAIConfig(database_url=database_url))
    try:
        with pytest.raises(DatabaseError) as raised, manager.session() as session:
            session.execute(text("SELECT id FROM chunks"))
    finally:
        manager.dispose()
    assert raised.value.kind == "missing-schema"
    assert "memoir db upgrade" in raised.value.remedy
    assert "refused" not in str(raised.value).lower()  # not mistaken for a connection failure
    assert "LINE 1" not in raised.value.message  # the driver's reason, not its SQL excerpt


def test_a_constraint_violation_is_named_as_such(database_url: str) -> None:
    manager = DatabaseManager(MemoirAIConfig(database_url=database_url))
    try:
        with manager.transaction() as session:
            session.execute(text("CREATE TABLE memoir_probe (id INTEGER PRIMARY KEY)"))
        with pytest.raises(DatabaseError) as raised, manager.transaction() as session:
            session.execute(text("INSERT INTO memoir_probe (id) VALUES (1), (1)"))
    finally:
        with manager.transaction() as session:
            session.execute(text("DROP TABLE memoir_probe"))
        manager.dispose()
    assert raised.value.kind == "constraint"
    assert not raised.value.retryable


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_a_unit_of_work_whose_connection_is_killed_runs_again(
    database_url: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The server kills the session mid-transaction; the unit runs again and commits once."""
    caplog.set_level(logging.WARNING, logger="memoir_ai.database.engine")
    config = MemoirAIConfig(database_url=database_url, db_retry_max_seconds=20)
    manager = DatabaseManager(config)
    admin = DatabaseManager(config)
    runs: list[int] = []
    try:
        with manager.transaction() as session:
            session.execute(text("CREATE TABLE memoir_probe (id INTEGER PRIMARY KEY)"))

        def work(session: object) -> int:
            from sqlalchemy.orm import Session

            assert isinstance(session, Session)
            runs.append(1)
            session.execute(text("INSERT INTO memoir_probe (id) VALUES (:n)"), {"n": len(runs)})
            if len(runs) == 1:  # the first attempt loses its connection before committing
                own = session.execute(
                    text(
                        "SELECT pg_backend_pid()"
                        if backend == "postgresql"
                        else "SELECT CONNECTION_ID()"
                    )
                ).scalar_one()
                killer = threading.Thread(target=_kill, args=(admin, backend, own))
                killer.start()
                killer.join()
            return len(runs)

        assert manager.run(work, doing="storing a probe") == 2
        with admin.session() as session:
            stored = session.execute(text("SELECT id FROM memoir_probe")).scalars().all()
    finally:
        with admin.transaction() as session:
            session.execute(text("DROP TABLE IF EXISTS memoir_probe"))
        manager.dispose()
        admin.dispose()
    assert stored == [2]  # the killed attempt left nothing; the second committed once
    assert any("Storing a probe failed (attempt 1" in r.getMessage() for r in caplog.records)


def _kill(admin: DatabaseManager, backend: str, connection_id: int) -> None:
    statement = "SELECT pg_terminate_backend(:id)" if backend == "postgresql" else "KILL :id"
    with admin.session() as session:
        session.execute(text(statement), {"id": connection_id})
