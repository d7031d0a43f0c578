"""Traversal without a database or a model: strategy counts, concurrency, early stops, order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from memoir_ai.database.categories import CategoryRow
from memoir_ai.errors import ValidationError
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.llm.schemas import CategorySelection, LLMPurpose, selection_output
from memoir_ai.query.results import QueryStrategy
from memoir_ai.query.traversal import SelectionRequest, StrategyPlan, strategy_plan, traverse


class FullTree:
    """A complete tree: ``fanout`` children under every node, ``depth`` levels; ids in BFS order."""

    def __init__(self, fanout: int, depth: int, *, childless: Sequence[int] = ()) -> None:
        self.nodes: list[CategoryRow] = []
        self.childless = set(childless)
        parents: list[CategoryRow | None] = [None]
        for level in range(1, depth + 1):
            created = []
            for parent in parents:
                if parent is not None and parent.id in self.childless:
                    continue
                for index in range(fanout):
                    prefix = "" if parent is None else parent.name + "."
                    node = CategoryRow(
                        len(self.nodes) + 1,
                        f"{prefix}{index}",
                        level,
                        None if parent is None else parent.id,
                    )
                    self.nodes.append(node)
                    created.append(node)
            parents = list(created)
        self.reads = 0

    async def roots(self) -> list[CategoryRow]:
        self.reads += 1
        return [node for node in self.nodes if node.level == 1]

    async def children(self, parent_ids: Sequence[int]) -> dict[int, list[CategoryRow]]:
        self.reads += 1
        return {pid: [n for n in self.nodes if n.parent_id == pid] for pid in parent_ids}

    async def helpers(self, parent_ids: Sequence[int], level: int) -> dict[int, list[str]]:
        return {pid: [f"helper under {pid}"] for pid in parent_ids}

    async def root_helpers(self) -> list[str]:
        return ["root helper"]


class FirstChoices:
    """Chooses the first ``count`` candidates, the first most relevant; tracks concurrency."""

    def __init__(self) -> None:
        self.requests: list[SelectionRequest] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, request: SelectionRequest) -> tuple[CategorySelection, LLMCallRecord]:
        self.requests.append(request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        names = [node.name for node in request.candidates]
        count = min(request.count, len(names))
        output = selection_output(names, count).model_validate(
            {
                "categories": [
                    {"name": name, "ranked_relevance": count - index}
                    for index, name in enumerate(names[:count])
                ]
            }
        )
        record = LLMCallRecord(
            purpose=LLMPurpose.SELECT,
            model="fake",
            started_at=datetime.now(UTC),
            latency_seconds=0.0,
            input_tokens=1,
            output_tokens=1,
            outcome="ok",
            structured_output="tool",
        )
        return output, record


def walk(plan: StrategyPlan, tree: FullTree, depth: int = 3) -> tuple[object, FirstChoices]:
    selector = FirstChoices()
    outcome = asyncio.run(traverse(plan, depth, tree, selector))
    return outcome, selector


@pytest.mark.parametrize(
    ("strategy", "params", "counts"),
    [
        ("one_shot", None, [1, 1, 1, 1]),
        ("wide_branch", None, [3, 3, 3, 3]),
        ("wide_branch", {"n": 5}, [5, 5, 5, 5]),
        ("zoom_in", None, [6, 4, 2, 1]),
        ("zoom_in", {"n": 3, "n2": 1}, [3, 2, 1, 1]),
        ("branch_out", None, [6, 8, 10, 12]),
        ("branch_out", {"n": 1, "n2": 1}, [1, 2, 3, 4]),
    ],
)
def test_counts_per_level(strategy: str, params: dict[str, int] | None, counts: list[int]) -> None:
    plan = strategy_plan(strategy, params)
    assert [plan.count(level) for level in range(1, 5)] == counts


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n": 0}, "whole number from 1"),
        ({"n": "3"}, "whole number"),
        ({"n": True}, "whole number"),
        ({"n2": -1}, "from 0"),
        ({"width": 2}, "does not apply"),
    ],
)
def test_bad_params_are_clear_errors(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        strategy_plan("zoom_in", params)


def test_one_shot_takes_no_params_and_unknown_strategies_are_named() -> None:
    with pytest.raises(ValidationError, match="does not apply to strategy='one_shot'"):
        strategy_plan(QueryStrategy.ONE_SHOT, {"n": 2})
    with pytest.raises(ValidationError, match="Unknown query strategy 'deep'") as caught:
        strategy_plan("deep")
    assert "zoom_in" in caught.value.remedy


def test_one_shot_walks_one_path_with_one_call_per_level() -> None:
    tree = FullTree(fanout=3, depth=3)
    outcome, selector = walk(strategy_plan("one_shot"), tree)
    assert [path.names for path in outcome.paths] == [("0", "0.0", "0.0.0")]
    assert len(outcome.calls) == 3
    assert [request.level for request in selector.requests] == [1, 2, 3]
    assert selector.requests[0].helpers == ("root helper",)
    assert selector.requests[1].helpers == ("helper under 1",)
    assert selector.requests[2].parent_path == ("0", "0.0")


def test_wide_branch_keeps_n_per_level_across_parents_called_concurrently() -> None:
    tree = FullTree(fanout=4, depth=3)
    outcome, selector = walk(strategy_plan("wide_branch"), tree)
    # 3 roots, then each root's first choice, then each of those's first choice.
    assert [path.names for path in outcome.paths] == [
        ("0", "0.0", "0.0.0"),
        ("1", "1.0", "1.0.0"),
        ("2", "2.0", "2.0.0"),
    ]
    assert len(selector.requests) == 1 + 3 + 3
    assert selector.most_in_flight == 3  # the calls of one level ran at once
    assert [path.ids for path in outcome.paths] == sorted(path.ids for path in outcome.paths)
    assert tree.reads == 3  # roots, then one read of all children per level


def test_branch_out_widens_each_level_capped_by_what_exists() -> None:
    tree = FullTree(fanout=3, depth=3)
    outcome, selector = walk(strategy_plan("branch_out"), tree)
    assert {request.count for request in selector.requests} == {6, 8, 10}
    # Level 1 asks for 6 of 3 roots (all 3 kept); level 2 keeps 8 of the 9 offered;
    # level 3 keeps 10 of the 24 offered: every parent's first choice, then second choices.
    assert len(outcome.paths) == 10
    assert len({path.names[:2] for path in outcome.paths}) == 8


def test_zoom_in_narrows_level_by_level() -> None:
    tree = FullTree(fanout=7, depth=3)
    outcome, selector = walk(strategy_plan("zoom_in"), tree)
    assert [request.count for request in selector.requests][:1] == [6]
    assert len(outcome.paths) == 2  # 6, then 4, then 2 in all
    assert [path.names for path in outcome.paths] == [
        ("0", "0.0", "0.0.0"),
        ("1", "1.0", "1.0.0"),
    ]
    top = max(outcome.paths, key=lambda path: path.rank_key)
    assert top.names == ("0", "0.0", "0.0.0")
    assert top.ranked_relevance == (6, 4, 2)


def test_a_level_keeps_first_choices_of_every_parent_before_second_choices() -> None:
    tree = FullTree(fanout=3, depth=2)
    outcome, _ = walk(strategy_plan("wide_branch", {"n": 2}), tree, depth=2)
    # Not both children of the best root: the first choice under each of the two roots.
    assert [path.names for path in outcome.paths] == [("0", "0.0"), ("1", "1.0")]


def test_a_category_without_children_ends_its_path_as_dropped() -> None:
    tree = FullTree(fanout=2, depth=3, childless=[1])  # root "0" has no children
    outcome, _ = walk(strategy_plan("wide_branch", {"n": 2}), tree)
    assert [dropped.path.names for dropped in outcome.dropped] == [("0",)]
    assert outcome.dropped[0].reason == "no_children"
    assert [path.names for path in outcome.paths] == [
        ("1", "1.0", "1.0.0"),
        ("1", "1.1", "1.1.0"),
    ]


def test_single_candidates_are_taken_without_a_call() -> None:
    tree = FullTree(fanout=1, depth=3)
    outcome, selector = walk(strategy_plan("one_shot"), tree)
    assert selector.requests == []
    assert outcome.paths[0].names == ("0", "0.0", "0.0.0")


def test_an_empty_tree_gives_no_path() -> None:
    tree = FullTree(fanout=0, depth=3)
    outcome, _ = walk(strategy_plan("one_shot"), tree)
    assert outcome.paths == () and outcome.calls == ()
