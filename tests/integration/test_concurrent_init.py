"""Eight processes initializing the same empty database at the same moment.

Exactly one of them migrates; the others wait on the migration lock, find the
schema at head and leave it alone. Run on SQLite (file lock), PostgreSQL
(advisory lock) and MariaDB (GET_LOCK).
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from sqlalchemy import func, select, table, text

from tests._schema_tools import HEAD, config_for

PROCESSES = 8


def _initialize(url: str, barrier: Any, results: Any) -> None:
    """One process: wait for all the others, then initialize at the same moment."""
    from memoir_ai.database.migration_manager import MigrationManager

    try:
        with MigrationManager(config_for(url)) as manager:
            manager.engine  # noqa: B018 - build the engine before the start line
            barrier.wait(timeout=120)
            result = manager.initialize_database()
            results.put((result.action, result.current_revision, result.pending_migrations))
    except BaseException as exc:  # noqa: BLE001 - report everything to the parent
        results.put(("error", f"{type(exc).__name__}: {exc}", []))


@pytest.mark.slow
def test_eight_processes_initialize_one_database_once(database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=_initialize, args=(database_url, barrier, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=240) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    errors = [outcome for outcome in outcomes if outcome[0] == "error"]
    assert errors == []
    assert sorted(outcome[0] for outcome in outcomes) == ["created"] + ["unchanged"] * 7
    assert {(outcome[1], tuple(outcome[2])) for outcome in outcomes} == {(HEAD, ())}

    from memoir_ai.database._schema_compare import VERSION_TABLE
    from memoir_ai.database.migration_manager import MigrationManager

    with MigrationManager(config_for(database_url)) as manager:
        assert manager.validate_database_schema().is_valid
        with manager.engine.connect() as connection:
            versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
            assert [row[0] for row in versions] == [HEAD]
            settings = select(func.count()).select_from(table("memoir_settings"))
            assert connection.execute(settings).scalar_one() == 1
