"""``memoir eval DATASET.jsonl``: score each query strategy, and a BM25 baseline, on a dataset.

The table shows, per strategy, evidence recall, citation precision, answer
containment, "not in memory" on unanswerable questions, and the calls, tokens,
latency and cost of a question. ``--json`` prints exactly
``EvalReport.model_dump(mode="json")``; ``--html PATH`` writes a self-contained
page with a chart per metric. The work is :func:`memoir_ai.evaluation.evaluate`.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import print_json
from memoir_ai.cli.query import Strategy

if TYPE_CHECKING:
    from memoir_ai.evaluation.results import EvalReport

__all__ = ["eval_command"]


class Scored(enum.StrEnum):
    """What ``--strategy`` may name: a query strategy, or ``bm25`` (the baseline alone)."""

    ONE_SHOT = "one_shot"
    WIDE_BRANCH = "wide_branch"
    ZOOM_IN = "zoom_in"
    BRANCH_OUT = "branch_out"
    BM25 = "bm25"


def eval_command(
    ctx: typer.Context,
    dataset: Annotated[
        Path,
        typer.Argument(
            metavar="DATASET.jsonl",
            help="JSONL file: one question a line, with its evidence (source_id and quote) "
            "and optional answer_keywords; no evidence means unanswerable.",
            show_default=False,
        ),
    ],
    strategies: Annotated[
        list[Scored] | None,
        typer.Option(
            "--strategy",
            "-s",
            metavar="STRATEGY",
            help="one_shot, wide_branch, zoom_in or branch_out; repeat for several "
            "(default: all four). The BM25 baseline is always beside them; "
            "-s bm25 alone scores only the baseline.",
            show_default=False,
        ),
    ] = None,
    no_baseline: Annotated[
        bool,
        typer.Option("--no-baseline", help="Leave out the flat BM25 baseline."),
    ] = False,
    budget: Annotated[
        int | None,
        typer.Option(
            "--budget",
            min=1,
            metavar="TOKENS",
            help="Token budget of every answer prompt, the baseline's too "
            "(default: MEMOIR_MAX_TOKEN_BUDGET, 40000).",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Most chunks a query reads from each leaf.")
    ] = 10,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            help="Questions in flight at once (default: MEMOIR_MAX_CONCURRENCY, 8).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole report as JSON, for programs.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="PATH",
            help="Also write an HTML report with a chart per metric (self-contained).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Score the query strategies and a BM25 baseline on a dataset of questions."""
    from memoir_ai.evaluation import evaluate_sync, load_dataset
    from memoir_ai.query.wording import CLI_WORDING

    questions = load_dataset(dataset)
    if html is not None and not html.parent.is_dir():  # found out before the work, not after
        from memoir_ai.errors import ValidationError

        raise ValidationError(
            f"There is no folder {str(html.parent)!r} to write the HTML report in.",
            remedy="give --html a path in a folder that exists.",
        )
    named = [strategy.value for strategy in strategies or ()]
    if no_baseline and Scored.BM25 in named:
        from memoir_ai.errors import ValidationError

        raise ValidationError(
            "--strategy bm25 asks for the baseline that --no-baseline leaves out.",
            remedy="give one of them.",
        )
    chosen = [name for name in named if name != Scored.BM25]
    if not named:
        chosen = [strategy.value for strategy in Strategy]

    def progress(name: str, done: int, total: int) -> None:
        if done == total:
            typer.echo(f"{name}: {total} question(s) done.", err=True)

    with open_memoir(ctx) as memoir:
        report = evaluate_sync(
            memoir,
            questions,
            strategies=chosen,
            baseline=not no_baseline,
            max_token_budget=budget,
            limit=limit,
            concurrency=concurrency,
            wording=CLI_WORDING,
            progress=progress,
        )
    if html is not None:
        _write_html(report, html)
    if as_json:
        print_json(report.to_json_data())
        return
    _print_report(report)


def _write_html(report: EvalReport, path: Path) -> None:
    from memoir_ai.errors import ValidationError
    from memoir_ai.evaluation.html import render_html

    try:
        path.write_text(render_html(report), encoding="utf-8")
    except OSError as error:
        raise ValidationError(
            f"The HTML report cannot be written to {str(path)!r}: {error.strerror}.",
            remedy="give --html a path in a folder that exists and that you can write to.",
        ) from error
    typer.echo(f"HTML report written to {path}", err=True)


def _print_report(report: EvalReport) -> None:
    from memoir_ai.cli._tables import new_table, table_console
    from memoir_ai.evaluation.html import METRICS, format_value
    from memoir_ai.evaluation.results import DEFINITIONS

    table = new_table(
        "Strategy",
        "Recall",
        "Precision",
        "Containment",
        "Not in memory",
        "Calls/q",
        "Tokens/q",
        "Latency/q",
        "Cost/q",
        "Nothing/errors",
        "Wall",
    )
    for strategy in report.strategies:
        cells = [
            format_value(value(strategy), share, usd=key.startswith("cost"))
            for key, _, value, share in METRICS
        ]
        cells[6] += " s" if cells[6] != "–" else ""
        table.add_row(
            strategy.name,
            *cells,
            f"{strategy.nothing_found}/{strategy.errors}",
            f"{strategy.wall_seconds:.1f} s",
        )
    console = table_console()
    console.print(
        f"{report.questions} questions ({report.answerable} answerable, {report.multi_source} "
        f"from several sources, {report.unanswerable} unanswerable); model {report.model}; "
        f"budget {report.max_token_budget} tokens; {report.max_concurrency} at once.",
        markup=False,
    )
    console.print(table)
    for name, text in DEFINITIONS.items():
        console.print(f"{name}: {text}", markup=False, style="dim")
    for warning in report.warnings:
        console.print(f"Warning: {warning}", markup=False, style="yellow")
