"""``memoir db ...``: the database life cycle, each command a thin call of MigrationManager.

One function, two front doors: every command here calls the public
:class:`~memoir_ai.database.migration_manager.MigrationManager` method of the
same name, so the CLI and the Python API cannot drift apart. Heavy modules are
imported inside the commands, never at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from memoir_ai.cli import _fast
from memoir_ai.cli._output import CliOptions, console
from memoir_ai.errors import MigrationError

if TYPE_CHECKING:
    from rich.console import Console

    from memoir_ai.database.migration_manager import (
        InitializationResult,
        MigrationManager,
        RevisionChange,
        SchemaValidation,
    )

__all__ = ["db_app", "print_valid_status"]

db_app = typer.Typer(
    help="Create, inspect, upgrade, downgrade, validate and reset the database schema.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_SQL_HELP = "Print the SQL this would run (for a DBA to review) instead of running it."
_FROM_HELP = (
    "With --sql: the revision to start from (default: the database's current one). "
    "REVISION may also be written FROM:TO."
)
# `memoir db downgrade -1`: a step back is an argument, not an unknown option.
_STEPS = {"ignore_unknown_options": True}


def _manager(ctx: typer.Context) -> MigrationManager:
    from memoir_ai.database.migration_manager import MigrationManager

    options = ctx.find_object(CliOptions) or CliOptions()
    return MigrationManager(options.config())


def _print_sql(sql: str) -> None:
    # Plain stdout, no markup or wrapping: the output is meant to be piped or saved.
    typer.echo(sql.rstrip())


def _split_range(revision: str, from_revision: str | None) -> tuple[str, str | None]:
    """Accept Alembic's ``FROM:TO`` form for offline SQL."""
    if ":" in revision:
        if from_revision is not None:
            raise typer.BadParameter("give the start either as FROM:TO or with --from, not both.")
        start, _, target = revision.partition(":")
        return target, start
    return revision, from_revision


def _revision_label(revision: str | None, head: str) -> str:
    if revision is None:
        return "none (not initialized: run `memoir db init`)"
    return f"{revision} (head)" if revision == head else f"{revision} (head is {head})"


def _rows(count: int | None) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def _describe_init(result: InitializationResult) -> str:
    tables = ", ".join(result.tables_created)
    return {
        "created": f"Created the schema through the migrations (tables: {tables}).",
        "upgraded": f"Upgraded the schema from {result.previous_revision}.",
        "adopted": "Adopted the existing tables (they match the models) under migration control.",
        "recovered": f"Repaired: {result.repaired}; the schema is now at the newest revision.",
        "unchanged": "The schema is already at the newest revision; nothing to do.",
    }.get(result.action, "Inspected the database.")


def _validation(ctx: typer.Context) -> tuple[str, SchemaValidation]:
    """The masked URL and the schema report (``MigrationManager.validate_database_schema``)."""
    with _manager(ctx) as manager:
        return manager.database_url, manager.validate_database_schema()


def _print_state(
    url: str, action: str | None, current: str | None, head: str, pending: list[str]
) -> Console:
    """Print the database, what was done, its revision and pending migrations."""
    out = console()
    out.print(f"Database: {url}")
    if action is not None:
        out.print(action)
    out.print(f"Revision: {_revision_label(current, head)}")
    out.print(f"Pending migrations: {', '.join(pending) or 'none'}")
    return out


@db_app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the database through the migrations, or upgrade or adopt an existing one."""
    with _manager(ctx) as manager:
        result = manager.initialize_database()
        head = manager.head_revision
    _print_state(
        result.database_url,
        _describe_init(result),
        result.current_revision,
        head,
        result.pending_migrations,
    )


@db_app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the revision, pending migrations, whether the schema is valid, and row counts."""
    if _fast.db_status(ctx):
        return
    url, report = _validation(ctx)
    out = _print_state(
        url, None, report.current_revision, report.head_revision, report.pending_migrations
    )
    verdict = "valid" if report.is_valid else f"{len(report.problems)} problem(s)"
    out.print(f"Schema: {verdict}" + ("" if report.is_valid else " (see `memoir db validate`)"))
    width = max((len(table.name) for table in report.table_info), default=0)
    for table in report.table_info:
        rows = "missing" if not table.exists else _rows(table.row_count)
        if table.clashes:
            rows = "another application's table of this name (names clash; not memoir-ai's)"
        out.print(f"  {table.name:<{width}}  {rows}")
    if not report.is_valid:
        out.print(f"Fix: {report.remedy}")


def print_valid_status(url: str, row_counts: Mapping[str, int]) -> None:
    """``memoir db status`` of a schema at head exactly as the migrations create it.

    The lean path's output (:mod:`memoir_ai.cli._fast`): the lines :func:`status`
    prints for such a schema, written without rich (whose import costs as much as
    the rest of the command). They are the same bytes: the plain ``sqlite:///PATH``
    URLs of the lean path hold no ``[`` (markup) and no second ``:`` (emoji codes).
    """
    from memoir_ai.database.migrations import HEAD_REVISION

    label = _revision_label(HEAD_REVISION, HEAD_REVISION)
    width = max((len(name) for name in row_counts), default=0)
    lines = [f"Database: {url}", f"Revision: {label}", "Pending migrations: none", "Schema: valid"]
    lines += [f"  {name:<{width}}  {_rows(row_counts[name])}" for name in sorted(row_counts)]
    typer.echo("\n".join(lines))


