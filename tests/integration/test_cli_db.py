"""``memoir db ...`` end to end on SQLite, PostgreSQL and MariaDB.

Most runs go through typer's CliRunner (same process, fast); a few run the
installed console script in a real subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from memoir_ai.cli.main import app
from tests._schema_tools import HEAD, REVISIONS

MEMOIR = Path(sys.executable).with_name("memoir")


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", url, "db", *args])


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def _execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


def test_the_whole_life_cycle(database_url: str) -> None:
    init = run(database_url, "init")
    assert init.exit_code == 0, init.stderr
    assert "Created the schema through the migrations" in init.stdout
    assert f"Revision: {HEAD} (head)" in init.stdout

    again = run(database_url, "init")
    assert "already at the newest revision" in again.stdout

    status = run(database_url, "status")
    assert status.exit_code == 0, status.stderr
    assert "Schema: valid" in status.stdout
    assert "Pending migrations: none" in status.stdout
    assert "categories" in status.stdout and "0 rows" in status.stdout

    history = run(database_url, "history")
    assert history.exit_code == 0
    lines = history.stdout.splitlines()
    assert lines[0].startswith("  0001") and "applied" in lines[0]
    assert lines[-1].startswith(f"* {HEAD}") and "current, head" in lines[-1]

    assert run(database_url, "validate").exit_code == 0

    down = run(database_url, "downgrade", "base")
    assert down.exit_code == 0, down.stderr
    assert "to base" in down.stdout
    invalid = run(database_url, "validate")
    assert invalid.exit_code == 1
    assert "migration(s) pending" in invalid.stdout
    assert invalid.stderr.strip().startswith("Error: The schema of")

    offline = run(database_url, "upgrade", "--sql")
    assert offline.exit_code == 0, offline.stderr
    assert "CREATE TABLE categories" in offline.stdout
    assert "CREATE TABLE sources" in offline.stdout
    assert _scalar(database_url, "SELECT COUNT(*) FROM memoir_alembic_version") == 0  # not run

    up = run(database_url, "upgrade")
    assert up.exit_code == 0, up.stderr
    assert f"to {HEAD}." in up.stdout

    stamped = run(database_url, "stamp", "0001")
    assert stamped.exit_code == 0, stamped.stderr
    assert _scalar(database_url, "SELECT version_num FROM memoir_alembic_version") == "0001"
    assert f"Revision: 0001 (head is {HEAD})" in run(database_url, "status").stdout
    assert run(database_url, "stamp", "head").exit_code == 0

    _execute(database_url, "INSERT INTO category_limits (level, max_categories) VALUES (1, 7)")
    refused = run(database_url, "reset")
    assert refused.exit_code == 1
    assert "--yes" in refused.stderr and "Traceback" not in refused.stderr
    assert _scalar(database_url, "SELECT COUNT(*) FROM category_limits") == 1  # data kept

    reset = run(database_url, "reset", "--yes")
    assert reset.exit_code == 0, reset.stderr
    assert f"empty schema at revision {HEAD}" in reset.stdout
    assert _scalar(database_url, "SELECT COUNT(*) FROM category_limits") == 0
    assert "Schema: valid" in run(database_url, "status").stdout


def test_offline_sql_for_downgrade_and_stamp(database_url: str) -> None:
    assert run(database_url, "init").exit_code == 0
    downgrade = run(database_url, "downgrade", "--sql", "0001")
    assert downgrade.exit_code == 0, downgrade.stderr
    assert "DROP TABLE sources" in downgrade.stdout
    ranged = run(database_url, "upgrade", "--sql", "0001:head")
    assert "CREATE TABLE sources" in ranged.stdout
    assert "CREATE TABLE categories" not in ranged.stdout
    stamp = run(database_url, "stamp", "--sql", "0001")
    assert "memoir_alembic_version" in stamp.stdout
    # None of it ran.
    assert _scalar(database_url, "SELECT version_num FROM memoir_alembic_version") == HEAD


def test_an_unknown_revision_is_one_clean_error(sqlite_url: str) -> None:
    assert run(sqlite_url, "init").exit_code == 0
    result = run(sqlite_url, "upgrade", "no-such-revision")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "no-such-revision" in result.stderr and "memoir db history" in result.stderr


def _console_script(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    environment |= env or {}
    return subprocess.run(
        [str(MEMOIR), *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=120
    )


@pytest.mark.slow
def test_the_installed_console_script_on_the_default_sqlite_file(tmp_path: Path) -> None:
    init = _console_script("db", "init", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "Database: sqlite:///memoir.db" in init.stdout
    assert (tmp_path / "memoir.db").is_file()
    status = _console_script("db", "status", cwd=tmp_path)
    assert status.returncode == 0 and "Schema: valid" in status.stdout
    version = _console_script("--version", cwd=tmp_path)
    assert version.stdout.startswith("memoir-ai ")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_the_installed_console_script_on_a_server_from_the_environment(
    database_url: str, tmp_path: Path
) -> None:
    env = {"MEMOIR_DATABASE_URL": database_url}
    init = _console_script("db", "init", cwd=tmp_path, env=env)
    assert init.returncode == 0, init.stderr
    assert f"Revision: {HEAD} (head)" in init.stdout
    status = _console_script("db", "status", cwd=tmp_path, env=env)
    assert "Schema: valid" in status.stdout
    password = str(make_url(database_url).password)
    assert password not in init.stdout + init.stderr + status.stdout + status.stderr


def test_every_db_command_does_what_its_help_says(database_url: str) -> None:
    assert run(database_url, "init").exit_code == 0

    at_head = run(database_url, "upgrade")
    assert at_head.exit_code == 0, at_head.stderr
    assert "Nothing to do: " in at_head.stdout and f"already at {HEAD}" in at_head.stdout

    step_back = run(database_url, "downgrade", "-1")  # as in the README, no `--` needed
    assert step_back.exit_code == 0, step_back.stderr
    before_head = REVISIONS[-2]
    assert _scalar(database_url, "SELECT version_num FROM memoir_alembic_version") == before_head
    assert f"to {before_head}." in step_back.stdout

    bogus = run(database_url, "stamp", "bogus")
    assert bogus.exit_code == 1
    assert "Revision 'bogus' does not exist" in bogus.stderr
    assert "newer memoir-ai" not in bogus.stderr
    assert _scalar(database_url, "SELECT version_num FROM memoir_alembic_version") == before_head

    stamp_sql = run(database_url, "stamp", "--sql", "0001")
    assert stamp_sql.exit_code == 0, stamp_sql.stderr
    assert "UPDATE memoir_alembic_version SET version_num='0001'" in stamp_sql.stdout
    assert "CREATE TABLE" not in stamp_sql.stdout
    from_sql = run(database_url, "stamp", "--sql", "--from", "0002", "0001")
    assert "WHERE memoir_alembic_version.version_num = '0002'" in from_sql.stdout
    up_from = run(database_url, "upgrade", "--sql", "--from", "0002")
    assert (
        "CREATE TABLE llm_calls" in up_from.stdout and "CREATE TABLE sources" not in up_from.stdout
    )
    down_from = run(database_url, "downgrade", "--sql", "--from", "0003", "0002")
    assert "DROP TABLE llm_calls" in down_from.stdout
    no_sql = run(database_url, "upgrade", "--from", "0002")
    assert no_sql.exit_code == 2 and "--from only applies with --sql" in no_sql.stderr

    assert run(database_url, "upgrade").exit_code == 0


def test_a_mis_stamped_database_is_diagnosed_with_the_fix_that_works(database_url: str) -> None:
    assert run(database_url, "init").exit_code == 0
    _execute(database_url, "UPDATE memoir_alembic_version SET version_num = '0001'")

    validate = run(database_url, "validate")
    assert validate.exit_code == 1
    assert f"holds exactly what revision {HEAD} creates" in validate.stdout
    assert f"`memoir db stamp {HEAD}`" in validate.stderr
    status = run(database_url, "status")
    assert f"Fix: run `memoir db stamp {HEAD}`" in status.stdout

    fixed = run(database_url, "stamp", HEAD)  # the fix it names works
    assert fixed.exit_code == 0, fixed.stderr
    assert run(database_url, "validate").exit_code == 0

    _execute(database_url, "UPDATE memoir_alembic_version SET version_num = '0002'")
    upgraded = run(database_url, "upgrade")  # ...and upgrade no longer fails "already exists"
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "Repaired first" in upgraded.stdout
    assert run(database_url, "validate").exit_code == 0


def test_status_on_a_mistyped_sqlite_path_creates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'memoir-typo.db'}"
    for command in (["status"], ["validate"], ["history"], ["upgrade", "--sql"]):
        result = run(url, *command)
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    status = run(url, "status")
    assert status.exit_code == 0
    assert "Fix: check the path given to --db" in status.stdout
