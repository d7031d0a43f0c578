"""How the models are compared with a live schema: one set of rules for env.py and the manager.

Alembic's autogenerate comparison is used both when a developer writes a new
migration (``env.py``) and when :class:`~memoir_ai.database.migration_manager.MigrationManager`
validates or adopts a database, so both must ignore exactly the same things:

- tables that are not memoir-ai's (the database may be shared with an
  application's own tables), and the version table itself;
- server defaults: the models set timestamps and defaults from Python, and
  backends render the same default differently (``0`` vs ``'0'`` vs ``false``);
  no memoir-ai column has a server default, which the schema test asserts.

Types are compared (``compare_type=True``); Alembic already treats MySQL's
``TINYINT(1)``/``BOOL`` and MariaDB's ``LONGTEXT``/``JSON`` as equal. Alembic
compares unique constraints and foreign keys but neither CHECK constraints nor
generated columns, which hold the tree's rules; :func:`schema_differences`
adds both, by name: a CHECK constraint the models declare must exist under its
convention name (its text is written differently by every backend, so only
its presence is compared), and a generated column must be generated from the
same expression (compared with spaces, quotes and parentheses removed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Connection, MetaData, Table, inspect
from sqlalchemy.engine import Inspector

# Our own version table, so a database shared with an application that uses
# Alembic itself keeps both histories apart.
from memoir_ai.database.migrations import VERSION_TABLE

__all__ = [
    "VERSION_TABLE",
    "DifferenceKind",
    "SchemaDifference",
    "compare_options",
    "describe_differences",
    "memoir_table_names",
    "normalise_sql",
    "schema_differences",
]


def memoir_table_names(metadata: MetaData) -> frozenset[str]:
    """The tables memoir-ai owns at the newest revision."""
    return frozenset(metadata.tables)


def compare_options(metadata: MetaData, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Keyword arguments for ``MigrationContext.configure`` / ``context.configure``.

    Args:
        metadata: the models.
        skip: tables to leave out (another application's tables with memoir-ai names).
    """
    owned = memoir_table_names(metadata) - skip

    def include_object(
        obj: object,
        name: str | None,
        type_: Literal[
            "schema", "table", "column", "index", "unique_constraint", "foreign_key_constraint"
        ],
        reflected: bool,
        compare_to: object,
    ) -> bool:
        if type_ == "table":
            return name in owned
        return True

    return {
        "target_metadata": metadata,
        "version_table": VERSION_TABLE,
        "compare_type": True,
        "compare_server_default": False,
        "include_object": include_object,
    }


DifferenceKind = Literal[
    "missing_table",
    "extra_table",
    "missing_column",
    "extra_column",
    "missing_index",
    "extra_index",
    "missing_constraint",
    "extra_constraint",
    "changed",
]


@dataclass(frozen=True)
class SchemaDifference:
    """One way the live schema differs from the models, in words a person can act on."""

    table: str
    kind: DifferenceKind
    name: str
    detail: str

    def __str__(self) -> str:
        """One readable line, e.g. ``chunks: missing column end_offset``."""
        return f"{self.table}: {self.detail}"


_KINDS: dict[str, tuple[DifferenceKind, str]] = {
    "add_table": ("missing_table", "missing table"),
    "remove_table": ("extra_table", "unexpected table"),
    "add_column": ("missing_column", "missing column"),
    "remove_column": ("extra_column", "unexpected column"),
    "add_index": ("missing_index", "missing index"),
    "remove_index": ("extra_index", "unexpected index"),
    "add_constraint": ("missing_constraint", "missing unique constraint"),
    "remove_constraint": ("extra_constraint", "unexpected unique constraint"),
    "add_fk": ("missing_constraint", "missing foreign key"),
    "remove_fk": ("extra_constraint", "unexpected foreign key"),
}


