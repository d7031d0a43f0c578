"""The walk behind an answer: per level, the candidates shown and the ones chosen, with ranks.

A :class:`QueryTrace` is part of every :class:`~memoir_ai.query.results.QueryResult`
(and of its JSON). Each level holds one :class:`TraceStep` per parent that was
asked to choose among its children (level 1: the roots); a step lists the
candidates shown, how many the strategy asked for, and the categories chosen
with the ``ranked_relevance`` the model gave them, each marked ``kept`` when it
stayed on a path after the level kept its count fairly across parents. The
paths that were then dropped, and why, are the result's ``dropped_paths``.
"""

from __future__ import annotations

from memoir_ai.results import PublicResult

__all__ = ["QueryTrace", "TraceChoice", "TraceLevel", "TraceStep"]


class TraceChoice(PublicResult):
    """A category chosen in one step, its rank, and whether the walk went on through it.

    ``ranked_relevance`` is the model's rank among the ``chosen`` of its step
    (the most relevant of ``k`` gets ``k``).
    """

    category_id: int
    name: str
    ranked_relevance: int
    kept: bool


class TraceStep(PublicResult):
    """One choice among a parent's children (level 1: among the roots).

    ``parent_ids``/``parent_path`` lead from level 1 to the parent (empty at
    level 1); ``asked_for`` is how many the strategy asked the call to choose;
    ``called_model`` is False when a single candidate was taken without a call.
    """

    level: int
    parent_ids: tuple[int, ...]
    parent_path: tuple[str, ...]
    candidates: tuple[str, ...]
    asked_for: int
    called_model: bool
    chosen: tuple[TraceChoice, ...]


class TraceLevel(PublicResult):
    """The steps of one level, and how many categories the strategy keeps there in all."""

    level: int
    keep: int
    steps: tuple[TraceStep, ...]


class QueryTrace(PublicResult):
    """The walk down the tree, level 1 first."""

    levels: tuple[TraceLevel, ...]

    def step_under(self, parent_ids: tuple[int, ...]) -> TraceStep | None:
        """The step that chose among the children of the path ``parent_ids`` (``()``: roots)."""
        for level in self.levels:
            for step in level.steps:
                if step.parent_ids == parent_ids:
                    return step
        return None
