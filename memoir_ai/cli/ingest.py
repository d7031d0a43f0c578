"""``memoir ingest PATHS...``: file texts from files, folders, globs or stdin into the memory.

Each input becomes one source, stored atomically. A file that fails is
reported and the others go on: unreadable or not UTF-8, empty, refused by the
model, or refused by the database (a rule its rows break) — the calls already
made for it are in the audit log all the same. A failure that every later file
would meet too (the database unreachable, read-only or without its schema, a
conflicting configuration) stops the run, and so do model failures for
:data:`MODEL_FAILURES_IN_A_ROW` sources in a row (an endpoint nobody answers
at); the inputs left are listed as ``not tried``. The exit code is 1 whenever
an input was not stored. What concerns many inputs is said once, after the
table: the files skipped as not text, the texts shorter than a chunk.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from memoir_ai.cli._estimate_report import print_estimate
from memoir_ai.cli._ingest_report import Outcome, report
from memoir_ai.cli._inputs import Input, collect_inputs
from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import print_error

if TYPE_CHECKING:
    from memoir_ai.errors import MemoirAIError, SourceCollisionError
    from memoir_ai.memoir import MemoirAI

__all__ = ["MODEL_FAILURES_IN_A_ROW", "ingest"]

# The run stops when the model failed for this many sources in a row (a model that is
# unreachable or refuses every request), instead of retrying every file for minutes.
MODEL_FAILURES_IN_A_ROW = 3
_NAMED = 5  # sources named in a note before "…"
# What an input's failure says about the run: only its own ("input"), the model's state
# ("model": a few in a row stop the run), or a state every later input meets ("run").
_Failure = Literal["input", "model", "run"] | None

# Database failures that do not depend on the source: every later one would meet them.
_RUN_STOPPING_KINDS = frozenset(
    {
        "connection",
        "auth",
        "unknown-database",
        "host",
        "missing-schema",
        "read-only",
        "disk-full",
        "sqlite-open",
        "sqlite-corrupt",
    }
)


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
    if source_id is not None:
        from memoir_ai.database.models import SOURCE_ID_LENGTH

        if not source_id.strip():
            raise ValidationError(
                "--source-id is empty.",
                remedy="give the text a name, e.g. --source-id minutes/2024-06.",
            )
        if len(source_id.strip()) > SOURCE_ID_LENGTH:
            raise ValidationError(
                f"--source-id is {len(source_id.strip())} characters long.",
                remedy=f"give an id of at most {SOURCE_ID_LENGTH} characters.",
            )


def _check_collected(paths: list[str], source_id: str | None, inputs: list[Input]) -> None:
    """``--source-id`` names one text: a folder or pattern that found several is refused."""
    from memoir_ai.errors import ValidationError

    if source_id is not None and len(inputs) > 1:
        raise ValidationError(
            f"--source-id names one source, but {paths[0]} gives {len(inputs)} files.",
            remedy="give a single file with --source-id, or drop --source-id so each file "
            "is stored under its path inside the folder.",
        )


def _read(item: Input) -> str:
    from memoir_ai.errors import ValidationError

    if item.path is None:
        return _not_empty(sys.stdin.read(), "Standard input")
    try:
        return _not_empty(item.path.read_text("utf-8"), str(item.path))
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"{item.path} is not UTF-8 text ({error.reason} at byte {error.start}).",
            remedy="convert it to UTF-8, or leave it out.",
        ) from error
    except OSError as error:
        raise ValidationError(
            f"Cannot read {item.path}: {error.strerror}.", remedy="check the path and permissions."
        ) from error


def _not_empty(text: str, what: str) -> str:
    from memoir_ai.errors import ValidationError

    if not text.lstrip("\ufeff").strip():
        raise ValidationError(
            f"{what} {'is empty' if not text else 'holds only white space'}.",
            remedy="leave it out, or write the text in it first.",
        )
    return text


def _ingest_one(memoir: MemoirAI, item: Input, replace: bool) -> tuple[Outcome, _Failure]:
    """Ingest one input; return its outcome and what kind of failure it met, if any."""
    from memoir_ai.errors import ClassificationError, LLMError, MemoirAIError

    if item.problem is not None:
        return Outcome(item.source_id, error=item.problem), "input"
    try:
        text = _read(item)
        result = memoir.ingest_text_sync(
            text,
            source_id=item.source_id,
            replace=replace,
            file_name=item.path.name if item.path is not None else None,
            origin=item.origin,
        )
    except MemoirAIError as error:
        failure: _Failure = (
            "run"
            if _stops_the_run(error)
            else "model"
            if isinstance(error, ClassificationError | LLMError)
            else "input"
        )
        return Outcome(item.source_id, error=_in_cli_terms(item, error)), failure
    return Outcome(item.source_id, result=result), None


def _stops_the_run(error: MemoirAIError) -> bool:
    from memoir_ai.errors import ConfigurationError, DatabaseConnectionError, DatabaseError

    if isinstance(error, ConfigurationError | DatabaseConnectionError):
        return True
    return isinstance(error, DatabaseError) and error.kind in _RUN_STOPPING_KINDS


def _in_cli_terms(item: Input, error: MemoirAIError) -> str:
    """The error as this command's user should read it: options, not Python parameters."""
    from memoir_ai.errors import SourceChangedError, SourceCollisionError

    if isinstance(error, SourceCollisionError):
        return _collision(item, error)
    if isinstance(error, SourceChangedError):
        return (
            f"{error.message} Fix: add --replace to swap it for the new text, or give this "
            "file another id with --source-id ID."
        )
    return str(error)


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
    estimate: Annotated[
        bool,
        typer.Option(
            "--estimate",
            help="Print the expected calls, tokens and USD without calling the model; "
            "nothing is stored.",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON instead of the table: one object per input (its status and, when "
            "stored, its result: chunks, categories, LLM calls), or with --estimate the estimate.",
        ),
    ] = False,
) -> None:
    """Chunk texts, file each chunk under the category tree, and store each as one source."""
    _check_arguments(paths, source_id)
    collected = collect_inputs(paths, source_id)
    _check_collected(paths, source_id, collected.inputs)
    if estimate:
        with open_memoir(ctx) as memoir:
            print_estimate(memoir, collected.inputs, replace, _read, as_json=as_json)
        return
    outcomes: list[Outcome] = []
    with open_memoir(ctx) as memoir, _short_texts_summarised():
        stopped = _run(memoir, collected.inputs, replace, outcomes)
        notes = _notes(outcomes, memoir.config.chunk_min_tokens, collected.skipped)
    if as_json:
        from memoir_ai.cli._ingest_json import print_outcomes

        print_outcomes(outcomes, notes=notes)
    else:
        report(outcomes, notes=notes)
    if stopped:
        print_error(stopped)
    if not all(outcome.succeeded for outcome in outcomes):
        raise typer.Exit(1)


