"""``memoir ingest PATHS...``: file texts from files, folders, globs or stdin into the memory.

Each input becomes one source, stored atomically. A file that fails (not
UTF-8, empty, refused by the model) is reported and the others go on; the
exit code is 1 if any failed. A database or configuration error stops the run,
since every later file would meet it too.
"""

from __future__ import annotations

import glob
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import print_error
from memoir_ai.cli._tables import new_table, table_console

if TYPE_CHECKING:
    from rich.table import Table

    from memoir_ai.ingest.results import IngestResult
    from memoir_ai.memoir import MemoirAI

__all__ = ["TEXT_SUFFIXES", "ingest"]

# What a folder is searched for; a file named explicitly is read whatever its suffix.
TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".rst", ".org", ".adoc", ".asciidoc", ".tex"}
)
_GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True)
class _Input:
    """One text to ingest: where it comes from and the source id it is stored under."""

    source_id: str
    path: Path | None  # None: standard input
    problem: str | None = None  # why it cannot be read, found before ingesting


@dataclass(frozen=True)
class _Outcome:
    source_id: str
    result: IngestResult | None = None
    error: str | None = None


def _posix(path: Path) -> str:
    return path.as_posix()


def _folder_inputs(folder: Path) -> list[_Input]:
    found = [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix.lower() in TEXT_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]
    if not found:
        suffixes = " ".join(sorted(TEXT_SUFFIXES))
        return [_Input(_posix(folder), None, f"no text files ({suffixes}) in this folder")]
    return [_Input(_posix(path.relative_to(folder)), path) for path in found]


def _file_id(path: Path) -> str:
    return path.name if path.is_absolute() else _posix(Path(*path.parts))


def _glob_root(pattern: str) -> Path:
    """The folder a pattern starts from: its leading parts without wildcards."""
    parts: list[str] = []
    for part in Path(pattern).parts[:-1]:
        if _GLOB_CHARACTERS & set(part):
            break
        parts.append(part)
    return Path(*parts) if parts else Path()


def collect_inputs(paths: list[str], source_id: str | None) -> list[_Input]:
    """Expand the PATHS arguments into inputs with their source ids.

    A folder's files and a pattern's matches are named relative to the folder
    (the pattern's leading folders); a file given by name keeps the relative
    path given (just its name when the path is absolute).
    """
    inputs: list[_Input] = []
    for argument in paths:
        path = Path(argument)
        if argument == "-":
            inputs.append(_Input(source_id or "", None))
        elif path.is_dir():
            inputs.extend(_folder_inputs(path))
        elif path.is_file():
            inputs.append(_Input(_file_id(path), path))
        elif _GLOB_CHARACTERS & set(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            files = [Path(match) for match in matches if Path(match).is_file()]
            if not files:
                inputs.append(_Input(argument, None, "no file matches this pattern"))
            root = _glob_root(argument)
            inputs.extend(_Input(_posix(match.relative_to(root)), match) for match in files)
        else:
            inputs.append(_Input(argument, None, "no such file or folder"))
    if source_id is not None and len(inputs) == 1 and inputs[0].problem is None:
        inputs = [_Input(source_id, inputs[0].path)]
    return inputs


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


def _read(item: _Input) -> str:
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


def _metadata(text: str, item: _Input) -> dict[str, str]:
    from memoir_ai.helpers.compose import detect_title

    file_name = item.path.name if item.path is not None else None
    metadata = {"file_name": file_name} if file_name else {}
    title = detect_title(text, file_name)
    if title:
        metadata["title"] = title
    return metadata


def _ingest_one(memoir: MemoirAI, item: _Input, replace: bool) -> _Outcome:
    from memoir_ai.errors import ConfigurationError, DatabaseError, MemoirAIError

    if item.problem is not None:
        return _Outcome(item.source_id, error=item.problem)
    try:
        text = _read(item)
        metadata = _metadata(text, item)
        result = memoir.ingest_text_sync(
            text, source_id=item.source_id, metadata=metadata, replace=replace
        )
    except (ConfigurationError, DatabaseError):
        raise  # every later file would fail the same way
    except MemoirAIError as error:
        return _Outcome(item.source_id, error=str(error))
    return _Outcome(item.source_id, result=result)


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


def _run(memoir: MemoirAI, inputs: list[_Input], replace: bool, outcomes: list[_Outcome]) -> None:
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
