"""The kept answers of completed model calls (``kept_outputs``), for resumable ingestion.

An ingestion keeps each call's typed answer as the call completes, in a short
transaction of its own (:func:`keep_output`), never inside the source's write;
a re-run of an interrupted ingestion reads the answers kept for its source
(:func:`load_kept`) and pays only for the calls that had not completed. The
source's write removes them in its own transaction (:func:`forget_source`), so
they go exactly when the source is stored. :func:`vacuum` removes the ones
nobody came back for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from memoir_ai.database.models import KeptOutput, Source, utcnow

__all__ = [
    "KeptRow",
    "NewKeptOutput",
    "VacuumCounts",
    "forget_source",
    "keep_output",
    "load_kept",
    "vacuum",
]


@dataclass(frozen=True)
class NewKeptOutput:
    """One completed call's answer, to keep under ``key``."""

    key: str
    source_id: str
    content_hash: str
    purpose: str
    model: str
    structured_output: str
    input_tokens: int
    output_tokens: int
    output_json: str


@dataclass(frozen=True)
class VacuumCounts:
    """What :func:`vacuum` removed: answers of stored texts, and old ones of unstored texts."""

    stored: int
    stale: int


@dataclass(frozen=True)
class KeptRow:
    """A kept answer as read back."""

    output_json: str
    structured_output: str
    input_tokens: int
    output_tokens: int
    created_at: dt.datetime


def load_kept(session: Session, source_id: str) -> dict[str, KeptRow]:
    """Every answer kept for ``source_id``, by key."""
    statement = select(
        KeptOutput.key,
        KeptOutput.output_json,
        KeptOutput.structured_output,
        KeptOutput.input_tokens,
        KeptOutput.output_tokens,
        KeptOutput.created_at,
    ).where(KeptOutput.source_id == source_id)
    return {
        key: KeptRow(output_json, mode, tokens_in, tokens_out, created_at)
        for key, output_json, mode, tokens_in, tokens_out, created_at in session.execute(statement)
    }


def keep_output(session: Session, answer: NewKeptOutput) -> bool:
    """Add ``answer`` unless its key is kept already; the caller commits. True when added."""
    if session.scalar(select(exists().where(KeptOutput.key == answer.key))):
        return False
    session.add(
        KeptOutput(
            key=answer.key,
            source_id=answer.source_id,
            content_hash=answer.content_hash,
            purpose=answer.purpose,
            model=answer.model,
            structured_output=answer.structured_output,
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            output_json=answer.output_json,
        )
    )
    return True


def forget_source(session: Session, source_id: str) -> int:
    """Remove the answers kept for ``source_id`` (in the caller's transaction); how many."""
    result = session.execute(delete(KeptOutput).where(KeptOutput.source_id == source_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def vacuum(session: Session, *, older_than: dt.timedelta) -> VacuumCounts:
    """Remove the answers nobody will reuse; the caller commits.

    Those of a text that is stored (its source holds that very content: left
    by a run that lost a race), whatever their age; and those older than
    ``older_than`` of a text that is not stored (an ingestion abandoned, or
    its file changed since).
    """
    stored_text = exists().where(
        Source.source_id == KeptOutput.source_id, Source.content_hash == KeptOutput.content_hash
    )
    stored = session.execute(delete(KeptOutput).where(stored_text))
    cutoff = utcnow() - older_than
    stale = session.execute(delete(KeptOutput).where(KeptOutput.created_at < cutoff))
    return VacuumCounts(
        stored=int(stored.rowcount or 0),  # type: ignore[attr-defined]
        stale=int(stale.rowcount or 0),  # type: ignore[attr-defined]
    )
