"""``memoir category …`` and ``memoir chunk move``: correct the tree by hand, see and undo changes.

Each command is one call of a :class:`~memoir_ai.MemoirAI` method (the change
is one transaction, recorded in the change history with the front door
``cli``). Categories are named by id (digits) or by path, as ``memoir tree``
shows them: ``"Astronomy > Moon & Half"``; ``memoir tree --ids`` shows the ids.
Merging and deleting ask for confirmation unless ``--yes`` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import confirm, print_json

if TYPE_CHECKING:
    from memoir_ai.maintenance.results import CategoryChange

__all__ = ["category_app", "chunk_app"]

CATEGORY_HELP = "A category id, or its path as `memoir tree` shows it: 'Astronomy > Moon & Half'."

category_app = typer.Typer(
    help="Correct the category tree: rename, merge, move, delete empty categories, history, undo.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
chunk_app = typer.Typer(
    help="Refile chunks under another leaf category.", no_args_is_help=True, rich_markup_mode=None
)

Json = Annotated[bool, typer.Option("--json", help="Print the change as JSON.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking for confirmation.")]


def _reference(text: str) -> int | str:
    from memoir_ai.category_paths import parse_reference

    return parse_reference(text)


def _report(change: CategoryChange, as_json: bool) -> None:
    if as_json:
        print_json(change.to_json_data())
        return
    typer.echo(f"Change {change.id}: {change.summary}")
    typer.echo("Undo it with `memoir category undo`.")


def _confirm(question: str, yes: bool, as_json: bool) -> None:
    # With --json the question goes to stderr, so stdout stays one JSON document.
    if not yes and not confirm(question, keep_stdout_clean=as_json):
        typer.echo("Cancelled: nothing was changed.", err=as_json)
        raise typer.Exit(1)


@category_app.command("rename")
def rename(
    ctx: typer.Context,
    category: Annotated[str, typer.Argument(help=CATEGORY_HELP)],
    new_name: Annotated[str, typer.Argument(help="The new name (unique among its siblings).")],
    as_json: Json = False,
) -> None:
    """Rename CATEGORY to NEW_NAME."""
    with open_memoir(ctx) as memoir:
        change = memoir.rename_category(_reference(category), new_name)
    _report(change, as_json)


@category_app.command("merge")
def merge(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The category to merge away. " + CATEGORY_HELP)],
    into: Annotated[str, typer.Argument(help="The category of the same level to merge into.")],
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Merge SOURCE into INTO: sub-categories merged by name, chunks moved, SOURCE removed."""
    _confirm(
        f"Merge {source!r} into {into!r}? Its chunks and sub-categories move there and "
        f"{source!r} is removed (undo with `memoir category undo`).",
        yes,
        as_json,
    )
    with open_memoir(ctx) as memoir:
        change = memoir.merge_categories(_reference(source), _reference(into))
    _report(change, as_json)


@category_app.command("move")
def move(
    ctx: typer.Context,
    category: Annotated[str, typer.Argument(help=CATEGORY_HELP)],
    new_parent: Annotated[
        str, typer.Argument(help="The new parent, one level above CATEGORY (id or path).")
    ],
    as_json: Json = False,
) -> None:
    """Move CATEGORY and everything below it under NEW_PARENT (every depth stays the same)."""
    with open_memoir(ctx) as memoir:
        change = memoir.move_category(_reference(category), _reference(new_parent))
    _report(change, as_json)


@category_app.command("delete-empty")
def delete_empty(ctx: typer.Context, yes: Yes = False, as_json: Json = False) -> None:
    """Delete every category that has no chunk anywhere below it."""
    _confirm("Delete every category with no chunk below it?", yes, as_json)
    with open_memoir(ctx) as memoir:
        change = memoir.delete_empty_categories()
    if change is None:
        if as_json:
            print_json(None)
        else:
            typer.echo("No empty category: nothing was deleted.")
        return
    _report(change, as_json)


@category_app.command("history")
def history(
    ctx: typer.Context,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, metavar="N", help="Only the N most recent changes."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """List the changes made to the tree: id, when, from where, what, and if undone."""
    from memoir_ai.cli._tables import new_table, table_console, timestamp

    with open_memoir(ctx) as memoir:
        changes = memoir.category_changes(limit)
    if as_json:
        print_json([change.to_json_data() for change in changes])
        return
    if not changes:
        typer.echo("No change has been made to the tree yet.")
        return
    table = new_table("Id", "When (UTC)", "From", "Change", "Undone (UTC)")
    for change in changes:
        undone = ""
        if change.undone_at is not None:
            undone = f"{timestamp(change.undone_at)} ({change.undone_by})"
        table.add_row(
            str(change.id), timestamp(change.created_at), change.front_door, change.summary, undone
        )
    table_console().print(table)


@category_app.command("undo")
def undo(ctx: typer.Context, yes: Yes = False, as_json: Json = False) -> None:
    """Undo the most recent change not undone yet, if nothing has changed its rows since."""
    _confirm("Undo the most recent change to the tree?", yes, as_json)
    with open_memoir(ctx) as memoir:
        change = memoir.undo_last_change()
    if as_json:
        print_json(change.to_json_data())
        return
    typer.echo(f"Undid change {change.id}: {change.summary}")


@chunk_app.command("move")
def move_chunks(
    ctx: typer.Context,
    chunk_ids: Annotated[list[int], typer.Argument(help="The ids of the chunks to move.")],
    leaf: Annotated[
        str,
        typer.Option("--to", metavar="LEAF", help="The leaf to file them under. " + CATEGORY_HELP),
    ],
    as_json: Json = False,
) -> None:
    """File the chunks CHUNK_IDS under the leaf --to (a category at the tree's last level)."""
    with open_memoir(ctx) as memoir:
        change = memoir.move_chunks(chunk_ids, _reference(leaf))
    _report(change, as_json)
