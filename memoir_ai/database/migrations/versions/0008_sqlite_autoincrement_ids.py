"""Ids of chunks and categories are never handed out again on SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Citations name chunk ids, and web links and the change history name category
ids, so an id must never come back with another meaning after its row was
deleted. PostgreSQL and MariaDB sequences never reuse a value; SQLite's plain
``INTEGER PRIMARY KEY`` takes ``max(id) + 1``, which reuses the ids deleted
from the top. ``AUTOINCREMENT`` makes SQLite remember the largest id ever
used (in ``sqlite_sequence``), so on SQLite both tables are rebuilt with it;
elsewhere this revision does nothing.

The rebuild follows SQLite's own recipe (lang_altertable.html, "other kinds of
table schema changes"): foreign keys off, then in one transaction create the
new table from the stored ``CREATE TABLE`` text with the id column changed,
copy every row (the generated ``parent_key`` is computed again), drop the
old table, rename the new one, recreate its indexes from their stored text,
check the foreign keys, commit, foreign keys back on. Copying the rows with
their ids seeds ``sqlite_sequence`` with the largest id present; it is
raised to the largest id the change history (``category_changes``) names, so
that ids deleted by ``delete-empty`` before this revision are not reused
either. A kill part way rolls the whole transaction back; a table already
rebuilt is left alone, so running the revision again is safe. Downgrading
rebuilds the plain tables the same way (``sqlite_sequence`` stays, empty).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from alembic import op
from sqlalchemy import text

from memoir_ai.errors import MigrationError

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents first (only for readability: foreign keys are off during the rebuild).
TABLES = ("categories", "chunks")
PLAIN_ID = "\n\tid INTEGER NOT NULL, "
AUTOINCREMENT_ID = "\n\tid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
NEW_PREFIX = "_memoir_new_"

# As revision 0007 left the tables: what ``--sql`` (offline, no database to read) rebuilds.
FROZEN_SQL = {
    "categories": (
        "CREATE TABLE categories (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(255) NOT NULL, "
        "\n\tlevel INTEGER NOT NULL, \n\tparent_id INTEGER, \n\tparent_level INTEGER, "
        "\n\tparent_key INTEGER GENERATED ALWAYS AS (coalesce(parent_id, 0)) STORED, "
        "\n\tmetadata JSON NOT NULL, \n\tcreated_at DATETIME NOT NULL, "
        "\n\tupdated_at DATETIME NOT NULL, \n\tCONSTRAINT pk_categories PRIMARY KEY (id), "
        "\n\tCONSTRAINT ck_categories_level_range CHECK (level BETWEEN 1 AND 100), "
        "\n\tCONSTRAINT ck_categories_parent_matches_level CHECK ((level = 1 AND parent_id IS "
        "NULL AND parent_level IS NULL) OR (level > 1 AND parent_id IS NOT NULL AND parent_level "
        "IS NOT NULL AND parent_level = level - 1)), "
        "\n\tCONSTRAINT uq_categories_id_level UNIQUE (id, level), "
        "\n\tCONSTRAINT fk_categories_parent_id_parent_level_categories FOREIGN KEY(parent_id, "
        "parent_level) REFERENCES categories (id, level), "
        "\n\tCONSTRAINT uq_categories_parent_key_name UNIQUE (parent_key, name)\n)"
    ),
    "chunks": (
        "CREATE TABLE chunks (\n\tid INTEGER NOT NULL, \n\tcontent TEXT NOT NULL, "
        "\n\ttoken_count INTEGER NOT NULL, \n\tcategory_id INTEGER NOT NULL, "
        "\n\tsource_id VARCHAR(255) NOT NULL, \n\tposition INTEGER NOT NULL, "
        "\n\tstart_offset INTEGER NOT NULL, \n\tend_offset INTEGER NOT NULL, "
        "\n\tmetadata JSON NOT NULL, \n\tcreated_at DATETIME NOT NULL, "
        "\n\tupdated_at DATETIME NOT NULL, \n\tCONSTRAINT pk_chunks PRIMARY KEY (id), "
        "\n\tCONSTRAINT ck_chunks_token_count_not_negative CHECK (token_count >= 0), "
        "\n\tCONSTRAINT ck_chunks_position_not_negative CHECK (position >= 0), "
        "\n\tCONSTRAINT ck_chunks_offsets_ordered CHECK (start_offset >= 0 AND end_offset >= "
        "start_offset), \n\tCONSTRAINT fk_chunks_category_id_categories FOREIGN KEY(category_id) "
        "REFERENCES categories (id), "
        "\n\tCONSTRAINT uq_chunks_source_id_position UNIQUE (source_id, position)\n)"
    ),
}
FROZEN_INDEXES = {
    "categories": [
        "CREATE INDEX ix_categories_level ON categories (level)",
        "CREATE INDEX ix_categories_parent_id_parent_level ON categories (parent_id, parent_level)",
    ],
    "chunks": [
        "CREATE INDEX ix_chunks_category_id ON chunks (category_id)",
        "CREATE INDEX ix_chunks_category_id_created_at_id ON chunks (category_id, created_at, id)",
        "CREATE INDEX ix_chunks_created_at ON chunks (created_at)",
        "CREATE INDEX ix_chunks_source_id ON chunks (source_id)",
    ],
}
FROZEN_COLUMNS = {
    "categories": (
        "id",
        "name",
        "level",
        "parent_id",
        "parent_level",
        "metadata",
        "created_at",
        "updated_at",
    ),
    "chunks": (
        "id",
        "content",
        "token_count",
        "category_id",
        "source_id",
        "position",
        "start_offset",
        "end_offset",
        "metadata",
        "created_at",
        "updated_at",
    ),
}


def _unexpected(table: str, sql: str) -> MigrationError:
    return MigrationError(
        f"Table {table} is not defined as memoir-ai made it, so revision 0008 cannot "
        f"rebuild it: {sql}",
        remedy="run `memoir db validate` to see how it differs; nothing was changed.",
    )


def _primary_key(table: str) -> str:
    return f"\n\tCONSTRAINT pk_{table} PRIMARY KEY (id), "


def _with_autoincrement(table: str, sql: str) -> str | None:
    """The table's SQL with AUTOINCREMENT on ``id``; None if it has it already."""
    if AUTOINCREMENT_ID in sql:
        return None
    if sql.count(PLAIN_ID) != 1 or sql.count(_primary_key(table)) != 1:
        raise _unexpected(table, sql)
    return sql.replace(PLAIN_ID, AUTOINCREMENT_ID).replace(_primary_key(table), "")


