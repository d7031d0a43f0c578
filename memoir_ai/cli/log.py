"""``memoir log``: the recorded LLM calls with token and latency totals, or one call's prompt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli import _fast
from memoir_ai.cli._costs import cost_line
from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import print_json
from memoir_ai.cli._tables import print_table, table_console, timestamp

if TYPE_CHECKING:
    from memoir_ai.cli._costs import UnpricedCost
    from memoir_ai.costs import ModelCost
    from memoir_ai.database.reading import CallRow, CallTotalsRow
    from memoir_ai.results import CallTotals, LoggedCall, LoggedCallDetail

__all__ = ["log", "print_calls"]


def log(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Option("--source", metavar="SOURCE_ID", help="Only the calls made for this source."),
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", min=1, metavar="N", help="Show the N most recent calls (default 50)."
        ),
    ] = 50,
    show_prompt: Annotated[
        int | None,
        typer.Option(
            "--show-prompt",
            metavar="ID",
            help="Print the exact prompt call ID sent, and the answer it got.",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the calls and their totals (or the one call) as JSON."),
    ] = False,
) -> None:
    """List the LLM calls: purpose, model, tokens, latency, output mode, outcome; cost per model."""
    if show_prompt is not None:
        with open_memoir(ctx) as memoir:
            detail = memoir.llm_call(show_prompt)
        if as_json:
            print_json(detail.to_json_data())
        else:
            _print_detail(detail)
        return
    if not as_json and _fast.log(ctx, source=source, limit=limit):
        return
    with open_memoir(ctx) as memoir:
        if as_json:  # the one shape of the call log, as GET /api/calls answers it
            print_json(memoir.call_log(source_id=source, limit=limit).to_json_data())
            return
        calls = memoir.llm_calls(source_id=source, limit=limit)
        totals = memoir.llm_call_totals(source_id=source)
        costs = memoir.llm_call_costs(source_id=source)
    print_calls(calls, totals, costs, source=source)


def print_calls(
    calls: Sequence[LoggedCall] | Sequence[CallRow],
    totals: CallTotals | CallTotalsRow,
    costs: Sequence[ModelCost] | Sequence[UnpricedCost],
    *,
    source: str | None,
) -> None:
    """The calls as a table with their totals and cost per model (``memoir log``)."""
    if not calls:
        scope = f" for source {source!r}" if source is not None else ""
        table_console().print(f"No LLM calls recorded{scope}.")
        return
    headers = (
        "Id",
        "Time (UTC)",
        "Purpose",
        "Model",
        "Source",
        "Tokens in",
        "Tokens out",
        "Latency",
        "Mode",
        "Outcome",
    )
    rows = [
        (
            str(call.id),
            timestamp(call.started_at),
            call.purpose,
            call.model,
            call.source_id or "",
            str(call.input_tokens),
            str(call.output_tokens),
            f"{call.latency_seconds:.3f} s",
            call.structured_output,
            call.outcome if call.error is None else f"{call.outcome}: {call.error}",
        )
        for call in calls
    ]
    shown = "" if len(calls) == totals.calls else f" (showing the last {len(calls)})"
    total = (
        f"Total: {totals.calls} call(s){shown}, {totals.input_tokens} tokens in, "
        f"{totals.output_tokens} tokens out, {totals.latency_seconds:.3f} s latency, "
        f"{totals.errors} error(s)."
    )
    print_table(headers, rows, total, cost_line(costs))


def _print_detail(call: LoggedCallDetail) -> None:
    """A header of what the call was, then the request and response texts, byte for byte."""
    source = f", source {call.source_id}" if call.source_id else ""
    outcome = call.outcome if call.error is None else f"{call.outcome}: {call.error}"
    typer.echo(
        f"Call {call.id}: {call.purpose} by {call.model}{source}, "
        f"{timestamp(call.started_at)} UTC, {call.input_tokens} tokens in, "
        f"{call.output_tokens} out, {call.latency_seconds:.3f} s, {outcome}; "
        f"{call.structured_output} output"
        + (f", max_tokens {call.max_tokens}" if call.max_tokens is not None else "")
    )
    for note in call.notes or ():
        typer.echo(f"Note: {note}")
    # Plain echo, not rich: the prompt is printed exactly, never wrapped or read as markup.
    for title, text in (("Request", call.request_text), ("Response", call.response_text)):
        typer.echo(f"----- {title} -----")
        if text is not None:
            typer.echo(text)
        elif title == "Response" and call.outcome == "error":
            typer.echo("(none: the call failed)")
        else:
            typer.echo("(not recorded: the memory was set not to keep payloads)")
