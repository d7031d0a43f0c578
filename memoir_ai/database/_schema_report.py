"""The typed results of :class:`~memoir_ai.database.migration_manager.MigrationManager`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, MetaData, func, inspect, select, table

from memoir_ai.database._schema_compare import (
    VERSION_TABLE,
    SchemaDifference,
    schema_differences,
)

if TYPE_CHECKING:
    from memoir_ai.database._revisions import RevisionCatalog

__all__ = [
    "InitializationAction",
    "InitializationResult",
    "MigrationInfo",
    "SchemaValidation",
    "TableInfo",
    "build_table_info",
    "validate_schema",
]

UPGRADE_COMMAND = "memoir db upgrade"

InitializationAction = Literal["created", "upgraded", "adopted", "unchanged", "inspected"]


@dataclass(frozen=True)
class InitializationResult:
    """What ``initialize_database`` found and did.

    Attributes:
        database_url: the database, password masked.
        tables_created: tables that did not exist before this call.
        migration_initialized: True when this call put the database under
            migration control (a new database, or adopted tables stamped).
        current_revision: the revision the database is at now.
        pending_migrations: revisions still to apply (empty after a full init).
        previous_revision: the revision before this call (None: none recorded).
        action: created, upgraded, adopted, unchanged, or inspected (create_tables=False).
    """

    database_url: str
    tables_created: list[str]
    migration_initialized: bool
    current_revision: str | None
    pending_migrations: list[str]
    previous_revision: str | None = None
    action: InitializationAction = "unchanged"


@dataclass(frozen=True)
class MigrationInfo:
    """One revision of the schema, as ``get_migration_history`` lists it."""

    revision: str
    down_revision: str | None
    description: str
    is_current: bool
    is_applied: bool
    is_head: bool


@dataclass(frozen=True)
class TableInfo:
    """One memoir-ai table as found in the database."""

    name: str
    exists: bool
    row_count: int | None
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    missing_indexes: list[str] = field(default_factory=list)
    extra_indexes: list[str] = field(default_factory=list)
    other_differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        """True when the table exists exactly as the models describe it."""
        return self.exists and not (
            self.missing_columns
            or self.extra_columns
            or self.missing_indexes
            or self.extra_indexes
            or self.other_differences
        )


@dataclass(frozen=True)
class SchemaValidation:
    """How the live schema compares with this code's models and revisions.

    Attributes:
        is_valid: at the head revision and exactly matching the models.
        current_revision: the revision recorded in the database (None: none).
        head_revision: the newest revision this code knows.
        pending_migrations: revisions still to apply, oldest first.
        tables_exist: every memoir-ai table is present.
        table_info: one entry per memoir-ai table (sorted by name): row count,
            and what is missing or extra; see also :meth:`table`.
        extra_tables: tables that are not memoir-ai's (reported, not an error).
        problems: every reason the schema is not valid, one readable line each.
    """

    is_valid: bool
    current_revision: str | None
    head_revision: str
    pending_migrations: list[str]
    tables_exist: bool
    table_info: list[TableInfo]
    extra_tables: list[str]
    problems: list[str]

    def table(self, name: str) -> TableInfo:
        """The entry of one memoir-ai table in :attr:`table_info`."""
        for info in self.table_info:
            if info.name == name:
                return info
        raise KeyError(name)


def build_table_info(
    owned: list[str],
    present: set[str],
    row_counts: dict[str, int],
    differences: list[SchemaDifference],
) -> list[TableInfo]:
    """Sort the differences into one :class:`TableInfo` per memoir-ai table."""
    buckets: dict[str, dict[str, list[str]]] = {
        name: {
            "missing_column": [],
            "extra_column": [],
            "missing_index": [],
            "extra_index": [],
            "changed": [],
        }
        for name in owned
    }
    for difference in differences:
        bucket = buckets.get(difference.table)
        if bucket is None or difference.kind.endswith("_table"):
            continue
        bucket[difference.kind].append(
            difference.detail if difference.kind == "changed" else difference.name
        )
    return [
        TableInfo(
            name=name,
            exists=name in present,
            row_count=row_counts.get(name),
            missing_columns=bucket["missing_column"],
            extra_columns=bucket["extra_column"],
            missing_indexes=bucket["missing_index"],
            extra_indexes=bucket["extra_index"],
            other_differences=bucket["changed"],
        )
        for name, bucket in buckets.items()
    ]


def validate_schema(
    connection: Connection, revisions: RevisionCatalog, metadata: MetaData, current: str | None
) -> SchemaValidation:
    """Compare the live schema with ``metadata``; ``current`` is the database's revision."""
    known = revisions.is_known(current)
    pending = revisions.pending(current, "") if known else []
    present = set(inspect(connection).get_table_names())
    owned = set(metadata.tables)
    differences = schema_differences(connection, metadata)
    if not known:
        message = revisions.unknown_revision_message(current)
        differences.insert(0, SchemaDifference(VERSION_TABLE, "changed", str(current), message))
    problems = [str(difference) for difference in differences]
    if pending:
        problems.insert(
            0,
            f"{len(pending)} migration(s) pending ({', '.join(pending)}): run `{UPGRADE_COMMAND}`",
        )
    counts = {name: _row_count(connection, name) for name in owned & present}
    return SchemaValidation(
        is_valid=known and not pending and not differences,
        current_revision=current,
        head_revision=revisions.head,
        pending_migrations=pending,
        tables_exist=owned <= present,
        table_info=build_table_info(sorted(owned), present, counts, differences),
        extra_tables=sorted(present - owned - {VERSION_TABLE}),
        problems=problems,
    )


def _row_count(connection: Connection, name: str) -> int:
    return int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