def _without_autoincrement(table: str, sql: str) -> str | None:
    """The table's SQL as revision 0007 made it; None if it has no AUTOINCREMENT."""
    if AUTOINCREMENT_ID not in sql:
        return None
    first_constraint = sql.index("\n\tCONSTRAINT ")
    sql = sql[:first_constraint] + _primary_key(table) + sql[first_constraint:]
    return sql.replace(AUTOINCREMENT_ID, PLAIN_ID)


def _renamed(table: str, sql: str) -> str:
    pattern = rf'^CREATE TABLE\s+"?{table}"?\s*\('
    if not re.match(pattern, sql):
        raise _unexpected(table, sql)
    return re.sub(pattern, f"CREATE TABLE {NEW_PREFIX}{table} (", sql, count=1)


def _live() -> bool:
    return not op.get_context().as_sql


def _pragma(statement: str) -> None:
    """Run a PRAGMA on the driver's connection, outside any transaction (or write it, offline)."""
    if not _live():
        op.execute(statement)
        return
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


@contextmanager
def _foreign_keys_off() -> Iterator[None]:
    """Foreign keys off around the rebuild, which runs in one transaction of its own.

    SQLite ignores ``PRAGMA foreign_keys`` inside a transaction, so what this
    run of the migrations did before (earlier revisions, complete) is
    committed first; Alembic's ``autocommit_block`` cannot, as the transaction
    belongs to the caller's connection.
    """
    live = _live()
    bind = op.get_bind()
    driver = bind.connection.dbapi_connection if live else None
    enabled = bool(bind.exec_driver_sql("PRAGMA foreign_keys").scalar()) if live else True
    if driver is not None:
        driver.commit()
    _pragma("PRAGMA foreign_keys = OFF")
    try:
        # pysqlite opens no transaction before DDL: open one, so a kill undoes it all.
        op.execute("SAVEPOINT memoir_0008")
        yield
        if live:
            problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise MigrationError(
                    f"Rebuilding the tables with AUTOINCREMENT would break foreign keys: "
                    f"{problems}; nothing was changed.",
                    remedy="run `memoir db validate`, fix the rows named, then upgrade again.",
                )
        op.execute("RELEASE memoir_0008")
    except BaseException:
        if driver is not None:
            driver.rollback()
        raise
    finally:
        if enabled:
            _pragma("PRAGMA foreign_keys = ON")