@db_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Argument(help="Target revision (default: head, the newest).")
    ] = "head",
    sql: Annotated[bool, typer.Option("--sql", help=_SQL_HELP)] = False,
    from_revision: Annotated[
        str | None, typer.Option("--from", metavar="REV", help=_FROM_HELP)
    ] = None,
) -> None:
    """Apply the migrations up to REVISION."""
    _migrate(ctx, "upgrade", revision, sql=sql, from_revision=from_revision)


@db_app.command("downgrade", context_settings=_STEPS)
def downgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Argument(help="Target revision: an id, -1 for one step back, or base.")
    ],
    sql: Annotated[bool, typer.Option("--sql", help=_SQL_HELP)] = False,
    from_revision: Annotated[
        str | None, typer.Option("--from", metavar="REV", help=_FROM_HELP)
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", help="Confirm that rows in the tables it drops may be destroyed."),
    ] = False,
) -> None:
    """Revert the migrations down to REVISION (refused without --yes if it would delete rows)."""
    _migrate(ctx, "downgrade", revision, sql=sql, from_revision=from_revision, confirm=yes)


def _check_from(sql: bool, from_revision: str | None) -> None:
    if from_revision is not None and not sql:
        raise typer.BadParameter("--from only applies with --sql.", param_hint="--from")


def _migrate(
    ctx: typer.Context,
    direction: Literal["upgrade", "downgrade"],
    revision: str,
    *,
    sql: bool,
    from_revision: str | None,
    confirm: bool = False,
) -> None:
    """Run ``MigrationManager.upgrade`` or ``.downgrade``, or print its SQL with ``--sql``."""
    _check_from(sql, from_revision)
    with _manager(ctx) as manager:
        if sql:
            target, start = _split_range(revision, from_revision)
            move = manager.upgrade if direction == "upgrade" else manager.downgrade
            _print_sql(move(target, sql=True, from_revision=start))
            return
        if direction == "upgrade":
            change = manager.upgrade(revision)
        else:
            change = manager.downgrade(revision, confirm=confirm)
    _print_change(change, f"{direction.capitalize()}d")


def _print_change(change: RevisionChange, verb: str) -> None:
    out = console()
    if change.repaired:
        out.print(f"Repaired first: {change.repaired}.")
    if not change.changed:
        out.print(
            f"Nothing to do: {change.database_url} is already at "
            f"{change.current_revision or 'base'}."
        )
        return
    preposition = "at" if verb == "Stamped" else "to"
    out.print(f"{verb} {change.database_url} {preposition} {change.current_revision or 'base'}.")


@db_app.command("history")
def history(ctx: typer.Context) -> None:
    """List every migration, oldest first, marking what is applied, current and head."""
    with _manager(ctx) as manager:
        entries = manager.get_migration_history()
    out = console()
    for entry in entries:
        marks = [
            label
            for label, on in (
                ("current", entry.is_current),
                ("head", entry.is_head),
                ("applied", entry.is_applied and not entry.is_current),
            )
            if on
        ]
        summary = entry.description.splitlines()[0] if entry.description else ""
        pointer = "*" if entry.is_current else " "
        suffix = f"  ({', '.join(marks)})" if marks else ""
        out.print(f"{pointer} {entry.revision}  {summary}{suffix}")


@db_app.command("validate")
def validate(ctx: typer.Context) -> None:
    """Check the revision, tables, columns and indexes against the code; exit 1 if they differ."""
    url, report = _validation(ctx)
    if not report.is_valid:
        out = console()
        for problem in report.problems:
            out.print(f"- {problem}")
        raise _invalid(url, report)
    console().print(f"Schema of {url} is valid at revision {report.current_revision}.")


def _invalid(url: str, report: SchemaValidation) -> MigrationError:
    return MigrationError(
        f"The schema of {url} does not match this memoir-ai ({len(report.problems)} problem(s)).",
        remedy=report.remedy,
    )


@db_app.command("stamp", context_settings=_STEPS)
def stamp(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Revision to record: head, base or an id.")],
    sql: Annotated[bool, typer.Option("--sql", help=_SQL_HELP)] = False,
    from_revision: Annotated[
        str | None, typer.Option("--from", metavar="REV", help=_FROM_HELP)
    ] = None,
) -> None:
    """Record REVISION as the current one without running any migration."""
    _check_from(sql, from_revision)
    with _manager(ctx) as manager:
        if sql:
            target, start = _split_range(revision, from_revision)
            _print_sql(manager.stamp(target, sql=True, from_revision=start))
            return
        change = manager.stamp(revision)
    _print_change(change, "Stamped")


@db_app.command("reset")
def reset(
    ctx: typer.Context,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm that every table and row may be destroyed.")
    ] = False,
) -> None:
    """Drop every memoir-ai table and rebuild the schema at head (destroys all data)."""
    with _manager(ctx) as manager:
        result = manager.reset_database(confirm=yes)
    console().print(
        f"Reset {result.database_url}: empty schema at revision {result.current_revision}."
    )


@db_app.command("vacuum")
def vacuum(
    ctx: typer.Context,
    older_than: Annotated[
        float,
        typer.Option(
            "--older-than",
            metavar="DAYS",
            min=0,
            help="Also remove answers kept this many days or more for texts not stored "
            "(0: all of them).",
        ),
    ] = 7,
) -> None:
    """Remove the model answers kept for resumable ingestion that nobody will reuse."""
    from memoir_ai.cli._memoir import open_memoir

    with open_memoir(ctx) as memoir:
        result = memoir.vacuum(older_than)
    console().print(
        f"Removed {result.removed} kept answer(s): {result.stored} of stored texts, "
        f"{result.stale} older than {older_than:g} day(s) of texts not stored; "
        f"{result.left} left for re-runs of interrupted ingestions."
    )
