"""The typed results of :class:`~memoir_ai.database.migration_manager.MigrationManager`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

from sqlalchemy import Connection, MetaData, text

from memoir_ai.database._ownership import Ownership, clash_remedy
from memoir_ai.database._schema_compare import (
    DifferenceKind,
    SchemaDifference,
    schema_differences,
)
from memoir_ai.database.reading import row_count

if TYPE_CHECKING:
    from memoir_ai.database._recovery import Diagnosis
    from memoir_ai.database._revisions import RevisionCatalog

__all__ = [
    "InitializationAction",
    "InitializationResult",
    "MigrationInfo",
    "RevisionChange",
    "SchemaValidation",
    "TableInfo",
    "build_table_info",
    "validate_schema",
]

UPGRADE_COMMAND = "memoir db upgrade"

InitializationAction = Literal[
    "created", "upgraded", "adopted", "recovered", "unchanged", "inspected"
]


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
        action: created, upgraded, adopted, recovered (a mis-stamped or
            half-migrated database repaired, then upgraded), unchanged, or
            inspected (create_tables=False).
        repaired: what was repaired, when action is recovered.
    """

    database_url: str
    tables_created: list[str]
    migration_initialized: bool
    current_revision: str | None
    pending_migrations: list[str]
    previous_revision: str | None = None
    action: InitializationAction = "unchanged"
    repaired: str | None = None


@dataclass(frozen=True)
class RevisionChange:
    """What ``upgrade``, ``downgrade`` or ``stamp`` did.

    Attributes:
        database_url: the database, password masked.
        previous_revision: the revision recorded before (None: none).
        current_revision: the revision recorded now (None: base).
        repaired: a mis-stamped or half-migrated state repaired first, if any.
    """

    database_url: str
    previous_revision: str | None
    current_revision: str | None
    repaired: str | None = None

    @property
    def changed(self) -> bool:
        """False when there was nothing to do."""
        return self.previous_revision != self.current_revision or self.repaired is not None


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
    """One memoir-ai table as found in the database.

    ``exists`` is False and ``clashes`` True when a table of that name exists
    but belongs to another application (its rows are never counted).
    """

    name: str
    exists: bool
    row_count: int | None
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    missing_indexes: list[str] = field(default_factory=list)
    extra_indexes: list[str] = field(default_factory=list)
    missing_constraints: list[str] = field(default_factory=list)
    extra_constraints: list[str] = field(default_factory=list)
    other_differences: list[str] = field(default_factory=list)
    clashes: bool = False

    @property
    def matches(self) -> bool:
        """True when the table exists exactly as the models describe it."""
        return self.exists and not (
            self.missing_columns
            or self.extra_columns
            or self.missing_indexes
            or self.extra_indexes
            or self.missing_constraints
            or self.extra_constraints
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
        extra_tables: other applications' tables, left alone (not an error).
        clashing_tables: tables with a memoir-ai name that memoir-ai did not
            create (an error: the names clash).
        problems: every reason the schema is not valid, one readable line each.
        remedy: the command or action that fixes them ("" when valid).
        schema_revision: the revision the tables really match, when the
            version table says otherwise (a mis-stamped or half-migrated database).
    """

    is_valid: bool
    current_revision: str | None
    head_revision: str
    pending_migrations: list[str]
    tables_exist: bool
    table_info: list[TableInfo]
    extra_tables: list[str]
    problems: list[str]
    remedy: str = ""
    clashing_tables: list[str] = field(default_factory=list)
    schema_revision: str | None = None

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
    clashing: Collection[str] = (),
) -> list[TableInfo]:
    """Sort the differences into one :class:`TableInfo` per memoir-ai table."""
    kinds = [kind for kind in get_args(DifferenceKind) if not kind.endswith("_table")]
    buckets: dict[str, dict[str, list[str]]] = {
        name: {kind: [] for kind in kinds} for name in owned
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
            exists=name in present and name not in clashing,
            row_count=row_counts.get(name),
            missing_columns=bucket["missing_column"],
            extra_columns=bucket["extra_column"],
            missing_indexes=bucket["missing_index"],
            extra_indexes=bucket["extra_index"],
            missing_constraints=bucket["missing_constraint"],
            extra_constraints=bucket["extra_constraint"],
            other_differences=bucket["changed"],
            clashes=name in clashing,
        )
        for name, bucket in buckets.items()
    ]


def validate_schema(
    connection: Connection,
    revisions: RevisionCatalog,
    metadata: MetaData,
    current: str | None,
    ownership: Ownership,
    diagnose: Callable[[], Diagnosis],
) -> SchemaValidation:
    """Compare the live schema with ``metadata``; ``current`` is the database's revision.

    ``diagnose`` is called only when the version table may not tell the truth
    (the schema is behind or differs from the models).
    """
    known = revisions.is_known(current)
    pending = revisions.pending(current, "") if known else []
    owned = set(metadata.tables)
    clashing = set(ownership.clashing)
    present = set(ownership.owned)
    differences = schema_differences(connection, metadata, frozenset(clashing))
    problems = [str(difference) for difference in differences]
    diagnosis = diagnose() if known and (pending or differences) else None
    schema_revision = None
    if not known:
        problems.insert(0, revisions.unknown_revision_message(current))
    if diagnosis is not None and diagnosis.problem is not None:
        problems.insert(0, diagnosis.problem)
        schema_revision = diagnosis.schema_revision
    elif pending:
        problems.insert(
            0,
            f"{len(pending)} migration(s) pending ({', '.join(pending)}): run `{UPGRADE_COMMAND}`",
        )
    if clashing:
        problems.insert(
            0,
            "tables that another application created have names memoir-ai needs (the names "
            f"clash): {ownership.describe_clashes()}",
        )
    counts = {name: _row_count(connection, name) for name in owned & present}
    return SchemaValidation(
        is_valid=known and not pending and not problems,
        current_revision=current,
        head_revision=revisions.head,
        pending_migrations=pending,
        tables_exist=owned <= present,
        table_info=build_table_info(sorted(owned), present, counts, differences, clashing),
        extra_tables=sorted(ownership.others),
        problems=problems,
        remedy=_remedy(known, present, pending, diagnosis, ownership, connection),
        clashing_tables=sorted(clashing),
        schema_revision=schema_revision,
    )


def _remedy(
    known: bool,
    present: set[str],
    pending: list[str],
    diagnosis: Diagnosis | None,
    ownership: Ownership,
    connection: Connection,
) -> str:
    if ownership.clashing:
        return clash_remedy(connection.dialect.name)
    if not known:
        return "upgrade memoir-ai (pip install -U memoir-ai) or point --db at another database."
    if diagnosis is not None and diagnosis.remedy is not None:
        return diagnosis.remedy
    if not present:
        return "run `memoir db init`."
    if pending and (diagnosis is None or diagnosis.state == "consistent"):
        return f"run `{UPGRADE_COMMAND}`."
    return (
        "the tables differ from what memoir-ai creates (see the problems): restore what is "
        "missing, or move the data out and rebuild with `memoir db reset --yes` (it deletes "
        "every row)."
    )


def _row_count(connection: Connection, name: str) -> int:
    return int(connection.execute(text(row_count(name).sql)).scalar_one())
