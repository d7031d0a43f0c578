"""A downgrade that would drop tables holding rows asks for confirmation first, like reset."""

from __future__ import annotations

from sqlalchemy import Connection, func, inspect, select, table

from memoir_ai.database._schema_shapes import revision_shapes
from memoir_ai.errors import MigrationError

__all__ = ["check_rows_kept", "tables_dropped"]

# Recorded by every `db init` from the configuration, and only dropped together with the
# tree it describes: not data a user would lose.
_BOOKKEEPING = frozenset({"memoir_settings"})


def tables_dropped(previous: str | None, target: str | None) -> list[str]:
    """The tables a downgrade from ``previous`` to ``target`` drops, by the revisions' shapes."""
    shapes = {shape.revision: shape for shape in revision_shapes()}
    return sorted(set(shapes[previous].tables) - set(shapes[target].tables))


def check_rows_kept(
    connection: Connection,
    masked_url: str,
    previous: str | None,
    target: str | None,
    asked: str,
    confirm: bool,
) -> None:
    """Refuse a downgrade that deletes rows unless ``confirm`` is True.

    Raises:
        MigrationError: naming each table that would go with its row count.
    """
    if confirm is True:
        return
    present = set(inspect(connection).get_table_names())
    counts = {
        name: int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in tables_dropped(previous, target)
        if name in present and name not in _BOOKKEEPING
    }
    held = {name: count for name, count in counts.items() if count}
    if not held:
        return
    listing = ", ".join(f"{name} ({count} row{'s' * (count != 1)})" for name, count in held.items())
    total = sum(held.values())
    raise MigrationError(
        f"Refusing to downgrade {masked_url} to {target or 'base'}: it drops tables that hold "
        f"data, so {total} row{'s' * (total != 1)} would be deleted: {listing}.",
        remedy=f"pass confirm=True (memoir db downgrade {asked} --yes) if you really mean it; "
        "back the data up first.",
    )
