"""``memoir ingest --json``: one JSON object per input, the dump of :class:`IngestOutcome`.

Loaded only with ``--json`` (pydantic stays out of the command's start-up otherwise).
"""

from __future__ import annotations

from memoir_ai.cli._ingest_report import Outcome, OutcomeStatus
from memoir_ai.cli._output import print_error, print_json
from memoir_ai.ingest.results import IngestResult
from memoir_ai.results import PublicResult

__all__ = ["IngestOutcome", "print_outcomes"]


class IngestOutcome(PublicResult):
    """What became of one input of ``memoir ingest``.

    ``result`` is the :class:`~memoir_ai.ingest.results.IngestResult` of a stored
    input (``created``, ``replaced``, ``unchanged``); ``error`` says why an input
    ``failed``; ``note`` why it was ``skipped``; an input the run stopped before
    is ``not tried``.
    """

    source_id: str
    status: OutcomeStatus
    result: IngestResult | None = None
    error: str | None = None
    note: str | None = None


def print_outcomes(outcomes: list[Outcome], *, notes: list[str]) -> None:
    """Print the outcomes as a JSON array on stdout; the errors and notes go to stderr."""
    print_json(
        [
            IngestOutcome(
                source_id=outcome.source_id,
                status=outcome.status,
                result=outcome.result,
                error=outcome.error,
                note=outcome.note,
            ).to_json_data()
            for outcome in outcomes
        ]
    )
    for outcome in outcomes:
        if outcome.error is not None:
            print_error(f"Error: {outcome.source_id}: {outcome.error}")
    for note in notes:
        print_error(note, plain=True)
