"""``memoir db ...``: the database life cycle, each command a thin call of MigrationManager.

One function, two front doors: every command here calls the public
:class:`~memoir_ai.database.migration_manager.MigrationManager` method of the
same name, so the CLI and the Python API cannot drift apart. Heavy modules are
imported inside the commands, never at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli._output import CliOptions, console
from memoir_ai.errors import ValidationError

if TYPE_CHECKING:
    from memoir_ai.database.migration_manager import MigrationManager

__all__ = ["db_app"]

db_app = typer.Typer(
    help="Create, inspect, upgrade, downgrade, validate and reset the database schema.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_SQL_HELP = "Print the SQL this would run (for a DBA to review) instead of running it."


def _manager(ctx: typer.Context) -> MigrationManager:
    from memoir_ai.database.migration_manager import MigrationManager

    options = ctx.find_object(CliOptions) or CliOptions()
    return MigrationManager(options.config())


def _print_sql(sql: str) -> None:
    # Plain stdout, no rich markup or wrapping: the output is meant to be piped or saved.
    typer.echo(sql.rstrip())


@db_app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the database through the migrations, or upgrade/adopt an existing one."""
    result = _manager(ctx).initialize_database()
    out = console()
    out.print(f"Database: {result.database_url}")
    if result.tables_created:
        out.print("Created the schema through the migrations.")
    elif result.migration_initialized:
        out.print("Adopted the existing tables (stamped with the current revision).")
    else:
        out.print("The schema already exists; applied any pending migrations.")
    out.print(f"Revision: {result.current_revision or '(none)'}")
    out.print(f"Pending migrations: {', '.join(result.pending_migrations) or 'none'}")


@db_app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the database URL, its revision, pending migrations and the tables with row counts."""
    manager = _manager(ctx)
    report = manager.validate_database_schema()
    out = console()
    out.print(f"Database: {manager.database_url}")
    out.print(f"Revision: {report.current_revision or '(none: not initialized)'}")
    out.print(f"Pending migrations: {', '.join(report.pending_migrations) or 'none'}")
    out.print(f"Schema valid: {'yes' if report.is_valid else 'no'}")
    for table in report.table_info:
        out.print(f"  {table.name}: {table.row_count} rows")


@db_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Argument(help="Target revision (default: head, the newest).")
    ] = "head",
    sql: Annotated[bool, typer.Option("--sql", help=_SQL_HELP)] = False,
) -> None:
    """Apply migrations up to REVISION."""
    manager = _manager(ctx)
    if sql:
        _print_sql(manager.upgrade(revision, sql=True) or "")
        return
    manager.upgrade(revision)
    console().print(f"Upgraded to {manager.get_current_revision() or 'base'}.")


@db_app.command("downgrade")
def downgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Argument(help="Target revision: an id, -1 for one step back, or base.")
    ],
    sql: Annotated[bool, typer.Option("--sql", help=_SQL_HELP)] = False,
) -> None:
    """Revert migrations down to REVISION (base removes the whole schema and its data)."""
    manager = _manager(ctx)
    if sql:
        _print_sql(manager.downgrade(revision, sql=True) or "")
        return
    manager.downgrade(revision)
    console().print(f"Downgraded to {manager.get_current_revision() or 'base'}.")


@db_app.command("history")
def history(ctx: typer.Context) -> None:
    """List every migration, oldest first, marking the current one and the head."""
    out = console()
    for entry in _manager(ctx).get_migration_history():
        marks = [
            label for label, on in (("current", entry.is_current), ("head", entry.is_head)) if on
        ]
        suffix = f" ({', '.join(marks)})" if marks else ""
        out.print(f"{entry.revision}  {entry.description}{suffix}")


@db_app.command("validate")
def validate(ctx: typer.Context) -> None:
    """Check that the tables, columns and indexes match the code; exit 1 when they do not."""
    report = _manager(ctx).validate_database_schema()
    out = console()
    for problem in report.problems:
        out.print(f"- {problem}")
    if not report.is_valid:
        raise ValidationError(
            "The database schema does not match the code.",
            remedy="run `memoir db upgrade` (or `memoir db status` to see what differs).",
        )
    out.print(f"Schema valid at revision {report.current_revision}.")


@db_app.command("stamp")
def stamp(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Revision to record (head, base or an id).")],
    sql: Annotated[bool, typer.Option("--sql", help=_SQL_HELP)] = False,
) -> None:
    """Record REVISION as the current one without running any migration."""
    manager = _manager(ctx)
    if sql:
        _print_sql(manager.stamp(revision, sql=True) or "")
        return
    manager.stamp(revision)
    console().print(f"Stamped {manager.get_current_revision() or 'base'}.")


@db_app.command("reset")
def reset(
    ctx: typer.Context,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm that every table and row may be destroyed.")
    ] = False,
) -> None:
    """Drop everything and rebuild the schema at head (destroys all data; needs --yes)."""
    if not yes:
        raise ValidationError(
            "`memoir db reset` drops every table and all their data; nothing was changed.",
            remedy="run `memoir db reset --yes` if you really mean it.",
        )
    manager = _manager(ctx)
    manager.reset_database(confirm=True)
    console().print(
        f"Reset {manager.database_url}: empty schema at {manager.get_current_revision()}."
    )
