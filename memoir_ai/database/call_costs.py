"""The audit log summed per model: calls, reused calls and tokens, for the cost of each model."""

from __future__ import annotations

from sqlalchemy.orm import Session

from memoir_ai.database import reading
from memoir_ai.database._reads import run_read
from memoir_ai.database.reading import ModelUsage

__all__ = ["ModelUsage", "usage_by_model"]


def usage_by_model(session: Session, *, source_id: str | None = None) -> list[ModelUsage]:
    """Calls, reused calls and tokens per model over the whole log (or one source), by model."""
    read = reading.model_usage(by_source=source_id is not None)
    parameters = {} if source_id is None else {"source_id": source_id}
    return [reading.usage_row(row) for row in run_read(session, read, **parameters)]
