"""The audit log summed per model: calls, reused calls and tokens, for the cost of each model."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memoir_ai.database.models import LLMCall

__all__ = ["ModelUsage", "usage_by_model"]


@dataclass(frozen=True)
class ModelUsage:
    """What the log holds of one model's calls."""

    model: str
    calls: int
    reused_calls: int
    input_tokens: int
    output_tokens: int


def usage_by_model(session: Session, *, source_id: str | None = None) -> list[ModelUsage]:
    """Calls, reused calls and tokens per model over the whole log (or one source), by model."""
    reused = func.sum(func.cast(LLMCall.outcome == "reused", type_=LLMCall.id.type))
    statement = (
        select(
            LLMCall.model,
            func.count(LLMCall.id),
            func.coalesce(reused, 0),
            func.coalesce(func.sum(LLMCall.input_tokens), 0),
            func.coalesce(func.sum(LLMCall.output_tokens), 0),
        )
        .group_by(LLMCall.model)
        .order_by(LLMCall.model)
    )
    if source_id is not None:
        statement = statement.where(LLMCall.source_id == source_id)
    return [
        ModelUsage(str(model), int(calls), int(reused_calls), int(tokens_in), int(tokens_out))
        for model, calls, reused_calls, tokens_in, tokens_out in session.execute(statement)
    ]
