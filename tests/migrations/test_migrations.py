"""The migrations in the pytest-alembic spirit, on SQLite, PostgreSQL and MariaDB.

Single head; every revision upgrades and downgrades step by step; the models
and the migrations agree (Alembic's autogenerate comparison finds nothing);
down to base and back gives the very same schema; and the final schema is
exactly what the models promise, constraints and all.
"""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Index, MetaData, String, inspect

from memoir_ai.database._schema_compare import VERSION_TABLE, compare_options
from memoir_ai.database.migration_manager import MIGRATIONS_DIR, MigrationManager
from memoir_ai.database.models import Base
from tests._schema_tools import REVISIONS, TABLES_AT_HEAD, config_for, schema_snapshot


@pytest.fixture
def manager(database_url: str):
    with MigrationManager(config_for(database_url)) as manager:
        yield manager


def test_single_head_and_linear_history(sqlite_url: str) -> None:
    with MigrationManager(config_for(sqlite_url)) as manager:
        assert manager.script.get_heads() == [manager.head_revision]
        history = manager.get_migration_history()
    assert [entry.revision for entry in history] == REVISIONS
    assert [entry.down_revision for entry in history] == [None, *REVISIONS[:-1]]
    assert all(entry.description for entry in history)
    assert [entry.is_head for entry in history] == [False] * (len(REVISIONS) - 1) + [True]


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "alembic.ini").is_file()
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert sorted(path.name for path in (MIGRATIONS_DIR / "versions").glob("0*.py")) == [
        "0001_initial_schema.py",
        "0002_sources.py",
        "0003_audit_and_helper_history.py",
        "0004_double_floats_leaf_index_backfill.py",
        "0005_remembered_output_modes.py",
        "0006_category_changes.py",
        "0007_kept_outputs_and_call_notes.py",
        "0008_sqlite_autoincrement_ids.py",
    ]


def test_every_revision_upgrades_and_downgrades_step_by_step(manager: MigrationManager) -> None:
    revisions = [entry.revision for entry in manager.get_migration_history()]
    for revision in revisions:
        assert manager.upgrade(revision).current_revision == revision
        assert manager.get_current_revision() == revision
    for expected in [*reversed(revisions[:-1]), None]:
        assert manager.downgrade("-1").current_revision == expected
    with manager.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {VERSION_TABLE}


def test_models_and_migrations_agree(manager: MigrationManager) -> None:
    manager.upgrade("head")
    with manager.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=compare_options(Base.metadata))
        assert compare_metadata(context, Base.metadata) == []


def test_the_comparison_sees_a_real_difference(manager: MigrationManager) -> None:
    """Guard against comparison options that hide everything."""
    manager.upgrade("head")
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    chunks = changed.tables["chunks"]
    chunks.append_column(Column("summary", String(50)))
    Index("ix_chunks_token_count", chunks.c.token_count)
    changed.tables["sources"].c.title.type = String(20)
    with manager.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=compare_options(changed))
        operations = [
            diff[0][0] if isinstance(diff, list) else diff[0]
            for diff in compare_metadata(context, changed)
        ]
    assert sorted(operations) == ["add_column", "add_index", "modify_type"]


def test_down_to_base_and_back_gives_the_same_schema(manager: MigrationManager) -> None:
    manager.upgrade("head")
    with manager.engine.connect() as connection:
        before = schema_snapshot(connection)
    manager.downgrade("base")
    with manager.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {VERSION_TABLE}
    manager.upgrade("head")
    with manager.engine.connect() as connection:
        after = schema_snapshot(connection)
    assert after == before
    assert set(after) == TABLES_AT_HEAD | {VERSION_TABLE}


EXPECTED_CHECKS = {
    "categories": {"ck_categories_level_range", "ck_categories_parent_matches_level"},
    "chunks": {
        "ck_chunks_token_count_not_negative",
        "ck_chunks_position_not_negative",
        "ck_chunks_offsets_ordered",
    },
    "contextual_helpers": {
        "ck_contextual_helpers_token_count_not_negative",
        "ck_contextual_helpers_version_positive",
    },
    "category_limits": {
        "ck_category_limits_level_range",
        "ck_category_limits_max_categories_positive",
    },
    "memoir_settings": {"ck_memoir_settings_single_row", "ck_memoir_settings_depth_range"},
}