def _stored(table: str, change: str) -> tuple[str, list[str], list[str]]:
    """The table's SQL, its indexes' SQL and its stored columns (not the generated ones)."""
    if not _live():
        sql = FROZEN_SQL[table]
        if change == "remove":
            sql = _with_autoincrement(table, sql) or sql
        return sql, FROZEN_INDEXES[table], list(FROZEN_COLUMNS[table])
    bind = op.get_bind()
    sql = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar_one()
    indexes = bind.execute(
        text(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :name"
            " AND sql IS NOT NULL ORDER BY name"
        ),
        {"name": table},
    )
    # hidden = 0: the stored columns; the generated parent_key (hidden 3) is computed again.
    columns = bind.exec_driver_sql(f'PRAGMA table_xinfo("{table}")')
    return sql, list(indexes.scalars()), [row[1] for row in columns if not row[6]]


def _rebuild(table: str, change: str) -> None:
    sql, index_sqls, stored = _stored(table, change)
    new_sql = (_with_autoincrement if change == "add" else _without_autoincrement)(table, sql)
    if new_sql is None:
        return  # already in the wanted form (a revision run again after a kill)
    columns = ", ".join(f'"{column}"' for column in stored)
    op.execute(_renamed(table, new_sql))
    op.execute(f'INSERT INTO {NEW_PREFIX}{table} ({columns}) SELECT {columns} FROM "{table}"')
    op.execute(f'DROP TABLE "{table}"')
    op.execute(f'ALTER TABLE {NEW_PREFIX}{table} RENAME TO "{table}"')
    for index_sql in index_sqls:
        op.execute(index_sql)


def _ids_in_history() -> dict[str, int]:
    """The highest category and chunk ids the change history names (deleted ones included)."""
    highest = dict.fromkeys(TABLES, 0)

    def note(table: str, value: object) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            highest[table] = max(highest[table], value)

    rows = op.get_bind().execute(text("SELECT before, after FROM category_changes"))
    for row in rows:
        for document in row:
            state = json.loads(document) if isinstance(document, str) else document
            if not isinstance(state, dict):
                continue
            for category in state.get("categories") or []:
                if isinstance(category, dict):
                    note("categories", category.get("id"))
                    note("categories", category.get("parent_id"))
            for chunk in state.get("chunks") or []:
                if isinstance(chunk, dict):
                    note("chunks", chunk.get("chunk_id"))
                    note("categories", chunk.get("category_id"))
    return highest


def _seed_sequence(table: str, seq: int) -> None:
    """Make the next id of ``table`` larger than ``seq`` (copying the rows gave max(id))."""
    values = {"name": table, "seq": seq}
    op.execute(
        text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT :name, :seq WHERE NOT EXISTS "
            "(SELECT 1 FROM sqlite_sequence WHERE name = :name)"
        ).bindparams(**values)
    )
    op.execute(
        text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name AND seq < :seq").bindparams(
            **values
        )
    )


def _rebuild_all(change: str) -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    with _foreign_keys_off():
        for table in TABLES if change == "add" else reversed(TABLES):
            _rebuild(table, change)
        if change == "add" and _live():
            # Ids deleted before this revision but named by the history are not handed out either.
            for table, seq in _ids_in_history().items():
                if seq:
                    _seed_sequence(table, seq)


def upgrade() -> None:
    _rebuild_all("add")


def downgrade() -> None:
    _rebuild_all("remove")
