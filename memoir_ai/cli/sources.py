"""``memoir sources`` (list, delete) and ``memoir show CHUNK_ID``: what the memory holds."""

from __future__ import annotations

from typing import Annotated

import typer

from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import console, print_json
from memoir_ai.cli._tables import new_table, table_console, timestamp

__all__ = ["show", "sources_app"]

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
    with open_memoir(ctx) as memoir:
        stored = memoir.list_sources()
    if as_json:
        print_json([source.to_json_data() for source in stored])
        return
    out = table_console()
    if not stored:
        out.print("No sources yet: file texts into the memory with `memoir ingest PATH`.")
        return
    table = new_table("Source", "Title", "Chunks", "Tokens", "Helper", "Created (UTC)")
    for source in stored:
        table.add_row(
            source.source_id,
            source.title or "",
            str(source.chunk_count),
            str(source.token_count),
            "—" if source.helper_version is None else f"v{source.helper_version}",
            timestamp(source.created_at),
        )
    out.print(table)
    out.print(f"{len(stored)} source(s), {sum(s.chunk_count for s in stored)} chunk(s).")


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
    chunk_id: Annotated[int, typer.Argument(help="The chunk's id (as cited by `memoir query`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the chunk as JSON.")] = False,
) -> None:
    """Show one chunk: its text, category path, source, character offsets and date."""
    with open_memoir(ctx) as memoir:
        chunk = memoir.get_chunk(chunk_id)
    if as_json:
        print_json(chunk.to_json_data())
        return
    typer.echo(f"Chunk {chunk.id}")
    typer.echo(f"Category:  {' > '.join(chunk.category_path)}")
    typer.echo(f"Source:    {chunk.source_id} (chunk {chunk.position + 1})")
    typer.echo(f"Offsets:   characters {chunk.start_offset}–{chunk.end_offset}")
    typer.echo(f"Tokens:    {chunk.token_count}")
    typer.echo(f"Created:   {timestamp(chunk.created_at)} UTC")
    typer.echo("")
    typer.echo(chunk.content)
