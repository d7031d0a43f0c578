"""What the front doors (CLI, MCP, HTTP) answer beyond the browsing results: one shape per noun.

:class:`SourceDeleted` is what deleting a source returns and :class:`CallLog`
the call log with its totals; :func:`json_data` is the JSON of any public
result, as every front door sends it.
"""

from __future__ import annotations

from typing import Any

from memoir_ai.results import CallTotals, LoggedCall, PublicResult

__all__ = ["CallLog", "SourceDeleted", "json_data"]


class SourceDeleted(PublicResult):
    """What deleting a source removed: the source and how many chunks went with it."""

    source_id: str
    chunks_deleted: int


class CallLog(PublicResult):
    """Recorded model calls (oldest first) and the totals over the whole selection."""

    calls: tuple[LoggedCall, ...]
    totals: CallTotals


def json_data(result: PublicResult) -> dict[str, Any]:
    """The JSON of a public result: its ``model_dump(mode="json")`` (``to_json_data()``)."""
    return result.to_json_data()