def test_final_schema(manager: MigrationManager) -> None:
    manager.upgrade("head")
    with manager.engine.connect() as connection:
        snapshot = schema_snapshot(connection)
        inspector = inspect(connection)
        server_defaults = {
            (table, column["name"]): column["default"]
            for table in TABLES_AT_HEAD
            for column in inspector.get_columns(table)
            if column.get("default") is not None and not column.get("autoincrement")
        }
    assert set(snapshot) == TABLES_AT_HEAD | {VERSION_TABLE}

    def columns(table: str) -> list[str]:
        return [column[0] for column in snapshot[table]["columns"]]

    assert columns("categories") == [
        "id", "name", "level", "parent_id", "parent_level", "parent_key",
        "metadata", "created_at", "updated_at",
    ]  # fmt: skip
    assert columns("chunks") == [
        "id", "content", "token_count", "category_id", "source_id", "position",
        "start_offset", "end_offset", "metadata", "created_at", "updated_at",
    ]  # fmt: skip
    assert columns("contextual_helpers") == [
        "id", "source_id", "helper_text", "token_count", "is_user_provided", "version",
        "created_at", "updated_at",
    ]  # fmt: skip
    assert columns("category_limits") == ["level", "max_categories"]
    assert columns("memoir_settings") == [
        "id", "hierarchy_depth", "tokenizer_model", "created_at", "updated_at", "output_modes"
    ]  # fmt: skip
    assert columns("sources") == [
        "id", "source_id", "title", "content_hash", "metadata", "created_at", "updated_at"
    ]  # fmt: skip
    assert columns("category_changes") == [
        "id", "operation", "front_door", "summary", "before", "after", "created_at",
        "undone_at", "undone_by",
    ]  # fmt: skip
    assert index_names_of(snapshot, "category_changes") == {"ix_category_changes_created_at"}
    assert columns("llm_calls")[-2:] == ["max_tokens", "notes"]
    assert columns("kept_outputs") == [
        "id", "key", "source_id", "content_hash", "purpose", "model", "structured_output",
        "input_tokens", "output_tokens", "output_json", "created_at",
    ]  # fmt: skip
    parent_key = next(c for c in snapshot["categories"]["columns"] if c[0] == "parent_key")
    assert parent_key[3] == "coalesceparent_id,0"  # the generated column behind root uniqueness

    def index_names(table: str) -> set[str]:
        return {index[0] for index in snapshot[table]["indexes"] if not index[2]}

    assert index_names("categories") >= {
        "ix_categories_parent_id_parent_level",
        "ix_categories_level",
    }
    assert index_names("chunks") >= {
        "ix_chunks_category_id", "ix_chunks_source_id", "ix_chunks_created_at",
        "ix_chunks_category_id_created_at_id",
    }  # fmt: skip
    leaf_index = next(i for i in snapshot["chunks"]["indexes"] if i[0].endswith("_created_at_id"))
    assert leaf_index[1] == ("category_id", "created_at", "id")
    uniques = {table: {u[1] for u in snapshot[table]["unique"]} for table in snapshot}
    assert uniques["categories"] >= {("parent_key", "name"), ("id", "level")}
    assert ("source_id", "position") in uniques["chunks"]
    assert ("source_id",) in uniques["contextual_helpers"]
    assert ("source_id",) in uniques["sources"]
    assert ("key",) in uniques["kept_outputs"]
    assert index_names("kept_outputs") >= {"ix_kept_outputs_source_id"}
    foreign_keys = {(fk[1], fk[2], fk[3]) for fk in snapshot["categories"]["foreign_keys"]}
    assert foreign_keys == {(("parent_id", "parent_level"), "categories", ("id", "level"))}
    assert {(fk[1], fk[2], fk[3]) for fk in snapshot["chunks"]["foreign_keys"]} == {
        (("category_id",), "categories", ("id",))
    }
    for table, expected in EXPECTED_CHECKS.items():
        assert {name for name, _ in snapshot[table]["checks"]} >= expected, table
    assert server_defaults == {}  # every default is set by the models, see _schema_compare


def index_names_of(snapshot: dict[str, Any], table: str) -> set[str]:
    return {index[0] for index in snapshot[table]["indexes"] if not index[2]}


def test_the_head_revision_known_without_alembic_is_alembics_head() -> None:
    """Reads check the schema against HEAD_REVISION without importing Alembic: keep it true."""
    from alembic.script import ScriptDirectory

    from memoir_ai.database._revisions import alembic_config
    from memoir_ai.database.migrations import HEAD_REVISION

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
