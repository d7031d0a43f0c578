"""Which tables are memoir-ai's: a shared database may hold another application's tables.

memoir-ai never reports, adopts or drops a table it did not create. A table
with one of memoir-ai's names is recognised as memoir-ai's when it looks like
memoir-ai made it: it has memoir-ai's primary key column(s) and either nearly
all of memoir-ai's columns for that table (at most one in five missing, so a
damaged table is still reported as memoir-ai's, difference by difference) or
one of the constraints or indexes memoir-ai names for it (the naming
convention gives them names no other application is likely to use). Any other
table of that name belongs to someone else, and the names clash.

memoir-ai's own version table is ``memoir_alembic_version``; another
application's ``alembic_version`` is never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, MetaData, Table, inspect
from sqlalchemy.engine import Inspector

from memoir_ai.database._schema_compare import VERSION_TABLE
from memoir_ai.errors import MigrationError

__all__ = ["Ownership", "classify_tables", "clash_error", "clash_remedy"]

# At most this share of memoir-ai's columns may be missing from a table still recognised as its.
_MISSING_COLUMNS_TOLERATED = 0.2


@dataclass(frozen=True)
class Ownership:
    """The tables with memoir-ai's names, sorted into memoir-ai's own and clashing ones.

    Attributes:
        owned: present tables that memoir-ai created.
        clashing: present tables with a memoir-ai name that memoir-ai did not
            create, each with the columns it has (to show what it is).
        others: every other table of the database (left alone, never counted).
    """

    owned: frozenset[str] = frozenset()
    clashing: dict[str, list[str]] = field(default_factory=dict)
    others: frozenset[str] = frozenset()

    def describe_clashes(self) -> str:
        """``categories (columns id, name, slug), …`` for a message."""
        return ", ".join(
            f"{name} (columns {', '.join(columns) or 'none'})"
            for name, columns in sorted(self.clashing.items())
        )


def _memoir_names(table: Table) -> set[str]:
    names = {str(index.name) for index in table.indexes if index.name}
    names.update(str(constraint.name) for constraint in table.constraints if constraint.name)
    return names


def _live_names(inspector: Inspector, name: str) -> set[str]:
    found = {str(index["name"]) for index in inspector.get_indexes(name) if index["name"]}
    found.update(str(u["name"]) for u in inspector.get_unique_constraints(name) if u["name"])
    found.update(str(fk["name"]) for fk in inspector.get_foreign_keys(name) if fk["name"])
    found.update(str(ck["name"]) for ck in inspector.get_check_constraints(name) if ck["name"])
    return found


def _is_memoirs(inspector: Inspector, table: Table) -> tuple[bool, list[str]]:
    columns = [str(column["name"]) for column in inspector.get_columns(table.name)]
    expected = {column.name for column in table.columns}
    if not {column.name for column in table.primary_key.columns} <= set(columns):
        return False, columns
    missing = len(expected - set(columns))
    if missing <= _MISSING_COLUMNS_TOLERATED * len(expected):
        return True, columns
    return bool(_memoir_names(table) & _live_names(inspector, table.name)), columns


def classify_tables(connection: Connection, metadata: MetaData) -> Ownership:
    """Sort the database's tables into memoir-ai's, clashing ones, and the rest."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    owned: set[str] = set()
    clashing: dict[str, list[str]] = {}
    for name in sorted(present & set(metadata.tables)):
        mine, columns = _is_memoirs(inspector, metadata.tables[name])
        if mine:
            owned.add(name)
        else:
            clashing[name] = columns
    return Ownership(
        owned=frozenset(owned),
        clashing=clashing,
        others=frozenset(present - owned - set(clashing) - {VERSION_TABLE}),
    )


def clash_remedy(backend: str) -> str:
    """What to do when the names clash, for this backend."""
    where = "a database of its own (--db URL or MEMOIR_DATABASE_URL)"
    if backend == "postgresql":
        where += (
            ", or a schema of its own in this database: CREATE SCHEMA memoir; then "
            "add ?options=-csearch_path%3Dmemoir to the URL"
        )
    return f"give memoir-ai {where}; memoir-ai never drops or changes another application's tables."


def clash_error(masked_url: str, backend: str, ownership: Ownership) -> MigrationError:
    """The error for tables whose names memoir-ai needs but did not create."""
    return MigrationError(
        f"The database {masked_url} already has tables with names memoir-ai needs that "
        f"memoir-ai did not create: {ownership.describe_clashes()}. The names clash, so "
        "memoir-ai cannot keep its data there.",
        remedy=clash_remedy(backend),
    )
