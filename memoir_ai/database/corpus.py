"""The SQL of an evaluation: every stored chunk as flat text, and the sources' helpers.

A flat baseline (BM25 over the chunks) reads the whole corpus once, without
the tree. Only reads; ordered by id so the same database gives the same list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from memoir_ai.database.models import Chunk, ContextualHelper

__all__ = ["CorpusChunk", "corpus_chunks", "corpus_helpers"]


@dataclass(frozen=True)
class CorpusChunk:
    """A stored chunk as flat retrieval sees it: no category, only its text and source."""

    id: int
    source_id: str
    content: str
    token_count: int


def corpus_chunks(session: Session) -> list[CorpusChunk]:
    """Every stored chunk, by id."""
    statement = select(Chunk.id, Chunk.source_id, Chunk.content, Chunk.token_count).order_by(
        Chunk.id
    )
    return [
        CorpusChunk(chunk_id, source_id, content, tokens)
        for chunk_id, source_id, content, tokens in session.execute(statement)
    ]


def corpus_helpers(session: Session) -> dict[str, str]:
    """The contextual helper in force of every source that has one, by source id."""
    statement = select(ContextualHelper.source_id, ContextualHelper.helper_text)
    return {source_id: text for source_id, text in session.execute(statement)}
