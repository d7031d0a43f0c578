"""``memoir sources`` (list, chunks, delete) and ``memoir show CHUNK_ID``: what the memory holds.

Chunk ids are what ``memoir show`` takes: ``memoir sources chunks SOURCE_ID``
lists a source's chunks with their ids, and ``memoir query`` cites them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli import _fast
from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import console, print_json
from memoir_ai.cli._tables import new_table, print_table, table_console, timestamp
from memoir_ai.errors import ValidationError

if TYPE_CHECKING:
    from memoir_ai.database.reading import ChunkRow, SourceRow
    from memoir_ai.results import ChunkDetail, SourceSummary

__all__ = ["print_chunk", "print_sources", "show", "sources_app"]

_SNIPPET_CHARACTERS = 60
WHERE_CHUNK_IDS_ARE = (
    "`memoir sources chunks SOURCE_ID` lists a source's chunk ids (`memoir sources` lists the "
    "sources), and `memoir query` cites chunks by id."
)

sources_app = typer.Typer(
    help="List the stored sources (run without a command), or delete one.",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@sources_app.callback()
def sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sources as JSON.")] = False,
) -> None:
    """List the stored sources: id, title, chunks, tokens, helper version, when stored."""
    if ctx.invoked_subcommand is not None:
        return
    if not as_json and _fast.sources(ctx):
        return
    with open_memoir(ctx) as memoir:
        stored = memoir.list_sources()
    if as_json:
        print_json([source.to_json_data() for source in stored])
        return
    print_sources(stored)


def print_sources(stored: Sequence[SourceSummary] | Sequence[SourceRow]) -> None:
    """The sources as a table (``memoir sources``)."""
    if not stored:
        empty = "No sources yet: file texts into the memory with `memoir ingest PATH`."
        table_console().print(empty)
        return
    rows = [
        (
            source.source_id,
            source.title or "",
            str(source.chunk_count),
            str(source.token_count),
            "—" if source.helper_version is None else f"v{source.helper_version}",
            timestamp(source.created_at),
        )
        for source in stored
    ]
    print_table(
        ("Source", "Title", "Chunks", "Tokens", "Helper", "Created (UTC)"),
        rows,
        f"{len(stored)} source(s), {sum(s.chunk_count for s in stored)} chunk(s).",
    )


@sources_app.command("chunks")
def chunks(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(help="The id the source was ingested under.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the chunks as JSON.")] = False,
) -> None:
    """List the chunks of SOURCE_ID in text order: id (for `memoir show`), path, tokens, text."""
    with open_memoir(ctx) as memoir:
        if source_id not in {source.source_id for source in memoir.list_sources()}:
            raise ValidationError(
                f"There is no source {source_id!r}.",
                remedy="`memoir sources` lists the stored sources and their ids.",
            )
        found = memoir.list_chunks(source_id)
    if as_json:
        print_json([chunk.to_json_data() for chunk in found])
        return
    out = table_console()
    table = new_table("Id", "#", "Category", "Tokens", "Text")
    for chunk in found:
        flat = " ".join(chunk.content.split())
        if len(flat) > _SNIPPET_CHARACTERS:
            flat = flat[: _SNIPPET_CHARACTERS - 1] + "…"
        table.add_row(
            str(chunk.id),
            str(chunk.position + 1),
            " > ".join(chunk.category_path),
            str(chunk.token_count),
            flat,
        )
    out.print(table)
    out.print(f"{len(found)} chunk(s) of {source_id}; show one with `memoir show ID`.")


@sources_app.command("delete")
def delete(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(help="The id the source was ingested under.")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete without asking for confirmation.")
    ] = False,
) -> None:
    """Delete SOURCE_ID: its chunks, its helper history, and the categories left empty."""
    if not yes and not typer.confirm(f"Delete source {source_id!r} and all its chunks?"):
        typer.echo("Cancelled: nothing was deleted.")
        raise typer.Exit(1)
    with open_memoir(ctx) as memoir:
        removed = memoir.delete_source(source_id)
    console().print(f"Deleted source {source_id!r} and its {removed} chunk(s).")


def show(
    ctx: typer.Context,
    chunk_id: Annotated[
        int,
        typer.Argument(
            help="The chunk's id (as cited by `memoir query`, or listed by "
            "`memoir sources chunks SOURCE_ID`)."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the chunk as JSON.")] = False,
) -> None:
    """Show one chunk: its text, category path, source, character offsets and date."""
    if not as_json and _fast.show(ctx, chunk_id):
        return
    with open_memoir(ctx) as memoir:
        try:
            chunk = memoir.get_chunk(chunk_id)
        except ValidationError as error:  # get_chunk's only one: no chunk has that id
            raise ValidationError(
                f"There is no chunk with id {chunk_id}.", remedy=WHERE_CHUNK_IDS_ARE
            ) from error
    if as_json:
        print_json(chunk.to_json_data())
        return
    print_chunk(chunk)


def print_chunk(chunk: ChunkDetail | ChunkRow) -> None:
    """One chunk as ``memoir show`` prints it: a header of where it is, then its text."""
    typer.echo(f"Chunk {chunk.id}")
    typer.echo(f"Category:  {' > '.join(chunk.category_path)}")
    typer.echo(f"Source:    {chunk.source_id} (chunk {chunk.position + 1})")
    typer.echo(f"Offsets:   characters {chunk.start_offset}–{chunk.end_offset}")
    typer.echo(f"Tokens:    {chunk.token_count}")
    typer.echo(f"Created:   {timestamp(chunk.created_at)} UTC")
    typer.echo("")
    typer.echo(chunk.content)
