"""Batches of chunks and the checking of a model's answer to one batch (pure, no I/O).

A model answers a batch with ``{"chunks": [{"id": N, ...}, ...]}``. Each chunk
of the batch gets either its answer or the reason it has none — missing,
given twice, or an unusable name — so that only the chunks without a usable
answer are sent again, alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from memoir_ai.llm.schemas import ChunkCategory, ChunkPath, category_name_problem

__all__ = ["ChunkAnswer", "check_categories", "check_paths", "split_batches", "unknown_ids"]

T = TypeVar("T")


@dataclass(frozen=True)
class ChunkAnswer:
    """What the model said about one chunk: a category path (one name per level) or a problem."""

    names: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when the answer can be used."""
        return self.problem is None


def split_batches(items: Sequence[T], batch_size: int) -> list[list[T]]:
    """``items`` in consecutive batches of at most ``batch_size``, order kept."""
    return [list(items[start : start + batch_size]) for start in range(0, len(items), batch_size)]


def check_categories(answers: Sequence[ChunkCategory], count: int) -> list[ChunkAnswer]:
    """One :class:`ChunkAnswer` per chunk numbered 1..``count`` from a level-by-level answer."""
    return _check(
        [(answer.id, (answer.category,)) for answer in answers],
        count,
    )


def check_paths(answers: Sequence[ChunkPath], count: int, depth: int) -> list[ChunkAnswer]:
    """One :class:`ChunkAnswer` per chunk numbered 1..``count`` from a whole-path answer."""
    checked = _check([(answer.id, tuple(answer.path)) for answer in answers], count)
    return [
        ChunkAnswer(problem=f"the path has {len(answer.names)} levels, not {depth}")
        if answer.ok and len(answer.names) != depth
        else answer
        for answer in checked
    ]


def _check(answers: Sequence[tuple[int, tuple[str, ...]]], count: int) -> list[ChunkAnswer]:
    seen = Counter(chunk_id for chunk_id, _ in answers)
    by_id = {chunk_id: names for chunk_id, names in answers}
    results = []
    for chunk_id in range(1, count + 1):
        if seen[chunk_id] == 0:
            results.append(ChunkAnswer(problem="no answer was given for this chunk"))
            continue
        if seen[chunk_id] > 1:
            results.append(ChunkAnswer(problem="this chunk was answered more than once"))
            continue
        names = tuple(name.strip() for name in by_id[chunk_id])
        problems = [problem for name in by_id[chunk_id] if (problem := category_name_problem(name))]
        if problems:
            results.append(ChunkAnswer(problem=problems[0]))
        else:
            results.append(ChunkAnswer(names=names))
    return results


def unknown_ids(answers: Sequence[ChunkCategory | ChunkPath], count: int) -> list[int]:
    """The ids in an answer that name no chunk of the batch (logged; the chunks are unaffected)."""
    return sorted({answer.id for answer in answers if not 1 <= answer.id <= count})
