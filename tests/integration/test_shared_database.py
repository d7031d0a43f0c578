"""A database shared with another application: memoir-ai never touches what it did not create.

For each of memoir-ai's table names, another application (with its own
``alembic_version``) owns a table of that name holding two rows. memoir-ai
must not count it, adopt it or drop it, and must say plainly that the names
clash and what to do; on PostgreSQL the remedy it names (a schema of its own)
must work.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from memoir_ai.cli.main import app
from memoir_ai.database._schema_compare import VERSION_TABLE
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.errors import MigrationError
from tests._schema_tools import HEAD, TABLES_AT_HEAD, config_for, plain_engine


def _add_foreign_table(url: str, name: str) -> None:
    """Another application's table called ``name``, two rows, and its own alembic_version."""
    engine = plain_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, label VARCHAR(50), "
                    "created_at VARCHAR(30))"
                )
            )
            connection.execute(
                text(
                    f"INSERT INTO {name} (id, label, created_at) "
                    "VALUES (1, 'a', 'x'), (2, 'b', 'y')"
                )
            )
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            connection.execute(text("INSERT INTO alembic_version VALUES ('app_0007')"))
    finally:
        engine.dispose()


def _foreign_state(url: str, name: str) -> tuple[set[str], list[tuple[object, ...]]]:
    engine = plain_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            rows = [tuple(r) for r in connection.execute(text(f"SELECT * FROM {name} ORDER BY id"))]
            return tables, rows
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", sorted(TABLES_AT_HEAD))
def test_a_foreign_table_with_a_memoir_name_is_never_reported_adopted_or_dropped(
    database_url: str, name: str
) -> None:
    _add_foreign_table(url=database_url, name=name)
    before = _foreign_state(database_url, name)

    with MigrationManager(config_for(database_url)) as manager:
        report = manager.validate_database_schema()
        assert not report.is_valid
        assert report.clashing_tables == [name]
        assert report.table(name).clashes and not report.table(name).exists
        assert report.table(name).row_count is None  # its 2 rows are not counted as memoir's
        assert "names clash" in report.problems[0].replace("(the names clash)", "names clash")
        assert "database of its own" in report.remedy
        assert "alembic_version" in report.extra_tables  # another application's: left alone

        for attempt in (
            manager.initialize_database,
            lambda: manager.reset_database(confirm=True),
            manager.upgrade,
        ):
            with pytest.raises(MigrationError) as refused:
                attempt()
            message = str(refused.value)
            assert f"{name} (columns id, label, created_at)" in message
            assert "names clash" in message
            assert "database of its own" in message
            assert "reset" not in message  # never advises deleting another application's table

    assert _foreign_state(database_url, name) == before  # nothing created, nothing dropped
    assert VERSION_TABLE not in before[0]

    status = CliRunner().invoke(app, ["--db", database_url, "db", "status"])
    assert status.exit_code == 0, status.stderr
    line = next(row for row in status.stdout.splitlines() if row.strip().startswith(name + " "))
    assert "another application's table" in line and "rows" not in line
    init = CliRunner().invoke(app, ["--db", database_url, "db", "init"])
    assert init.exit_code == 1
    assert "names clash" in init.stderr and "Traceback" not in init.stderr


def test_other_applications_tables_survive_a_reset(database_url: str) -> None:
    engine = plain_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE app_notes (id INTEGER PRIMARY KEY)"))
            connection.execute(text("INSERT INTO app_notes (id) VALUES (1), (2)"))
    finally:
        engine.dispose()
    with MigrationManager(config_for(database_url)) as manager:
        manager.initialize_database()
        assert manager.validate_database_schema().extra_tables == ["app_notes"]
        result = manager.reset_database(confirm=True)
        assert result.current_revision == HEAD
    engine = plain_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM app_notes")).scalar() == 2
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_postgresql_remedy_a_schema_of_its_own_works(database_url: str) -> None:
    _add_foreign_table(database_url, "categories")
    with MigrationManager(config_for(database_url)) as manager, pytest.raises(MigrationError) as e:
        manager.initialize_database()
    assert "CREATE SCHEMA memoir" in str(e.value)
    assert "?options=-csearch_path%3Dmemoir" in str(e.value)

    engine = plain_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE SCHEMA memoir"))
    finally:
        engine.dispose()
    separate = make_url(database_url).update_query_dict({"options": "-csearch_path=memoir"})
    url = separate.render_as_string(hide_password=False)
    with MigrationManager(config_for(url)) as manager:
        assert manager.initialize_database().current_revision == HEAD
        assert manager.validate_database_schema().is_valid
        with manager.engine.connect() as connection:
            assert set(inspect(connection).get_table_names(schema="memoir")) >= TABLES_AT_HEAD
    # Qualified: the test server's user is called memoir, so "$user" now finds memoir's own.
    assert _foreign_state(database_url, "public.categories")[1] == [(1, "a", "x"), (2, "b", "y")]
