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
``TINYINT(1)``/``BOOL`` and MariaDB's ``LONGTEXT``/``JSON`` as equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, MetaData

# Our own version table, so a database shared with an application that uses
# Alembic itself keeps both histories apart.
from memoir_ai.database.migrations import VERSION_TABLE

__all__ = [
    "VERSION_TABLE",
    "SchemaDifference",
    "compare_options",
    "describe_differences",
    "memoir_table_names",
    "schema_differences",
]


def memoir_table_names(metadata: MetaData) -> frozenset[str]:
    """The tables memoir-ai owns at the newest revision."""
    return frozenset(metadata.tables)


def compare_options(metadata: MetaData) -> dict[str, Any]:
    """Keyword arguments for ``MigrationContext.configure`` / ``context.configure``."""
    owned = memoir_table_names(metadata)

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
    "add_constraint": ("missing_index", "missing unique constraint"),
    "remove_constraint": ("extra_index", "unexpected unique constraint"),
    "add_fk": ("changed", "missing foreign key"),
    "remove_fk": ("changed", "unexpected foreign key"),
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


def schema_differences(connection: Connection, metadata: MetaData) -> list[SchemaDifference]:
    """How the live schema differs from ``metadata``, by Alembic's autogenerate comparison."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(connection, opts=compare_options(metadata))
    return describe_differences(compare_metadata(context, metadata))
