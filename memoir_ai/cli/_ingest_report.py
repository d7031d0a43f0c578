"""What ``memoir ingest`` prints when it is done: one row per input, the totals, the errors.

Every input of the run has exactly one outcome — stored (``created``,
``replaced``, ``unchanged``), ``failed`` with its error, ``skipped`` with a
note, or ``not tried`` when the run stopped before it — so the table, the
totals line and the exit code always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from memoir_ai.cli._output import print_error
from memoir_ai.cli._tables import new_table, table_console

if TYPE_CHECKING:
    from rich.table import Table

    from memoir_ai.ingest.results import IngestResult

__all__ = ["Outcome", "OutcomeStatus", "report"]

OutcomeStatus = Literal["created", "replaced", "unchanged", "failed", "skipped", "not tried"]


@dataclass(frozen=True)
class Outcome:
    """What became of one input: a result, an error, a note (skipped), or nothing (not tried)."""

    source_id: str
    result: IngestResult | None = None
    error: str | None = None
    note: str | None = None

    @property
    def status(self) -> OutcomeStatus:
        """The word shown in the table."""
        if self.result is not None:
            return self.result.status
        if self.error is not None:
            return "failed"
        return "skipped" if self.note is not None else "not tried"

    @property
    def succeeded(self) -> bool:
        """Stored, unchanged or deliberately skipped: nothing for the exit code to report."""
        return self.result is not None or (self.error is None and self.note is not None)


def report(outcomes: list[Outcome], *, notes: list[str]) -> None:
    """Print the table and the totals on stdout, then each error on stderr, then the notes."""
    if not outcomes:
        return
    out = table_console()
    out.print(_table(outcomes))
    out.print(_totals(outcomes))
    records = [call for o in outcomes if o.result is not None for call in o.result.llm_calls]
    if records:
        from memoir_ai.cli._costs import cost_line
        from memoir_ai.llm.pricing import costs_by_model

        out.print(cost_line(costs_by_model(records)))
    for note in notes:
        out.print(note)
    for outcome in outcomes:
        if outcome.error is not None:
            print_error(f"Error: {outcome.source_id}: {outcome.error}")


def _table(outcomes: list[Outcome]) -> Table:
    table = new_table(
        "Source", "Status", "Chunks", "New categories", "LLM calls", "Tokens in", "Tokens out"
    )
    for outcome in outcomes:
        result = outcome.result
        if result is None:
            table.add_row(outcome.source_id, outcome.status, outcome.note or "", "", "", "", "")
            continue
        table.add_row(
            result.source_id,
            result.status,
            str(len(result.chunks)),
            str(len(result.categories_created)),
            _calls(result),
            str(result.input_tokens),
            str(result.output_tokens),
        )
    return table


def _calls(result: IngestResult) -> str:
    """The calls of one source; those answered by kept answers of an interrupted run said apart."""
    reused = sum(call.outcome == "reused" for call in result.llm_calls)
    return f"{result.llm_call_count} ({reused} reused)" if reused else str(result.llm_call_count)


def _totals(outcomes: list[Outcome]) -> str:
    done = [outcome.result for outcome in outcomes if outcome.result is not None]
    counted = {"failed": 0, "skipped": 0, "not tried": 0}
    for outcome in outcomes:
        if outcome.result is None:
            counted[outcome.status] += 1
    others = "".join(
        f", {count} {status}" for status, count in counted.items() if count and status != "failed"
    )
    return (
        f"{len(done)} source(s) stored, {counted['failed']} failed{others}; "
        f"{sum(r.llm_call_count for r in done)} LLM call(s), "
        f"{sum(r.input_tokens for r in done)} tokens in, "
        f"{sum(r.output_tokens for r in done)} tokens out."
    )
