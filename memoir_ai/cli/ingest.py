"""``memoir ingest PATHS...``: file texts from files, folders, globs or stdin into the memory.

Each input becomes one source, stored atomically. A file that fails (not
UTF-8, empty, refused by the model) is reported and the others go on; the
exit code is 1 if any failed. A database or configuration error stops the run,
since every later file would meet it too.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli._inputs import Input, collect_inputs
from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import print_error
from memoir_ai.cli._tables import new_table, table_console

if TYPE_CHECKING:
    from rich.table import Table

    from memoir_ai.errors import SourceCollisionError
    from memoir_ai.ingest.results import IngestResult
    from memoir_ai.memoir import MemoirAI

__all__ = ["ingest"]


@dataclass(frozen=True)
class _Outcome:
    source_id: str
    result: IngestResult | None = None
    error: str | None = None


def _check_arguments(paths: list[str], source_id: str | None) -> None:
    from memoir_ai.errors import ValidationError

    if paths.count("-") > 1:
        raise ValidationError(
            "Standard input ('-') can be read only once.", remedy="give '-' a single time."
        )
    if "-" in paths and not source_id:
        raise ValidationError(
            "Text read from standard input needs a source id.",
            remedy="add --source-id ID, e.g. `cat notes.txt | memoir ingest - --source-id notes`.",
        )
    if source_id is not None and len(paths) > 1:
        raise ValidationError(
            "--source-id names one source, but several inputs were given.",
            remedy="give one file (or '-') with --source-id, or drop --source-id so each "
            "file is stored under its own path.",
        )


def _read(item: Input) -> str:
    from memoir_ai.errors import ValidationError

    if item.path is None:
        return sys.stdin.read()
    try:
        return item.path.read_text("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"{item.path} is not UTF-8 text ({error.reason} at byte {error.start}).",
            remedy="convert it to UTF-8, or leave it out.",
        ) from error
    except OSError as error:
        raise ValidationError(
            f"Cannot read {item.path}: {error.strerror}.", remedy="check the path and permissions."
        ) from error


def _ingest_one(memoir: MemoirAI, item: Input, replace: bool) -> _Outcome:
    from memoir_ai.errors import (
        ConfigurationError,
        DatabaseError,
        MemoirAIError,
        SourceChangedError,
        SourceCollisionError,
    )

    if item.problem is not None:
        return _Outcome(item.source_id, error=item.problem)
    try:
        text = _read(item)
        result = memoir.ingest_text_sync(
            text,
            source_id=item.source_id,
            replace=replace,
            file_name=item.path.name if item.path is not None else None,
            origin=item.origin,
        )
    except (ConfigurationError, DatabaseError):
        raise  # every later file would fail the same way
    except SourceCollisionError as error:
        return _Outcome(item.source_id, error=_collision(item, error))
    except SourceChangedError as error:
        return _Outcome(
            item.source_id,
            error=f"{error.message} Fix: add --replace to swap it for the new text, or give "
            "this file another id with --source-id ID.",
        )
    except MemoirAIError as error:
        return _Outcome(item.source_id, error=str(error))
    return _Outcome(item.source_id, result=result)


def _collision(item: Input, error: SourceCollisionError) -> str:
    return (
        f"{item.path} is a different file from {error.stored_origin}, which source "
        f"{error.source_id!r} was read from; it was not ingested, so as not to overwrite it. "
        "Fix: ingest it on its own with --source-id ID, or ingest the folder that holds both "
        "so their ids differ; if it takes the old file's place, delete the old source first "
        f"(memoir sources delete {error.source_id})."
    )


def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders (searched recursively for text files), glob patterns, "
            "or - for standard input.",
            show_default=False,
        ),
    ],
    source_id: Annotated[
        str | None,
        typer.Option(
            "--source-id",
            metavar="ID",
            help="Source id for a single input (required for stdin). "
            "Default: the path, relative to the folder given.",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace a stored source whose text has changed."),
    ] = False,
) -> None:
    """Chunk texts, file each chunk under the category tree, and store each as one source."""
    _check_arguments(paths, source_id)
    inputs = collect_inputs(paths, source_id)
    outcomes: list[_Outcome] = []
    with open_memoir(ctx) as memoir:
        try:
            _run(memoir, inputs, replace, outcomes)
        finally:
            _report(ctx, outcomes)
    if any(outcome.error is not None for outcome in outcomes):
        raise typer.Exit(1)


def _run(memoir: MemoirAI, inputs: list[Input], replace: bool, outcomes: list[_Outcome]) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    errors = Console(stderr=True, highlight=False)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal or len(inputs) < 2,
    ) as progress:
        task = progress.add_task("Ingesting", total=len(inputs))
        for item in inputs:
            progress.update(task, description=f"Ingesting {item.source_id}")
            outcomes.append(_ingest_one(memoir, item, replace))
            progress.advance(task)


def _report(ctx: typer.Context, outcomes: list[_Outcome]) -> None:
    if not outcomes:
        return
    out = table_console()
    out.print(_summary(outcomes))
    out.print(_totals(outcomes))
    for outcome in outcomes:
        if outcome.error is not None:
            print_error(f"Error: {outcome.source_id}: {outcome.error}")


def _summary(outcomes: list[_Outcome]) -> Table:
    table = new_table(
        "Source", "Status", "Chunks", "New categories", "LLM calls", "Tokens in", "Tokens out"
    )
    for outcome in outcomes:
        result = outcome.result
        if result is None:
            table.add_row(outcome.source_id, "failed", "", "", "", "", "")
            continue
        table.add_row(
            result.source_id,
            result.status,
            str(len(result.chunks)),
            str(len(result.categories_created)),
            str(result.llm_call_count),
            str(result.input_tokens),
            str(result.output_tokens),
        )
    return table


def _totals(outcomes: list[_Outcome]) -> str:
    done = [outcome.result for outcome in outcomes if outcome.result is not None]
    failed = len(outcomes) - len(done)
    return (
        f"{len(done)} source(s) stored, {failed} failed; "
        f"{sum(r.llm_call_count for r in done)} LLM call(s), "
        f"{sum(r.input_tokens for r in done)} tokens in, "
        f"{sum(r.output_tokens for r in done)} tokens out."
    )
