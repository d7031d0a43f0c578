"""Walking the category tree from the root to the leaves, one level at a time.

At each level there is one selection call per parent (the level-1 call has the
roots as candidates); calls of one level do not depend on each other and run
concurrently. The strategy (:class:`StrategyPlan`) says how many categories a
level keeps in all: one_shot 1, wide_branch N, zoom_in N then N2 fewer per
level, branch_out N then N2 more. Each call ranks up to that many of its
parent's children; the level then keeps its share fairly across parents —
every parent's first choice before any parent's second, better-ranked parents
first — so a wide walk stays wide instead of following one branch. A category
with a single candidate child is taken without a call (there is nothing to
choose or rank).

A chosen category above the configured depth that has no children ends its
path early: that path is dropped (``no_children``), the others go on. Paths
come out in a deterministic order: sorted by their category ids, root first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from memoir_ai.database.categories import CategoryRow
from memoir_ai.errors import ValidationError
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.llm.schemas import CategorySelection
from memoir_ai.query.results import CategoryPath, DroppedPath, QueryStrategy
from memoir_ai.query.trace import QueryTrace, TraceChoice, TraceLevel, TraceStep
from memoir_ai.query.wording import API_WORDING, QueryWording

__all__ = [
    "DEFAULT_PARAMS",
    "SelectionRequest",
    "Selector",
    "StrategyPlan",
    "TraversalOutcome",
    "TreeReader",
    "strategy_plan",
    "traverse",
]

logger = logging.getLogger(__name__)

DEFAULT_PARAMS: dict[QueryStrategy, dict[str, int]] = {
    QueryStrategy.ONE_SHOT: {},
    QueryStrategy.WIDE_BRANCH: {"n": 3},
    QueryStrategy.ZOOM_IN: {"n": 6, "n2": 2},
    QueryStrategy.BRANCH_OUT: {"n": 6, "n2": 2},
}
MAX_PER_CALL = 100

Picked = tuple[str, int, int]
"""A chosen category: (name, ranked_relevance, how many its call chose)."""


@dataclass(frozen=True)
class StrategyPlan:
    """A strategy with its checked parameters; :meth:`count` says how many a level keeps."""

    strategy: QueryStrategy
    n: int = 1
    n2: int = 0

    def count(self, level: int) -> int:
        """How many categories ``level`` keeps across all parents (capped by what exists)."""
        steps = level - 1
        match self.strategy:
            case QueryStrategy.ONE_SHOT:
                return 1
            case QueryStrategy.WIDE_BRANCH:
                return self.n
            case QueryStrategy.ZOOM_IN:
                return max(1, self.n - self.n2 * steps)
            case _:
                return self.n + self.n2 * steps


def strategy_plan(
    strategy: QueryStrategy | str,
    params: Mapping[str, Any] | None = None,
    wording: QueryWording = API_WORDING,
) -> StrategyPlan:
    """Check ``strategy`` and its ``params`` (``n``, ``n2``); fill in the defaults.

    Raises:
        ValidationError: An unknown strategy, an unknown parameter, or a value
            that is not a whole number in range.
    """
    try:
        chosen = QueryStrategy(strategy)
    except ValueError:
        names = ", ".join(item.value for item in QueryStrategy)
        raise ValidationError(
            f"Unknown query strategy {strategy!r}.", remedy=f"use one of: {names}."
        ) from None
    defaults = DEFAULT_PARAMS[chosen]
    given = dict(params or {})
    unknown = sorted(set(given) - set(defaults), key=str)
    if unknown:
        named = ", ".join(wording.param(str(name)) for name in unknown)
        allowed = ", ".join(wording.param(name) for name in defaults)
        raise ValidationError(
            f"{named} {'does' if len(unknown) == 1 else 'do'} not apply to "
            f"{wording.strategy(chosen.value)}.",
            remedy=f"{wording.strategy(chosen.value)} accepts: {allowed}."
            if defaults
            else f"leave out {named}: {wording.strategy(chosen.value)} takes no parameter.",
        )
    values = {**defaults, **given}
    for name, value in values.items():
        low = 0 if name == "n2" else 1
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not low <= value <= MAX_PER_CALL
        ):
            raise ValidationError(
                f"{wording.param(name)} for {wording.strategy(chosen.value)} must be a whole "
                f"number from {low} to {MAX_PER_CALL}, got {value!r}.",
                remedy=f"pass e.g. {wording.param(name, defaults[name])} (the default).",
            )
    return StrategyPlan(chosen, values.get("n", 1), values.get("n2", 0))


@dataclass(frozen=True)
class SelectionRequest:
    """One selection call: choose ``count`` of ``candidates`` under ``parent_path``."""

    candidates: Sequence[CategoryRow]
    count: int
    level: int
    parent_path: tuple[str, ...]
    helpers: tuple[str, ...]


Selector = Callable[[SelectionRequest], Awaitable[tuple[CategorySelection, LLMCallRecord]]]


class TreeReader(Protocol):
    """What the traversal reads from the database (each method one read)."""

    async def roots(self) -> list[CategoryRow]:
        """The level-1 categories."""

    async def children(self, parent_ids: Sequence[int]) -> dict[int, list[CategoryRow]]:
        """The children of each parent."""

    async def helpers(self, parent_ids: Sequence[int], level: int) -> dict[int, list[str]]:
        """The helper texts of the sources under each parent (at ``level``)."""

    async def root_helpers(self) -> list[str]:
        """The helper texts shown with the level-1 candidates."""


@dataclass(frozen=True)
class TraversalOutcome:
    """The complete paths, the paths that stopped early, the selection calls made, the walk."""

    paths: tuple[CategoryPath, ...]
    dropped: tuple[DroppedPath, ...]
    calls: tuple[tuple[LLMCallRecord, CategorySelection], ...]
    trace: QueryTrace = QueryTrace(levels=())


async def traverse(
    plan: StrategyPlan,
    depth: int,
    reader: TreeReader,
    select: Selector,
    *,
    calls: list[tuple[LLMCallRecord, CategorySelection]] | None = None,
) -> TraversalOutcome:
    """Walk from the roots down to ``depth`` following ``plan``; see the module docstring.

    ``calls``, when given, receives each level's calls as soon as the level is
    done, so a caller still has the earlier calls if a later one fails.
    """
    calls = [] if calls is None else calls
    first = len(calls)
    dropped: list[DroppedPath] = []
    roots = await reader.roots()
    if not roots:
        return TraversalOutcome((), (), ())
    root_request = SelectionRequest(roots, plan.count(1), 1, (), tuple(await reader.root_helpers()))
    root_choice, root_call = await _choose(root_request, select)
    calls.extend(root_call)
    frontier = _keep_fairly(_extend(None, roots, root_choice), [], plan.count(1))
    levels = [_trace_level(1, plan.count(1), [(None, root_request, root_choice)], frontier)]
    for level in range(2, depth + 1):
        parents = [path.leaf_id for path in frontier]
        children = await reader.children(parents)
        helpers = await reader.helpers(parents, level - 1)
        requests: list[tuple[CategoryPath, SelectionRequest]] = []
        for path in frontier:
            candidates = children.get(path.leaf_id, [])
            if not candidates:
                dropped.append(
                    DroppedPath(
                        path=path,
                        reason="no_children",
                        detail=f"{path.label()} has no sub-category at level {level}",
                    )
                )
                continue
            request = SelectionRequest(
                candidates,
                plan.count(level),
                level,
                path.names,
                tuple(helpers.get(path.leaf_id, ())),
            )
            requests.append((path, request))
        outcomes = await asyncio.gather(*(_choose(request, select) for _, request in requests))
        offered: list[CategoryPath] = []
        steps: list[tuple[CategoryPath | None, SelectionRequest, list[Picked]]] = []
        for (path, request), (chosen, call) in zip(requests, outcomes, strict=True):
            calls.extend(call)  # in request order, whatever order the calls finished in
            offered.extend(_extend(path, request.candidates, chosen))
            steps.append((path, request, chosen))
        frontier = _keep_fairly(offered, frontier, plan.count(level))
        if steps:
            levels.append(_trace_level(level, plan.count(level), steps, frontier))
        logger.debug("Level %d: %d path(s) continue.", level, len(frontier))
    unique = {path.ids: path for path in frontier}
    ordered = tuple(unique[ids] for ids in sorted(unique))
    return TraversalOutcome(
        ordered,
        tuple(sorted(dropped, key=lambda item: item.path.ids)),
        tuple(calls[first:]),
        QueryTrace(levels=tuple(levels)),
    )


def _trace_level(
    level: int,
    keep: int,
    steps: Sequence[tuple[CategoryPath | None, SelectionRequest, Sequence[Picked]]],
    frontier: Sequence[CategoryPath],
) -> TraceLevel:
    """The trace of one level: each step's candidates and choices, marked kept or not."""
    kept = {path.ids for path in frontier}
    traced = []
    for parent, request, chosen in steps:
        parent_ids = () if parent is None else parent.ids
        by_name = {node.name: node.id for node in request.candidates}
        traced.append(
            TraceStep(
                level=level,
                parent_ids=parent_ids,
                parent_path=() if parent is None else parent.names,
                candidates=tuple(node.name for node in request.candidates),
                asked_for=min(request.count, len(request.candidates)),
                called_model=len(request.candidates) > 1,
                chosen=tuple(
                    TraceChoice(
                        category_id=by_name[name],
                        name=name,
                        ranked_relevance=rank,
                        kept=(*parent_ids, by_name[name]) in kept,
                    )
                    for name, rank, _ in chosen
                ),
            )
        )
    return TraceLevel(level=level, keep=keep, steps=tuple(traced))


