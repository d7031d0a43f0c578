"""The life of a database through MigrationManager, on SQLite, PostgreSQL and MariaDB.

New database; already at head; at revision 0001 holding data; tables without
a version table (adopted, or refused with a readable diff); a revision newer
than the code; down to base and back; offline SQL; reset; remembered settings.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import inspect, text

from memoir_ai.database._schema_compare import VERSION_TABLE
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.database.models import Base
from memoir_ai.errors import ConfigurationError, MigrationError
from tests._schema_tools import (
    HEAD,
    REVISIONS,
    TABLES_AT_HEAD,
    all_rows,
    config_for,
    insert_tree,
    plain_engine,
)

TABLES_AT_0001 = TABLES_AT_HEAD - {
    "sources",
    "llm_calls",
    "contextual_helper_versions",
    "category_changes",
    "kept_outputs",
}


@pytest.fixture
def manager(database_url: str) -> Iterator[MigrationManager]:
    with MigrationManager(config_for(database_url)) as manager:
        yield manager


def table_names(manager: MigrationManager) -> set[str]:
    with manager.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_a_new_database_is_created_through_the_migrations(manager: MigrationManager) -> None:
    assert manager.get_current_revision() is None
    assert manager.get_pending_migrations() == REVISIONS
    looked = manager.initialize_database(create_tables=False)
    assert (looked.action, looked.tables_created, looked.pending_migrations) == (
        "inspected",
        [],
        REVISIONS,
    )
    assert table_names(manager) & TABLES_AT_HEAD == set()

    result = manager.initialize_database()

    assert result.action == "created"
    assert set(result.tables_created) == TABLES_AT_HEAD | {VERSION_TABLE}
    assert result.migration_initialized is True
    assert result.current_revision == HEAD
    assert result.pending_migrations == []
    assert "memoir-test-secret" not in result.database_url
    assert manager.validate_database_schema().is_valid


def test_a_database_at_head_is_left_alone(manager: MigrationManager) -> None:
    manager.initialize_database()
    with manager.engine.begin() as connection:
        insert_tree(connection)
        before = all_rows(connection, TABLES_AT_HEAD)

    result = manager.initialize_database()

    assert (result.action, result.tables_created, result.migration_initialized) == (
        "unchanged",
        [],
        False,
    )
    assert (result.current_revision, result.pending_migrations) == (HEAD, [])
    with manager.engine.connect() as connection:
        assert all_rows(connection, TABLES_AT_HEAD) == before


def test_upgrading_a_populated_database_keeps_every_row(manager: MigrationManager) -> None:
    assert manager.upgrade("0001").current_revision == "0001"
    with manager.engine.begin() as connection:
        insert_tree(connection)
        before = all_rows(connection, TABLES_AT_0001)
    assert sum(len(rows) for rows in before.values()) == 3 + 3 + 1 + 2

    validation = manager.validate_database_schema()
    assert not validation.is_valid
    assert validation.pending_migrations == REVISIONS[1:]
    assert validation.table("sources").exists is False
    with pytest.raises(MigrationError, match="memoir db upgrade"):
        manager.require_current_schema()

    result = manager.initialize_database()

    assert (result.action, result.previous_revision, result.current_revision) == (
        "upgraded",
        "0001",
        HEAD,
    )
    assert result.tables_created == sorted(TABLES_AT_HEAD - TABLES_AT_0001)
    with manager.engine.connect() as connection:
        after = all_rows(connection, TABLES_AT_0001)
    settings = after.pop("memoir_settings")
    assert [row[:3] for row in settings] == [(1, 3, None)]  # remembered on first open
    assert after == {name: rows for name, rows in before.items() if name != "memoir_settings"}
    manager.require_current_schema()


def test_tables_without_a_version_table_are_adopted_after_a_check(
    manager: MigrationManager,
) -> None:
    with manager.engine.begin() as connection:
        Base.metadata.create_all(connection)
        insert_tree(connection)

    result = manager.initialize_database()

    assert (result.action, result.migration_initialized) == ("adopted", True)
    assert result.tables_created == [VERSION_TABLE]
    assert manager.get_current_revision() == HEAD
    assert manager.validate_database_schema().table("chunks").row_count == 3


def test_tables_that_do_not_match_are_refused_with_a_readable_diff(
    manager: MigrationManager,
) -> None:
    with manager.engine.begin() as connection:
        Base.metadata.create_all(connection)
        connection.execute(text("ALTER TABLE contextual_helpers DROP COLUMN helper_text"))
        connection.execute(text("DROP INDEX ix_categories_level" + (
            " ON categories" if connection.dialect.name == "mysql" else ""
        )))  # fmt: skip

    with pytest.raises(MigrationError) as refused:
        manager.initialize_database()

    message = str(refused.value)
    assert "no version table" in message
    assert "contextual_helpers: missing column helper_text" in message
    assert "categories: missing index ix_categories_level (level)" in message
    assert VERSION_TABLE not in table_names(manager)  # nothing was stamped

    validation = manager.validate_database_schema()
    assert validation.table("contextual_helpers").missing_columns == ["helper_text"]
    assert validation.table("categories").missing_indexes == ["ix_categories_level (level)"]


def test_a_revision_newer_than_the_code_is_refused_naming_both(
    manager: MigrationManager,
) -> None:
    manager.initialize_database()
    with manager.engine.begin() as connection:
        connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'f00d_from_the_future'"))

    for attempt in (
        manager.initialize_database,
        manager.get_pending_migrations,
        manager.upgrade,
        lambda: manager.downgrade("0001"),
    ):
        with pytest.raises(MigrationError) as refused:
            attempt()
        assert "'f00d_from_the_future'" in str(refused.value)
        assert f"'{HEAD}'" in str(refused.value)
        assert "newer memoir-ai" in str(refused.value)
    validation = manager.validate_database_schema()
    assert not validation.is_valid
    assert "f00d_from_the_future" in validation.problems[0]
    assert manager.get_current_revision() == "f00d_from_the_future"


def test_down_to_base_and_back_to_head(manager: MigrationManager) -> None:
    manager.initialize_database()
    assert manager.downgrade("base").current_revision is None
    assert table_names(manager) & TABLES_AT_HEAD == set()
    assert [entry.is_applied for entry in manager.get_migration_history()] == [False] * len(
        REVISIONS
    )
    assert manager.upgrade().current_revision == HEAD
    assert manager.validate_database_schema().is_valid
    assert [entry.is_current for entry in manager.get_migration_history()] == [False] * (
        len(REVISIONS) - 1
    ) + [True]


def test_offline_sql_is_written_for_the_right_dialect_and_runs_nothing(
    manager: MigrationManager, backend: str
) -> None:
    sql = manager.upgrade(sql=True)

    for table in TABLES_AT_HEAD:
        assert f"CREATE TABLE {table} (" in sql
    assert f"INSERT INTO {VERSION_TABLE}" in sql
    dialect_marker = {
        "sqlite": "GENERATED ALWAYS AS (coalesce(parent_id, 0)) STORED",
        "postgresql": "JSONB",
        "mysql": "ENGINE=InnoDB",
    }[backend]
    assert dialect_marker in sql
    if backend == "mysql":
        assert "DATETIME(6)" in sql
    assert table_names(manager) & TABLES_AT_HEAD == set()
    assert manager.get_current_revision() is None

    manager.upgrade("0001")
    step = manager.upgrade(sql=True)
    assert "CREATE TABLE sources" in step and "CREATE TABLE categories" not in step
    down = manager.downgrade("base", sql=True, from_revision=HEAD)
    assert "DROP TABLE sources" in down and "DROP TABLE categories" in down
    assert "CREATE TABLE sources" not in table_names(manager)
    assert manager.get_current_revision() == "0001"


def test_reset_refuses_without_confirmation_and_empties_with_it(
    manager: MigrationManager,
) -> None:
    manager.initialize_database()
    with manager.engine.begin() as connection:
        insert_tree(connection)
        before = all_rows(connection, TABLES_AT_HEAD)

    for refusal in (False, "yes", 1):
        with pytest.raises(MigrationError, match="confirm=True"):
            manager.reset_database(confirm=refusal)  # type: ignore[arg-type]
    with manager.engine.connect() as connection:
        assert all_rows(connection, TABLES_AT_HEAD) == before

    result = manager.reset_database(confirm=True)

    assert (result.current_revision, result.pending_migrations) == (HEAD, [])
    validation = manager.validate_database_schema()
    assert validation.is_valid
    counts = {info.name: info.row_count for info in validation.table_info}
    assert counts == {name: 0 for name in TABLES_AT_HEAD} | {"memoir_settings": 1}


def test_a_conflicting_hierarchy_depth_is_refused(database_url: str) -> None:
    with MigrationManager(config_for(database_url, hierarchy_depth=3)) as manager:
        manager.initialize_database()
    with (
        MigrationManager(config_for(database_url, hierarchy_depth=4)) as manager,
        pytest.raises(ConfigurationError) as refused,
    ):
        manager.initialize_database()
    assert "holds a category tree 3 levels deep" in str(refused.value)
    assert "hierarchy_depth=3" in str(refused.value)
    with MigrationManager(config_for(database_url, hierarchy_depth=3)) as manager:
        assert manager.initialize_database().action == "unchanged"


def test_validation_reports_extra_tables_without_failing(manager: MigrationManager) -> None:
    manager.initialize_database()
    with manager.engine.begin() as connection:
        connection.execute(text("CREATE TABLE app_notes (id INTEGER PRIMARY KEY)"))
    validation = manager.validate_database_schema()
    assert validation.is_valid
    assert validation.extra_tables == ["app_notes"]
    assert validation.tables_exist


def test_create_tables_without_migrations_gives_the_same_stamped_schema(
    database_url: str,
) -> None:
    from memoir_ai.database.engine import DatabaseManager

    manager = DatabaseManager(config_for(database_url))
    try:
        result = manager.create_tables(use_migrations=False)
    finally:
        manager.dispose()
    assert result.current_revision == HEAD
    with MigrationManager(config_for(database_url)) as migrations:
        assert migrations.validate_database_schema().is_valid
        assert migrations.initialize_database().action == "unchanged"
    engine = plain_engine(database_url)
    try:
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) >= TABLES_AT_HEAD
    finally:
        engine.dispose()
