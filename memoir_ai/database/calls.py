"""The SQL of model calls: the audit log written to ``llm_calls``, and read back for reports.

Each call's request and response are stored packed (:mod:`memoir_ai.database._payloads`):
text equal to a stored chunk is kept as a reference to that chunk, the rest is
compressed. References point only at chunks of the call's own ``source_id``
(:func:`record_llm_calls` refuses anything else), so deleting a source expands
exactly the calls of that source first (:func:`expand_chunk_references`), and
the log, which outlives the chunks, still gives every prompt back word for word
(:func:`load_call_detail`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from memoir_ai.database import _payloads, reading
from memoir_ai.database._reads import run_read
from memoir_ai.database.models import Chunk, LLMCall
from memoir_ai.database.reading import CallRow
from memoir_ai.errors import DatabaseError
from memoir_ai.results import CallTotals, LoggedCall, LoggedCallDetail

if TYPE_CHECKING:
    from memoir_ai.database.engine import DatabaseManager

__all__ = [
    "CallToRecord",
    "CallTotals",
    "call_totals",
    "expand_chunk_references",
    "refer_to_stored_chunks",
    "forget_operation_calls",
    "list_llm_calls",
    "list_logged_calls",
    "logged_call",
    "load_call_detail",
    "record_llm_calls",
    "record_operation_calls",
]


class CallToRecord(Protocol):
    """What the audit log keeps of one model call.

    The model layer's :class:`~memoir_ai.llm.records.LLMCallRecord` has this
    shape; the database layer names only the shape, so it never imports the
    layer beside it.
    """

    @property
    def purpose(self) -> str:
        """Why the model was called (``classify``, ``select``, …)."""

    @property
    def model(self) -> str:
        """The model's name."""

    @property
    def started_at(self) -> dt.datetime:
        """When the call started."""

    @property
    def latency_seconds(self) -> float:
        """How long the call took, retries included."""

    @property
    def input_tokens(self) -> int:
        """Prompt tokens."""

    @property
    def output_tokens(self) -> int:
        """Output tokens."""

    @property
    def requests(self) -> int:
        """HTTP requests made."""

    @property
    def attempts(self) -> int:
        """Attempts made by the retry layer."""

    @property
    def outcome(self) -> str:
        """``ok``, ``error``, or ``reused`` (a kept answer of an interrupted run: no tokens)."""

    @property
    def error(self) -> str | None:
        """What went wrong, for a failed call."""

    @property
    def temperature(self) -> float | None:
        """The sampling temperature asked for, if any."""

    @property
    def structured_output(self) -> str:
        """How typed output was asked for (native, tool, prompted)."""

    @property
    def max_tokens(self) -> int | None:
        """The bound sent on the answer."""

    @property
    def notes(self) -> tuple[str, ...]:
        """What the model layer noted about the call."""

    @property
    def request_text(self) -> str | None:
        """The exact prompt sent, when kept."""

    @property
    def response_text(self) -> str | None:
        """The exact answer received, when kept."""


# Rows read per statement when filling references (well under every backend's bind limit).
_ID_BATCH = 500


def record_llm_calls(
    session: Session,
    records: Iterable[CallToRecord],
    *,
    source_id: str | None = None,
    operation_id: str | None = None,
    keep_payloads: bool = True,
    stored_chunks: Mapping[str, int] | None = None,
) -> list[LLMCall]:
    """Add one ``llm_calls`` row per record to ``session``; the caller commits.

    With ``keep_payloads=False`` the request and response texts are left out
    (tokens, latency and outcome are always kept). ``stored_chunks`` maps the
    text of chunks of ``source_id`` stored in this transaction to their ids:
    wherever a payload quotes one, it keeps a reference instead of the text.

    Raises:
        ValueError: ``stored_chunks`` given without the ``source_id`` they belong to.
    """
    if stored_chunks and source_id is None:
        raise ValueError("chunk references need the source_id whose chunks they are")
    index = _payloads.ChunkIndex(stored_chunks or {})
    rows = [
        LLMCall(
            purpose=str(record.purpose),
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
            max_tokens=record.max_tokens,
            notes=list(record.notes),
            request_text=_packed(record.request_text, index) if keep_payloads else None,
            response_text=_packed(record.response_text, index) if keep_payloads else None,
        )
        for record in records
    ]
    session.add_all(rows)
    return rows