async def _choose(
    request: SelectionRequest, select: Selector
) -> tuple[list[Picked], list[tuple[LLMCallRecord, CategorySelection]]]:
    """(name, ranked_relevance, chosen count) of the picked categories, and the call made."""
    if len(request.candidates) == 1:
        return [(request.candidates[0].name, 1, 1)], []
    selection, record = await select(request)
    chosen = len(selection.categories)
    picked = [(item.name, item.ranked_relevance, chosen) for item in selection.categories]
    return picked, [(record, selection)]


def _keep_fairly(
    offered: Sequence[CategoryPath], parents: Sequence[CategoryPath], keep: int
) -> list[CategoryPath]:
    """The ``keep`` best of ``offered``, best first.

    Ordered by the share of its call's top rank (every first choice, then every
    second, ...), then by its parent's place among ``parents`` (best first).
    """
    place = {parent.ids: index for index, parent in enumerate(parents)}

    def merit(path: CategoryPath) -> tuple[float, int, tuple[int, ...]]:
        share = path.ranked_relevance[-1] / path.choices[-1]
        return (-share, place.get(path.ids[:-1], 0), path.ids)

    return sorted(offered, key=merit)[:keep]


def _extend(
    path: CategoryPath | None,
    candidates: Sequence[CategoryRow],
    chosen: Sequence[Picked],
) -> list[CategoryPath]:
    by_name = {node.name: node for node in candidates}
    extended = []
    for name, rank, count in chosen:
        node = by_name[name]
        if path is None:
            extended.append(
                CategoryPath(
                    ids=(node.id,), names=(node.name,), ranked_relevance=(rank,), choices=(count,)
                )
            )
        else:
            extended.append(
                CategoryPath(
                    ids=(*path.ids, node.id),
                    names=(*path.names, node.name),
                    ranked_relevance=(*path.ranked_relevance, rank),
                    choices=(*path.choices, count),
                )
            )
    return extended
