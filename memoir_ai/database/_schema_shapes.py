"""Which revision a live schema is at, judged by what it holds rather than what it records.

The version table says which revision a database *should* be at; an upgrade
killed part way on MySQL/MariaDB (which commits DDL statement by statement) or
on SQLite, or a mistaken ``stamp``, makes it lie. The *shape* of a revision is
the set of names its migrations leave behind: tables, their columns, their
plain indexes. Names are the same on every backend (the models' naming
convention), so the shapes are learnt once per process by running the shipped
migrations on an in-memory SQLite database and reflecting it: no hand-kept
list can drift from the migrations.

:func:`locate` compares a live shape with them: it is exactly at a revision,
part way from one revision to the next (whole tables only: ``CREATE TABLE``
is atomic), or at none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Connection, create_engine, inspect
from sqlalchemy.pool import StaticPool

from memoir_ai.database._schema_compare import VERSION_TABLE

__all__ = ["Location", "Shape", "known_tables", "live_shape", "locate", "revision_shapes"]

SchemaObject = tuple[str, ...]


@dataclass(frozen=True)
class Shape:
    """The names a schema holds: table → columns, and table → plain (non-unique) indexes."""

    revision: str | None
    tables: Mapping[str, frozenset[str]] = field(default_factory=dict)
    indexes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def objects(self) -> frozenset[SchemaObject]:
        """Every table, column and index as one comparable set."""
        found: set[SchemaObject] = set()
        for table, columns in self.tables.items():
            found.add(("table", table))
            found.update(("column", table, column) for column in columns)
            found.update(("index", table, index) for index in self.indexes.get(table, ()))
        return frozenset(found)

    def restricted_to(self, known: frozenset[SchemaObject]) -> frozenset[SchemaObject]:
        """The objects that some revision knows (a backend's own extras are left out)."""
        return self.objects & known


def live_shape(connection: Connection, tables: Iterable[str]) -> Shape:
    """The shape of ``tables`` (those present) in the connected database."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names()) & set(tables)
    return Shape(
        None,
        {name: frozenset(c["name"] for c in inspector.get_columns(name)) for name in present},
        {
            name: frozenset(
                str(index["name"]) for index in inspector.get_indexes(name) if not index["unique"]
            )
            for name in present
        },
    )


@cache
def revision_shapes() -> tuple[Shape, ...]:
    """The shape after each revision, base (no revision) first, learnt on in-memory SQLite."""
    from alembic import command

    from memoir_ai.database._revisions import RevisionCatalog, alembic_config

    ids = RevisionCatalog().ids
    engine = create_engine("sqlite://", poolclass=StaticPool)
    shapes = [Shape(None)]
    try:
        with engine.connect() as connection:
            for revision in ids:
                command.upgrade(alembic_config("sqlite://", connection), revision)
                connection.commit()
                names = set(inspect(connection).get_table_names())
                shape = live_shape(connection, names - {VERSION_TABLE})
                shapes.append(Shape(revision, shape.tables, shape.indexes))
    finally:
        engine.dispose()
    return tuple(shapes)


def known_tables(shapes: tuple[Shape, ...]) -> frozenset[str]:
    """Every table some revision creates."""
    return frozenset(table for shape in shapes for table in shape.tables)


@dataclass(frozen=True)
class Location:
    """Where a live schema stands among the revisions.

    Attributes:
        revisions: the revisions whose shape the schema has exactly (several
            when a revision changes no name), oldest first; empty otherwise.
        interrupted: (from, to) when the schema is part way from one revision
            to the next; ``from`` is None for base.
        leftovers: the tables and indexes of that step which are present.
    """

    revisions: tuple[str | None, ...] = ()
    interrupted: tuple[str | None, str | None] | None = None
    leftovers: Shape = field(default_factory=lambda: Shape(None))

    @property
    def recognised(self) -> bool:
        """True when the schema is at a revision or part way between two."""
        return bool(self.revisions) or self.interrupted is not None


def locate(live: Shape, shapes: tuple[Shape, ...]) -> Location:
    """Where ``live`` stands: at a revision, part way between two, or nowhere."""
    known = frozenset().union(*(shape.objects for shape in shapes))
    objects = live.restricted_to(known)
    exact = tuple(shape.revision for shape in shapes if shape.objects == objects)
    if exact:
        return Location(revisions=exact)
    for before, after in zip(shapes, shapes[1:], strict=False):
        if _part_way(live, objects, before, after):
            return Location(
                interrupted=(before.revision, after.revision),
                leftovers=_leftovers(live, before, after),
            )
    return Location()


def _part_way(live: Shape, objects: frozenset[SchemaObject], before: Shape, after: Shape) -> bool:
    if not (before.objects & after.objects) <= objects <= (before.objects | after.objects):
        return False
    # A table the step creates or drops is there whole or not at all.
    changed = set(before.tables) ^ set(after.tables)
    for table in changed & set(live.tables):
        expected = after.tables.get(table) or before.tables.get(table) or frozenset()
        if not expected <= live.tables[table]:
            return False
    return True


def _leftovers(live: Shape, before: Shape, after: Shape) -> Shape:
    """What of the step ``before → after`` is present but not part of ``before``."""
    tables = {t: live.tables[t] for t in live.tables if t not in before.tables}
    indexes = {
        table: frozenset(
            index
            for index in live.indexes.get(table, frozenset())
            if index in after.indexes.get(table, frozenset())
            and index not in before.indexes.get(table, frozenset())
        )
        for table in before.tables
        if table in live.tables
    }
    return Shape(None, tables, {t: i for t, i in indexes.items() if i})