def record_operation_calls(
    database: DatabaseManager,
    records: Sequence[CallToRecord],
    *,
    doing: str,
    operation_id: str | None,
    source_id: str | None = None,
    keep_payloads: bool = True,
    replacing: bool = False,
) -> None:
    """Write an operation's calls to the audit log in a transaction of their own.

    The one way a query, tidy, the evaluation baseline, a helper and an
    unstored ingestion record their calls (``doing`` names the work in an
    error). With ``replacing``, the rows ``operation_id`` logged as its calls
    completed are replaced by ``records`` (see :func:`forget_operation_calls`).
    Nothing is written when there are no records.

    Raises:
        DatabaseError: the write failed.
    """
    if not records:
        return

    def write(session: Session) -> None:
        if replacing and operation_id is not None:
            forget_operation_calls(session, operation_id)
        record_llm_calls(
            session,
            records,
            source_id=source_id,
            operation_id=operation_id,
            keep_payloads=keep_payloads,
        )

    database.run(write, doing=doing)


def forget_operation_calls(session: Session, operation_id: str) -> int:
    """Remove the rows of ``operation_id`` written so far (in the caller's transaction); how many.

    An ingestion logs each call as it completes (so a killed run's calls are
    in the log); its final recording replaces those rows with the complete
    set, so no call is logged twice.
    """
    result = session.execute(delete(LLMCall).where(LLMCall.operation_id == operation_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _packed(text: str | None, index: _payloads.ChunkIndex) -> str | None:
    return None if text is None else _payloads.pack(text, index)


def load_call_detail(session: Session, call_id: int) -> LoggedCallDetail | None:
    """Call ``call_id`` with its exact request and response, or None when there is none.

    Raises:
        DatabaseError: a payload cannot be read back (altered outside memoir-ai).
    """
    row = session.get(LLMCall, call_id)
    if row is None:
        return None
    payloads = [
        _decoded(row, "request", row.request_text),
        _decoded(row, "response", row.response_text),
    ]
    wanted = sorted({i for payload in payloads if payload for i in payload.chunk_ids})
    texts = _chunk_texts(session, wanted)
    request, response = (
        _expanded(row, name, payload, texts)
        for name, payload in zip(("request", "response"), payloads, strict=True)
    )
    # The row's columns by name; the payloads as expanded here, not as stored (packed).
    stored = LoggedCallDetail.model_validate(row, from_attributes=True)
    return stored.model_copy(update={"request_text": request, "response_text": response})


def expand_chunk_references(session: Session, source_id: str) -> int:
    """Rewrite the calls of ``source_id`` that reference its chunks to hold the text itself.

    Runs in the caller's transaction before the chunks of ``source_id`` are
    deleted, so the log keeps every prompt readable. Returns how many payloads
    were rewritten.

    Raises:
        DatabaseError: a payload cannot be read back (altered outside memoir-ai).
    """
    calls = [
        call
        for call in session.scalars(select(LLMCall).where(LLMCall.source_id == source_id))
        if _payloads.references_chunks(call.request_text)
        or _payloads.references_chunks(call.response_text)
    ]
    if not calls:
        return 0
    texts = {
        chunk_id: content
        for chunk_id, content in session.execute(
            select(Chunk.id, Chunk.content).where(Chunk.source_id == source_id)
        )
    }
    rewritten = 0
    for call in calls:
        if _payloads.references_chunks(call.request_text):
            call.request_text = _payloads.pack(
                _full_text(call, "request", call.request_text, texts)
            )
            rewritten += 1
        if _payloads.references_chunks(call.response_text):
            call.response_text = _payloads.pack(
                _full_text(call, "response", call.response_text, texts)
            )
            rewritten += 1
    session.flush()
    return rewritten


def refer_to_stored_chunks(
    session: Session, source_id: str, stored_chunks: Mapping[str, int], *, operation_id: str
) -> int:
    """Let the earlier runs' calls of ``source_id`` quote its chunks just stored by reference.

    A run killed before its source was stored logged its calls with their
    payloads compressed (the chunks did not exist yet); once the source is
    stored, in the same transaction, they keep references instead, as the
    storing run's own calls do. The rows of ``operation_id`` (the storing
    run's) are left alone. Returns how many payloads were rewritten.

    Raises:
        DatabaseError: a payload cannot be read back (altered outside memoir-ai).
    """
    index = _payloads.ChunkIndex(stored_chunks)
    if not index:
        return 0
    statement = select(LLMCall).where(
        LLMCall.source_id == source_id, LLMCall.operation_id != operation_id
    )
    rewritten = 0
    for call in session.scalars(statement):
        for name in ("request_text", "response_text"):
            stored = getattr(call, name)
            if stored is None or _payloads.references_chunks(stored):
                continue
            packed = _payloads.pack(_full_text(call, name, stored, {}), index)
            if packed != stored:
                setattr(call, name, packed)
                rewritten += 1
    session.flush()
    return rewritten


def _full_text(call: LLMCall, name: str, stored: str | None, texts: Mapping[int, str]) -> str:
    return _expanded(call, name, _decoded(call, name, stored), texts) or ""


def _decoded(call: LLMCall, name: str, stored: str | None) -> _payloads.Payload | None:
    if stored is None:
        return None
    try:
        return _payloads.decode(stored)
    except _payloads.PayloadError as exc:
        raise _unreadable(call, name, exc) from exc


def _expanded(
    call: LLMCall, name: str, payload: _payloads.Payload | None, texts: Mapping[int, str]
) -> str | None:
    if payload is None:
        return None
    try:
        return payload.expand(texts)
    except _payloads.PayloadError as exc:
        raise _unreadable(call, name, exc) from exc


def _unreadable(call: LLMCall, name: str, exc: _payloads.PayloadError) -> DatabaseError:
    return DatabaseError(
        f"The stored {name} of LLM call {call.id} cannot be read back: {exc}.",
        remedy="the row or its chunks were changed outside memoir-ai (memoir sources delete "
        "keeps the log readable); the call's tokens, latency and outcome are still listed by "
        "`memoir log`.",
    )


def _chunk_texts(session: Session, chunk_ids: Sequence[int]) -> dict[int, str]:
    texts: dict[int, str] = {}
    for start in range(0, len(chunk_ids), _ID_BATCH):
        batch = list(chunk_ids[start : start + _ID_BATCH])
        statement = select(Chunk.id, Chunk.content).where(Chunk.id.in_(batch))
        texts.update((chunk_id, content) for chunk_id, content in session.execute(statement))
    return texts


def list_llm_calls(
    session: Session,
    *,
    source_id: str | None = None,
    operation_id: str | None = None,
    purposes: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[LLMCall]:
    """Recorded calls, oldest first, optionally filtered (payloads as stored: packed)."""
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
    read = reading.call_totals(by_source=source_id is not None)
    parameters = {} if source_id is None else {"source_id": source_id}
    totals = reading.call_totals_row(run_read(session, read, **parameters)[0])
    return CallTotals(**asdict(totals))


def list_logged_calls(
    session: Session, *, source_id: str | None = None, limit: int | None = None
) -> list[LoggedCall]:
    """The most recent ``limit`` calls (all without a limit), shown oldest first."""
    read = reading.logged_calls(by_source=source_id is not None, limited=limit is not None)
    parameters: dict[str, object] = {}
    if source_id is not None:
        parameters["source_id"] = source_id
    if limit is not None:
        parameters["limit"] = limit
    rows = [reading.call_row(row) for row in run_read(session, read, **parameters)]
    return [logged_call(row) for row in reversed(rows)]


def logged_call(row: CallRow) -> LoggedCall:
    """The public :class:`~memoir_ai.results.LoggedCall` of a listed call."""
    return LoggedCall(**asdict(row))