@contextmanager
def _short_texts_summarised() -> Iterator[None]:
    """Hold back the chunker's warning about each short text: the notes count them once."""
    chunker_log = logging.getLogger("memoir_ai.text.chunker")
    level = chunker_log.level
    chunker_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        chunker_log.setLevel(level)


def _notes(outcomes: list[Outcome], min_tokens: int, skipped: list[tuple[Path, str]]) -> list[str]:
    """Lines worth a user's attention beyond the table, each said once for the whole run."""
    notes = []
    if skipped:
        listed = "; ".join(f"{path}: {why}" for path, why in skipped)
        notes.append(f"Skipped {len(skipped)} file(s) that are not text: {listed}.")
    short = [
        outcome.source_id
        for outcome in outcomes
        if outcome.result is not None
        and outcome.result.status != "unchanged"
        and len(outcome.result.chunks) == 1
        and outcome.result.chunks[0].token_count < min_tokens
    ]
    if short:
        named = ", ".join(short[:_NAMED]) + (", …" if len(short) > _NAMED else "")
        notes.append(
            f"{len(short)} source(s) shorter than chunk_min_tokens ({min_tokens} tokens) were "
            f"each kept as one chunk: {named}."
        )
    for outcome in outcomes:
        result = outcome.result
        if result is not None and result.status == "replaced" and result.helper_status == "kept":
            notes.append(
                f"{result.source_id}: the text was replaced; its contextual helper (version "
                f"{result.helper_version}, user-provided) was kept. `memoir helper regenerate "
                f"{result.source_id}` has the model write one from the new text."
            )
    return notes


def _run(memoir: MemoirAI, inputs: list[Input], replace: bool, outcomes: list[Outcome]) -> str:
    """Ingest ``inputs`` in order into ``outcomes``; why the run stopped early, or ''."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    errors = Console(stderr=True, highlight=False)
    model_failures: list[str] = []  # the sources the model failed for, in a row
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal or len(inputs) < 2,
    ) as progress:
        task = progress.add_task("Ingesting", total=len(inputs))
        for index, item in enumerate(inputs):
            progress.update(task, description=f"Ingesting {item.source_id}")
            outcome, failure = _ingest_one(memoir, item, replace)
            outcomes.append(outcome)
            progress.advance(task)
            if failure == "model":
                model_failures.append(item.source_id)
            elif outcome.result is not None:
                model_failures.clear()
            left = inputs[index + 1 :]
            if not left or (failure != "run" and len(model_failures) < MODEL_FAILURES_IN_A_ROW):
                continue
            outcomes.extend(Outcome(later.source_id) for later in left)
            if failure == "run":
                return (
                    f"Error: the run stopped at {item.source_id}: the {len(left)} input(s) after "
                    "it were not tried, since each would meet the same failure. Fix: the error "
                    "above says what to do; then run the same command again (what is stored is "
                    "found unchanged)."
                )
            return (
                f"Error: the model failed for {len(model_failures)} sources in a row "
                f"({', '.join(model_failures)}), so the run stopped: the {len(left)} input(s) "
                "after them were not tried. Fix: check that the model answers (--model, "
                "MEMOIR_MODEL_BASE_URL, the provider's key and status), then run the same "
                "command again."
            )
    return ""
