"""The audit log: every LLM call written to ``llm_calls``, and read back for reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memoir_ai.database.models import LLMCall
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.results import CallTotals

__all__ = ["CallTotals", "call_totals", "list_llm_calls", "record_llm_calls"]


def record_llm_calls(
    session: Session,
    records: Iterable[LLMCallRecord],
    *,
    source_id: str | None = None,
    operation_id: str | None = None,
    keep_payloads: bool = True,
) -> list[LLMCall]:
    """Add one ``llm_calls`` row per record to ``session``; the caller commits.

    With ``keep_payloads=False`` the request and response texts are left out
    (tokens, latency and outcome are always kept).
    """
    rows = [
        LLMCall(
            purpose=record.purpose.value,
            model=record.model,
            source_id=source_id,
            operation_id=operation_id,
            started_at=record.started_at,
            latency_seconds=max(record.latency_seconds, 0.0),
            input_tokens=record.input_tokens,
            output_tokens=record.output_tokens,
            requests=record.requests,
            attempts=record.attempts,
            outcome=record.outcome,
            error=record.error,
            temperature=record.temperature,
            structured_output=record.structured_output,
            request_text=record.request_text if keep_payloads else None,
            response_text=record.response_text if keep_payloads else None,
        )
        for record in records
    ]
    session.add_all(rows)
    return rows


def list_llm_calls(
    session: Session,
    *,
    source_id: str | None = None,
    operation_id: str | None = None,
    purposes: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[LLMCall]:
    """Recorded calls, oldest first, optionally filtered."""
    statement = select(LLMCall).order_by(LLMCall.started_at, LLMCall.id)
    if source_id is not None:
        statement = statement.where(LLMCall.source_id == source_id)
    if operation_id is not None:
        statement = statement.where(LLMCall.operation_id == operation_id)
    if purposes:
        statement = statement.where(LLMCall.purpose.in_(list(purposes)))
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def call_totals(session: Session, *, source_id: str | None = None) -> CallTotals:
    """Totals of calls, tokens, latency and errors over the whole log (or one source)."""
    statement = select(
        func.count(LLMCall.id),
        func.coalesce(func.sum(LLMCall.input_tokens), 0),
        func.coalesce(func.sum(LLMCall.output_tokens), 0),
        func.coalesce(func.sum(LLMCall.latency_seconds), 0.0),
        func.coalesce(func.sum(func.cast(LLMCall.outcome == "error", type_=LLMCall.id.type)), 0),
    )
    if source_id is not None:
        statement = statement.where(LLMCall.source_id == source_id)
    calls, tokens_in, tokens_out, latency, errors = session.execute(statement).one()
    return CallTotals(
        calls=int(calls),
        input_tokens=int(tokens_in),
        output_tokens=int(tokens_out),
        latency_seconds=float(latency),
        errors=int(errors),
    )
