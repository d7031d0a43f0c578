"""``memoir log``: the recorded LLM calls, with token and latency totals."""

from __future__ import annotations

from typing import Annotated

import typer

from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._tables import new_table, table_console, timestamp

__all__ = ["log"]


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
) -> None:
    """List the LLM calls: time, purpose, model, tokens in and out, latency and outcome."""
    with open_memoir(ctx) as memoir:
        calls = memoir.llm_calls(source_id=source, limit=limit)
        totals = memoir.llm_call_totals(source_id=source)
    out = table_console()
    if not calls:
        scope = f" for source {source!r}" if source is not None else ""
        out.print(f"No LLM calls recorded{scope}.")
        return
    table = new_table(
        "Time (UTC)", "Purpose", "Model", "Source", "Tokens in", "Tokens out", "Latency", "Outcome"
    )
    for call in calls:
        table.add_row(
            timestamp(call.started_at),
            call.purpose,
            call.model,
            call.source_id or "",
            str(call.input_tokens),
            str(call.output_tokens),
            f"{call.latency_seconds:.3f} s",
            call.outcome if call.error is None else f"{call.outcome}: {call.error}",
        )
    out.print(table)
    shown = "" if len(calls) == totals.calls else f" (showing the last {len(calls)})"
    out.print(
        f"Total: {totals.calls} call(s){shown}, {totals.input_tokens} tokens in, "
        f"{totals.output_tokens} tokens out, {totals.latency_seconds:.3f} s latency, "
        f"{totals.errors} error(s)."
    )
