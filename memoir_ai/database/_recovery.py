"""Compare what a database records with what it holds, and undo a half-made revision.

An upgrade killed part way leaves a schema between two revisions: MySQL and
MariaDB commit every DDL statement on its own, and SQLite runs DDL outside
the driver's transactions, so some tables of the interrupted revision exist
and the version table still names the revision before. A ``stamp`` run by
mistake leaves a version table that names the wrong revision. Either way,
every command that trusts the version table would fail ("table already
exists"). :func:`diagnose` says which case a database is in, and
:func:`undo_leftovers` removes what an interrupted revision had made (empty
tables and indexes only, never a row), so the revision can run again whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Connection, MetaData, Table, func, select, table, text

from memoir_ai.database._ownership import Ownership, classify_tables
from memoir_ai.database._schema_compare import schema_differences
from memoir_ai.database._schema_shapes import (
    Location,
    Shape,
    known_tables,
    live_shape,
    locate,
    revision_shapes,
)
from memoir_ai.errors import MigrationError

__all__ = [
    "Diagnosis",
    "diagnose",
    "metadata_shape",
    "repair",
    "require_consistent",
    "undo_leftovers",
]

logger = logging.getLogger(__name__)

State = Literal["consistent", "misstamped", "interrupted", "unrecognised"]


def metadata_shape(metadata: MetaData, revision: str) -> Shape:
    """The shape of the models, which is the head revision's (the migration tests prove it)."""
    return Shape(
        revision,
        {name: frozenset(c.name for c in t.columns) for name, t in metadata.tables.items()},
        {
            name: frozenset(str(i.name) for i in t.indexes if not i.unique)
            for name, t in metadata.tables.items()
        },
    )


def _label(revision: str | None) -> str:
    return revision or "base"


@dataclass(frozen=True)
class Diagnosis:
    """What a database records against what it holds.

    Attributes:
        state: consistent (the schema is the recorded revision's), misstamped
            (it is exactly another revision's), interrupted (part way from one
            revision to the next) or unrecognised.
        recorded: the revision in the version table.
        schema_revision: the revision the schema is at (misstamped), or the
            one the interrupted step started from.
        interrupted_to: the revision the interrupted step was going to.
        leftovers: what the interrupted step had already made.
    """

    state: State
    recorded: str | None
    schema_revision: str | None = None
    interrupted_to: str | None = None
    leftovers: Shape = field(default_factory=lambda: Shape(None))

    @property
    def problem(self) -> str | None:
        """One readable line, or None when the database is consistent."""
        if self.state == "misstamped":
            return (
                f"the schema holds exactly what revision {_label(self.schema_revision)} creates, "
                f"but the version table records {_label(self.recorded)}"
            )
        if self.state == "interrupted":
            made = sorted(self.leftovers.tables) + sorted(
                index for indexes in self.leftovers.indexes.values() for index in indexes
            )
            return (
                f"a migration from {_label(self.schema_revision)} to "
                f"{_label(self.interrupted_to)} was interrupted part way (already made: "
                f"{', '.join(made)}; the version table records {_label(self.recorded)})"
            )
        return None

    @property
    def remedy(self) -> str | None:
        """The one command that repairs the database, or None."""
        if self.state == "misstamped":
            return (
                f"run `memoir db stamp {_label(self.schema_revision)}` (the schema was checked "
                "against that revision), or `memoir db init`, which does it and upgrades."
            )
        if self.state == "interrupted":
            return (
                "run `memoir db init`: under the migration lock it removes the half-made "
                f"part and runs {_label(self.interrupted_to)} again."
            )
        return None


def diagnose(
    connection: Connection, recorded: str | None, owned: frozenset[str], head: Shape
) -> Diagnosis:
    """Compare the recorded revision with the shape of memoir-ai's tables (``owned``).

    ``head`` is the models' shape, so a database at head is judged without
    running the migrations on a scratch database.
    """
    if recorded == head.revision and _matches(connection, owned, head):
        return Diagnosis("consistent", recorded)
    shapes = revision_shapes()
    live = live_shape(connection, owned & known_tables(shapes))
    location: Location = locate(live, shapes)
    if location.revisions:
        if recorded in location.revisions:
            return Diagnosis("consistent", recorded)
        return Diagnosis("misstamped", recorded, schema_revision=_newest(connection, location))
    if location.interrupted is not None:
        start, end = location.interrupted
        return Diagnosis("interrupted", recorded, start, end, location.leftovers)
    return Diagnosis("unrecognised", recorded)


# Revisions that change no name, only how SQLite defines its tables (0008: AUTOINCREMENT ids).
SQLITE_DEFINITION_ONLY = frozenset({"0008"})