def describe_differences(diffs: list[Any]) -> list[SchemaDifference]:
    """Turn Alembic's ``compare_metadata`` output into readable :class:`SchemaDifference` s."""
    described: list[SchemaDifference] = []
    for diff in diffs:
        if isinstance(diff, list):  # modify_* operations come grouped per column
            for change in diff:
                operation, _schema, table, column = change[:4]
                old, new = change[-2], change[-1]
                what = operation.removeprefix("modify_").replace("_", " ")
                described.append(
                    SchemaDifference(
                        table,
                        "changed",
                        column,
                        f"column {column} has {what} {old!s}, the models expect {new!s}",
                    )
                )
            continue
        operation = diff[0]
        kind, words = _KINDS.get(operation, ("changed", operation.replace("_", " ")))
        table, name = _table_and_name(operation, diff)
        described.append(SchemaDifference(table, kind, name, f"{words} {name}"))
    return described


def _table_and_name(operation: str, diff: tuple[Any, ...]) -> tuple[str, str]:
    if operation.endswith("_table"):
        return str(diff[1].name), str(diff[1].name)
    if operation.endswith("_column"):
        return str(diff[2]), str(diff[3].name)
    item = diff[1]
    columns = ", ".join(str(column.name) for column in getattr(item, "columns", ()))
    label = f"{item.name or 'unnamed'} ({columns})" if columns else str(item.name)
    return str(item.table.name if item.table is not None else item.parent.name), label


def schema_differences(
    connection: Connection, metadata: MetaData, skip: frozenset[str] = frozenset()
) -> list[SchemaDifference]:
    """How the live schema differs from ``metadata``: Alembic's comparison, CHECKs, generated.

    Args:
        connection: the database to inspect.
        metadata: the models.
        skip: tables to leave out (another application's tables with memoir-ai names).
    """
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(connection, opts=compare_options(metadata, skip))
    differences = describe_differences(compare_metadata(context, metadata))
    inspector = inspect(connection)
    present = set(inspector.get_table_names()) - skip
    for table in metadata.sorted_tables:
        if table.name in present:
            differences += _check_differences(inspector, table)
            differences += _computed_differences(inspector, table)
    return differences


def normalise_sql(sql: object) -> str:
    """SQL text without spaces, quotes, backticks and parentheses, lower case."""
    return re.sub(r"[\s()`\"]", "", str(sql)).lower()


def _check_differences(inspector: Inspector, table: Table) -> list[SchemaDifference]:
    expected = {
        str(constraint.name)
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint) and constraint.name
    }
    columns = {column.name for column in table.columns}
    live: dict[str, str] = {}
    for check in inspector.get_check_constraints(table.name):
        name = str(check["name"] or "")
        # MariaDB adds CHECK (json_valid(col)) named after a JSON column by itself.
        if name in columns and normalise_sql(check["sqltext"]).startswith("json_valid"):
            continue
        live[name] = str(check["sqltext"])
    found = [
        SchemaDifference(table.name, "missing_constraint", name, f"missing check constraint {name}")
        for name in sorted(expected - set(live))
    ]
    found += [
        SchemaDifference(
            table.name,
            "extra_constraint",
            name or live[name],
            f"unexpected check constraint {name or 'unnamed'} ({live[name]})",
        )
        for name in sorted(set(live) - expected)
    ]
    return found


def _computed_differences(inspector: Inspector, table: Table) -> list[SchemaDifference]:
    live = {
        str(column["name"]): column.get("computed") for column in inspector.get_columns(table.name)
    }
    found: list[SchemaDifference] = []
    for column in table.columns:
        if column.name not in live:
            continue  # reported as a missing column
        reflected = live[column.name]
        expected = column.computed
        if expected is None and reflected is None:
            continue
        if expected is None:
            detail = (
                f"column {column.name} is generated as {reflected['sqltext']}, "  # type: ignore[index]
                "the models expect a plain column"
            )
        elif reflected is None:
            detail = (
                f"column {column.name} is not generated, the models generate it as "
                f"{expected.sqltext}"
            )
        elif normalise_sql(reflected["sqltext"]) != normalise_sql(expected.sqltext):
            detail = (
                f"column {column.name} is generated as {reflected['sqltext']}, the models "
                f"generate it as {expected.sqltext}"
            )
        else:
            continue
        found.append(SchemaDifference(table.name, "changed", column.name, detail))
    return found
