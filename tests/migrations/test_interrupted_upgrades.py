"""An upgrade killed at every DDL statement of every revision, then ``memoir db init``.

A real process runs ``MigrationManager.upgrade`` and is SIGKILLed right after
its N-th DDL statement on the database (counted with SQLAlchemy's public
``after_cursor_execute`` event, in that process only; nothing of memoir-ai is
patched). MariaDB has then committed the statements before the kill, SQLite
those it ran outside a transaction; PostgreSQL must have rolled everything
back. Whatever is left, the next ``memoir db init`` must end at head with a
valid schema.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from memoir_ai.cli.main import app
from memoir_ai.database.migration_manager import MigrationManager
from tests._schema_tools import HEAD, REVISIONS, config_for

pytestmark = pytest.mark.slow

# Revisions that change only SQLite's tables (0008: AUTOINCREMENT ids); a no-op elsewhere.
SQLITE_ONLY = {"0008"}

KILLER = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

url, target, kill_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
database = make_url(url).database
seen = 0

@event.listens_for(Engine, "after_cursor_execute")
def _count(conn, cursor, statement, parameters, context, executemany):
    global seen
    if conn.engine.url.database != database:
        return  # not the database under test
    if statement.lstrip().upper().startswith(("CREATE", "ALTER", "DROP")):
        seen += 1
        if seen == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database.migration_manager import MigrationManager

with MigrationManager(MemoirAIConfig(database_url=url)) as manager:
    manager.upgrade(target)
print("DDL", seen)
"""


def _upgrade_in_a_process(
    url: str, target: str, kill_after: int
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return subprocess.run(
        [sys.executable, "-c", KILLER, url, target, str(kill_after)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _state(url: str) -> tuple[str | None, list[str]]:
    with MigrationManager(config_for(url)) as manager:
        report = manager.validate_database_schema()
        return report.current_revision, report.problems


def test_an_upgrade_killed_at_every_ddl_statement_is_repaired_by_init(
    database_url: str, backend: str
) -> None:
    outcomes: list[tuple[str, int, str]] = []
    for previous, revision in zip([None, *REVISIONS], REVISIONS, strict=False):
        with MigrationManager(config_for(database_url)) as manager:
            manager.downgrade(previous or "base", confirm=True)
        counted = _upgrade_in_a_process(database_url, revision, 0)
        assert counted.returncode == 0, counted.stderr
        statements = int(counted.stdout.split()[-1])
        if revision in SQLITE_ONLY and backend != "sqlite":
            assert statements == 0  # nothing to interrupt
            continue
        assert statements >= 1
        for kill_after in range(1, statements + 1):
            with MigrationManager(config_for(database_url)) as manager:
                manager.downgrade(previous or "base", confirm=True)
            killed = _upgrade_in_a_process(database_url, revision, kill_after)
            assert killed.returncode == -signal.SIGKILL, killed.stderr

            recorded, problems = _state(database_url)
            left = "interrupted" if any("interrupted" in p for p in problems) else "clean"
            if any("holds exactly what revision" in p for p in problems):
                left = "misstamped"
            outcomes.append((revision, kill_after, left))
            if backend == "postgresql":  # transactional DDL: nothing of the revision remains
                assert (recorded, left) == (previous, "clean"), problems

            init = CliRunner().invoke(app, ["--db", database_url, "db", "init"])
            assert init.exit_code == 0, (revision, kill_after, init.stderr)
            with MigrationManager(config_for(database_url)) as manager:
                report = manager.validate_database_schema()
            assert report.is_valid, (revision, kill_after, report.problems)
            assert report.current_revision == HEAD

    expected = set(REVISIONS) if backend == "sqlite" else set(REVISIONS) - SQLITE_ONLY
    assert {revision for revision, _, _ in outcomes} == expected
    if backend == "mysql":  # the kills really did leave half-made revisions behind
        half_made = [outcome for outcome in outcomes if outcome[2] != "clean"]
        assert len(half_made) >= len(outcomes) // 2, outcomes