def _newest(connection: Connection, location: Location) -> str | None:
    """The newest revision whose schema the database holds (several can change no name).

    On SQLite, 0008 counts only if ``chunks`` has AUTOINCREMENT: a schema stamped past
    it without the rebuild would reuse deleted ids for good.
    """
    candidates = list(location.revisions)
    if connection.dialect.name == "sqlite":
        definition = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'chunks'")
        ).scalar()
        if "AUTOINCREMENT" not in str(definition or "").upper():
            candidates = [r for r in candidates if r not in SQLITE_DEFINITION_ONLY] or candidates
    return candidates[-1]


def _matches(connection: Connection, owned: frozenset[str], head: Shape) -> bool:
    live = live_shape(connection, owned & set(head.tables))
    return live.restricted_to(head.objects) == head.objects


def undo_leftovers(connection: Connection, leftovers: Shape, masked_url: str) -> None:
    """Drop what an interrupted revision had made: its (empty) tables and its indexes.

    Raises:
        MigrationError: a table to drop holds rows; nothing was dropped.
    """
    rows = {
        name: int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in leftovers.tables
    }
    if any(rows.values()):
        held = ", ".join(f"{name} ({count} rows)" for name, count in rows.items() if count)
        raise MigrationError(
            f"The database {masked_url} is part way between two revisions and the tables "
            f"to remove already hold data: {held}.",
            remedy="move that data elsewhere, drop those tables, then run `memoir db init`.",
        )
    doomed = MetaData()
    doomed.reflect(connection, only=sorted(leftovers.tables))
    for name, indexes in leftovers.indexes.items():
        reflected = Table(name, MetaData(), autoload_with=connection)
        for index in reflected.indexes:
            if index.name in indexes:
                index.drop(connection)
    doomed.drop_all(connection)
    connection.commit()


def require_consistent(
    connection: Connection, current: str | None, head: Shape, masked_url: str
) -> None:
    """Refuse to migrate down a database whose version table does not tell the truth.

    Raises:
        MigrationError: naming the problem and the command that repairs it.
    """
    from memoir_ai.database.models import Base

    ownership = classify_tables(connection, Base.metadata)
    diagnosis = diagnose(connection, current, ownership.owned, head)
    if diagnosis.problem is not None:
        raise MigrationError(
            f"Cannot downgrade {masked_url}: {diagnosis.problem}.", remedy=diagnosis.remedy
        )


def repair(
    connection: Connection,
    current: str | None,
    head: Shape,
    masked_url: str,
    stamp: Callable[[str], None],
) -> Diagnosis:
    """Make the version table tell the truth before migrating (under the migration lock).

    A mis-stamped database is stamped at the revision its tables match
    (checked against the models, constraints included, when that is head);
    a half-migrated one loses the half-made part of the interrupted revision,
    so that the next upgrade runs it whole.

    Raises:
        MigrationError: the tables match no revision (the message lists how),
            or the half-made tables already hold rows.
    """
    from memoir_ai.database.models import Base

    ownership = classify_tables(connection, Base.metadata)
    diagnosis = diagnose(connection, current, ownership.owned, head)
    if diagnosis.state == "consistent":
        return diagnosis
    # A revision may change no name (0008): the shape can be head's and an older one's too.
    if diagnosis.state == "unrecognised" or (
        diagnosis.state == "misstamped" and _matches(connection, ownership.owned, head)
    ):
        _require_match(connection, current, ownership, head.revision, masked_url)
    if diagnosis.state == "interrupted":
        logger.warning("Repairing %s: %s.", masked_url, diagnosis.problem)
        undo_leftovers(connection, diagnosis.leftovers, masked_url)
    elif current is not None:
        logger.warning("Repairing %s: %s.", masked_url, diagnosis.problem)
    if diagnosis.schema_revision != current:
        stamp(diagnosis.schema_revision or "base")
    return diagnosis


def _require_match(
    connection: Connection,
    current: str | None,
    ownership: Ownership,
    head: str | None,
    masked_url: str,
) -> None:
    from memoir_ai.database.models import Base

    differences = schema_differences(connection, Base.metadata, frozenset(ownership.clashing))
    if not differences:
        return
    lines = "; ".join(str(difference) for difference in differences)
    state = (
        "has memoir-ai tables but no version table"
        if current is None
        else f"records revision {current}"
    )
    raise MigrationError(
        f"The database {masked_url} {state}, and its tables match no revision of this "
        f"memoir-ai (compared with {head}): {lines}.",
        remedy="restore what is missing, or move the data out and start from an empty "
        "database (memoir db reset --yes deletes every memoir-ai table).",
    )
