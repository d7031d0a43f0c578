"""``memoir query --trace``: the walk behind an answer, drawn as a tree of plain text lines.

Each level shows how many categories were chosen among which candidates; each
chosen category shows its relevance among the choices of its call (the model's
``ranked_relevance``: N of N is the most relevant), then either the
next level under it, or what became of its path: used (with its chunks),
dropped (and why), or not kept because the level keeps only so many.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memoir_ai.query.results import QueryResult
    from memoir_ai.query.trace import TraceStep

__all__ = ["trace_lines"]

LISTED_CANDIDATES = 12
"""Most candidate names listed per step (the JSON has them all)."""


def trace_lines(result: QueryResult) -> list[str]:
    """The walk of ``result`` as lines of text, root first."""
    levels = result.trace.levels
    if not levels:
        return ["Walk: the tree was not walked (no category to choose from)."]
    keeps = ", ".join(str(level.keep) for level in levels)
    lines = [f"Walk ({result.strategy.value}; categories kept per level: {keeps}):"]
    lines.extend(_Walk(result).step((), ""))
    return lines


class _Walk:
    def __init__(self, result: QueryResult) -> None:
        self.result = result
        self.keep = {level.level: level.keep for level in result.trace.levels}
        self.used = {path.ids for path in result.paths}
        self.dropped = {item.path.ids: item for item in result.dropped_paths}
        self.chunks: dict[tuple[str, ...], int] = {}
        for chunk in result.chunks:
            self.chunks[chunk.category_path] = self.chunks.get(chunk.category_path, 0) + 1

    def step(self, parent_ids: tuple[int, ...], indent: str) -> Iterator[str]:
        found = self.result.trace.step_under(parent_ids)
        if found is None:
            return
        yield indent + _step_heading(found)
        for index, choice in enumerate(found.chosen):
            last = index == len(found.chosen) - 1
            branch, below = ("└── ", "    ") if last else ("├── ", "│   ")
            ids = (*parent_ids, choice.category_id)
            rank = f"relevance {choice.ranked_relevance} of {len(found.chosen)}"
            yield f"{indent}{branch}{choice.name}  ({rank}){self._outcome(found, ids, choice.kept)}"
            if choice.kept and ids not in self.used and ids not in self.dropped:
                yield from self.step(ids, indent + below)

    def _outcome(self, step: TraceStep, ids: tuple[int, ...], kept: bool) -> str:
        if not kept:
            return f"  not kept: level {step.level} keeps {self.keep[step.level]} in all"
        if ids in self.used:
            names = (*step.parent_path, *self._name(step, ids))
            return f"  → used: {self.chunks.get(names, 0)} chunk(s)"
        if ids in self.dropped:
            dropped = self.dropped[ids]
            detail = f": {dropped.detail}" if dropped.detail else ""
            return f"  → dropped ({dropped.reason.replace('_', ' ')}){detail}"
        return ""

    @staticmethod
    def _name(step: TraceStep, ids: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(choice.name for choice in step.chosen if choice.category_id == ids[-1])


def _step_heading(step: TraceStep) -> str:
    listed = list(step.candidates[:LISTED_CANDIDATES])
    if len(step.candidates) > LISTED_CANDIDATES:
        listed.append(f"… {len(step.candidates) - LISTED_CANDIDATES} more")
    where = "among" if step.called_model else "the only candidate, taken without a call:"
    if not step.called_model:
        return f"Level {step.level}: {where} {listed[0]}"
    return (
        f"Level {step.level}: chose {len(step.chosen)} of {len(step.candidates)} "
        f"(asked for {step.asked_for}) {where}: {', '.join(listed)}"
    )
