"""Helpers shared by the migration and life-cycle tests: configs, snapshots, rows, rejections."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, insert, inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database.models import Base, Category, CategoryLimit, Chunk, ContextualHelper

MARIADB_CONSTRAINT_FAILED = 4025  # MariaDB's CHECK failure, an OperationalError in PyMySQL

# The newest revision and its tables: a new migration must update both, on purpose.
REVISIONS = ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008"]
HEAD = REVISIONS[-1]

TABLES_AT_HEAD = {
    "categories",
    "category_changes",
    "category_limits",
    "chunks",
    "contextual_helper_versions",
    "contextual_helpers",
    "kept_outputs",
    "llm_calls",
    "memoir_settings",
    "sources",
}


def config_for(url: str, **settings: Any) -> MemoirAIConfig:
    return MemoirAIConfig(database_url=url, db_retry_attempts=2, db_retry_max_seconds=5, **settings)


def plain_engine(url: str) -> Engine:
    """An engine of our own, to look at the database behind the manager's back."""
    from memoir_ai.database.engine import create_database_engine

    return create_database_engine(config_for(url))


def _normalise_sql(sql: object) -> str:
    return re.sub(r"[\s()`\"]", "", str(sql)).lower()


def schema_snapshot(connection: Connection) -> dict[str, Any]:
    """Everything reflection says about the schema, in a comparable, order-free form."""
    inspector = inspect(connection)
    snapshot: dict[str, Any] = {}
    for name in sorted(inspector.get_table_names()):
        columns = [
            (
                column["name"],
                str(column["type"]),
                column["nullable"],
                _normalise_sql(column.get("computed", {}).get("sqltext", "")),
            )
            for column in inspector.get_columns(name)
        ]
        primary_key = inspector.get_pk_constraint(name)
        snapshot[name] = {
            "columns": columns,
            "primary_key": tuple(primary_key["constrained_columns"]),
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(name)
            ),
            "unique": sorted(
                (unique["name"], tuple(unique["column_names"]))
                for unique in inspector.get_unique_constraints(name)
            ),
            "foreign_keys": sorted(
                (
                    fk["name"] or "",
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                )
                for fk in inspector.get_foreign_keys(name)
            ),
            "checks": sorted(
                (check["name"] or "", _normalise_sql(check["sqltext"]))
                for check in inspector.get_check_constraints(name)
            ),
        }
    return snapshot


def _sqlite_unique_as_name(message: str) -> str:
    """SQLite says "UNIQUE constraint failed: t.a, t.b"; name it the way the convention does."""
    prefix = "UNIQUE constraint failed: "
    if not message.startswith(prefix):
        return message
    columns = [item.strip().split(".") for item in message.removeprefix(prefix).split(",")]
    return f"uq_{columns[0][0]}_" + "_".join(column for _, column in columns)


def assert_rejected(connection: Connection, statement: Any, constraint: str | None) -> None:
    """The database itself refuses ``statement``, naming ``constraint`` where the backend does."""
    try:
        with connection.begin_nested():
            connection.execute(statement)
    except DBAPIError as exc:
        code = getattr(exc.orig, "args", (None,))[0]
        assert isinstance(exc, IntegrityError) or code == MARIADB_CONSTRAINT_FAILED, exc
        message = _sqlite_unique_as_name(str(exc.orig))
        if constraint is not None and "FOREIGN KEY constraint failed" not in message:
            assert constraint in message, message  # SQLite alone does not name foreign keys
        return
    raise AssertionError(f"the database accepted {statement}")


def insert_tree(connection: Connection) -> dict[str, int]:
    """Insert a small three-level tree, chunks, a helper and limits through Core; return ids."""
    categories = Category.__table__
    ids: dict[str, int] = {}
    ids["science"] = connection.execute(
        insert(categories).values(name="Science", level=1)
    ).inserted_primary_key[0]
    ids["physics"] = connection.execute(
        insert(categories).values(name="Physics", level=2, parent_id=ids["science"], parent_level=1)
    ).inserted_primary_key[0]
    ids["optics"] = connection.execute(
        insert(categories).values(
            name="Optics",
            level=3,
            parent_id=ids["physics"],
            parent_level=2,
            **{"metadata": {"a": [1]}},
        )
    ).inserted_primary_key[0]
    for position in range(3):
        connection.execute(
            insert(Chunk.__table__).values(
                content=f"Light bends, part {position}. Ünïcödé ✓",
                token_count=7,
                category_id=ids["optics"],
                source_id="book-1",
                position=position,
                start_offset=position * 40,
                end_offset=position * 40 + 39,
                **{"metadata": {"page": position}},
            )
        )
    connection.execute(
        insert(ContextualHelper.__table__).values(
            source_id="book-1",
            helper_text="A book about light.",
            token_count=5,
            is_user_provided=True,
            version=2,
        )
    )
    connection.execute(
        insert(CategoryLimit.__table__),
        [{"level": 1, "max_categories": 10}, {"level": 2, "max_categories": 20}],
    )
    return ids


def all_rows(connection: Connection, table_names: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables, ordered by primary key (the columns the table has now).

    A database at an older revision lacks the columns later revisions add, so only the
    model's columns that exist in the database are read.
    """
    from sqlalchemy import inspect

    rows = {}
    inspector = inspect(connection)
    for name in sorted(table_names):
        table = Base.metadata.tables[name]
        existing = {column["name"] for column in inspector.get_columns(name)}
        columns = [column for column in table.columns if column.name in existing]
        statement = select(*columns).order_by(*table.primary_key)
        rows[name] = [tuple(row) for row in connection.execute(statement)]
    return rows


__all__ = [
    "TABLES_AT_HEAD",
    "all_rows",
    "assert_rejected",
    "config_for",
    "create_engine",
    "insert_tree",
    "plain_engine",
    "schema_snapshot",
]
