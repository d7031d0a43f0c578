"""Budget arithmetic without fixtures: PRUNE order and fit, SUMMARIZE floors, ratio, parts, checks.

The properties check the plans against token sums computed here, from the
definition (base + each helper once + chunk tokens), not with the module's own
``prompt_tokens``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memoir_ai.errors import QueryError
from memoir_ai.query.budget import (
    PathCost,
    PrunePlan,
    char_targets,
    check_fits,
    check_summary_budget,
    check_summary_lengths,
    compression_ratio,
    keep_order,
    pack_parts,
    prompt_tokens,
    prune_to_budget,
    smallest_summary_budget,
)


def paths() -> list[PathCost]:
    # index 0 is the most relevant, index 2 the least; all share helper "a", path 1 adds "b".
    return [
        PathCost(0, (1.0, 1.0), 100, frozenset({"a"})),
        PathCost(1, (1.0, 0.5), 100, frozenset({"a", "b"})),
        PathCost(2, (0.5, 1.0), 100, frozenset({"a"})),
    ]


HELPERS = {"a": 10, "b": 20}


def tokens_of(chosen: Sequence[PathCost], base: int, helpers: Mapping[str, int]) -> int:
    """The prompt's tokens from the definition: base, each helper once, every chunk."""
    sources: set[str] = set()
    for path in chosen:
        sources |= path.sources
    return base + sum(helpers[source] for source in sources) + sum(p.chunk_tokens for p in chosen)


def test_prompt_tokens_count_each_helper_once() -> None:
    assert prompt_tokens(paths(), base_tokens=50, helper_tokens=HELPERS) == 50 + 30 + 300


def test_exact_fit_prunes_nothing() -> None:
    plan = prune_to_budget(
        paths(), base_tokens=50, helper_tokens=HELPERS, budget=380, use_rankings=True
    )
    assert plan.kept == (0, 1, 2)
    assert plan.dropped == ()
    assert plan.tokens == 380


def test_one_token_over_drops_the_lowest_ranked_path() -> None:
    plan = prune_to_budget(
        paths(), base_tokens=50, helper_tokens=HELPERS, budget=379, use_rankings=True
    )
    assert plan.kept == (0, 1)
    assert [drop.index for drop in plan.dropped] == [2]
    assert plan.tokens == 280
    (drop,) = plan.dropped
    assert (drop.alone_tokens, drop.with_kept_tokens, drop.kept_before) == (160, 380, 2)


def test_without_rankings_the_first_in_order_are_kept() -> None:
    plan = prune_to_budget(
        paths(), base_tokens=50, helper_tokens=HELPERS, budget=200, use_rankings=False
    )
    # 0 is kept (160); 1 would add 100 + helper b (290); 2 would add 100 (260).
    assert plan.kept == (0,)
    assert [drop.index for drop in plan.dropped] == [1, 2]
    assert plan.tokens == 160


def test_a_path_that_fits_alone_is_kept_when_a_more_relevant_one_does_not_fit() -> None:
    # The case: the most relevant path is too large, the others fit (together, too).
    ranked = [
        PathCost(0, (1.0,), 1300, frozenset({"a"})),
        PathCost(1, (0.6,), 431, frozenset({"b"})),
        PathCost(2, (0.3,), 455, frozenset({"a"})),
    ]
    plan = prune_to_budget(
        ranked, base_tokens=89, helper_tokens=HELPERS, budget=1200, use_rankings=True
    )
    assert plan.kept == (1, 2)
    assert [drop.index for drop in plan.dropped] == [0]
    assert plan.dropped[0].alone_tokens == 89 + 10 + 1300 > 1200
    assert plan.tokens == 89 + 30 + 431 + 455


def test_a_small_path_fills_room_that_a_larger_one_left() -> None:
    ranked = [
        PathCost(0, (1.0,), 500),
        PathCost(1, (0.8,), 600),  # does not fit beside 0
        PathCost(2, (0.5,), 300),  # does
    ]
    plan = prune_to_budget(
        ranked, base_tokens=100, helper_tokens={}, budget=1000, use_rankings=True
    )
    assert plan.kept == (0, 2)
    (drop,) = plan.dropped
    assert (drop.index, drop.alone_tokens, drop.with_kept_tokens, drop.kept_before) == (
        1,
        700,
        1200,
        1,
    )


def test_nothing_fits_keeps_nothing_and_reports_every_drop() -> None:
    plan = prune_to_budget(
        paths(), base_tokens=50, helper_tokens=HELPERS, budget=100, use_rankings=True
    )
    assert not plan.fits
    assert plan.tokens == 50
    assert [drop.index for drop in plan.dropped] == [0, 1, 2]  # in the order offered
    assert [drop.alone_tokens for drop in plan.dropped] == [160, 180, 160]


def test_ties_offer_the_earlier_path_first() -> None:
    tied = [PathCost(2, (0.5,), 10), PathCost(1, (1.0,), 10), PathCost(0, (1.0,), 10)]
    assert [cost.index for cost in keep_order(tied, use_rankings=True)] == [0, 1, 2]
    assert [cost.index for cost in keep_order(tied, use_rankings=False)] == [0, 1, 2]


def test_a_measure_of_the_whole_prompt_overrules_the_sum_of_parts() -> None:
    # A tokenizer that adds a token where two blocks join: the parts undercount by one per join.
    def measure(indexes: Sequence[int]) -> int:
        chosen = [paths()[index] for index in indexes]
        return tokens_of(chosen, 50, HELPERS) + max(0, len(chosen) - 1)

    by_parts = prune_to_budget(
        paths(), base_tokens=50, helper_tokens=HELPERS, budget=380, use_rankings=True
    )
    whole = prune_to_budget(
        paths(),
        base_tokens=50,
        helper_tokens=HELPERS,
        budget=380,
        use_rankings=True,
        measure=measure,
    )
    assert by_parts.kept == (0, 1, 2) and measure(by_parts.kept) == 382  # over, by the joins
    assert whole.kept == (0, 1) and whole.tokens == measure((0, 1)) == 281
    assert [(drop.index, drop.with_kept_tokens) for drop in whole.dropped] == [(2, 382)]


RANKS = st.tuples(st.sampled_from([0.25, 0.5, 1.0]), st.sampled_from([0.5, 1.0]))
SOURCES = "abcd"


@st.composite
def prune_cases(
    draw: st.DrawFn,
) -> tuple[list[PathCost], dict[str, int], int, int, bool]:
    count = draw(st.integers(0, 8))
    costs = [
        PathCost(
            index,
            draw(RANKS),
            draw(st.integers(1, 400)),
            frozenset(draw(st.sets(st.sampled_from(SOURCES), max_size=3))),
        )
        for index in range(count)
    ]
    order = draw(st.permutations(costs))
    helpers = {source: draw(st.integers(0, 120)) for source in SOURCES}
    return (
        list(order),
        helpers,
        draw(st.integers(0, 150)),
        draw(st.integers(1, 1500)),
        draw(st.booleans()),
    )


def rank_order(costs: Sequence[PathCost], use_rankings: bool) -> list[PathCost]:
    """The order of the specification: most relevant first (ties: earlier first), or in order."""
    if use_rankings:
        return sorted(costs, key=lambda p: (tuple(-rank for rank in p.rank_key), p.index))
    return sorted(costs, key=lambda p: p.index)


def check_plan(
    plan: PrunePlan,
    costs: Sequence[PathCost],
    budget: int,
    use_rankings: bool,
    measure: Callable[[Sequence[PathCost]], int],
) -> None:
    by_index = {path.index: path for path in costs}
    kept = [by_index[index] for index in plan.kept]
    dropped = [by_index[drop.index] for drop in plan.dropped]
    assert sorted(plan.kept) == list(plan.kept)
    assert sorted(plan.kept + tuple(path.index for path in dropped)) == sorted(by_index)
    # The kept set fits, and its count is reported (the bare prompt's when nothing is kept).
    assert plan.tokens == measure(kept)
    assert not kept or plan.tokens <= budget
    # No dropped path would fit beside the paths kept before it in rank order,
    # nor beside the final kept set.
    order = rank_order(costs, use_rankings)
    assert [path.index for path in dropped] == [p.index for p in order if p in dropped]
    for drop, path in zip(plan.dropped, dropped, strict=True):
        before = [p for p in order[: order.index(path)] if p.index in plan.kept]
        assert drop.kept_before == len(before)
        assert drop.with_kept_tokens == measure([*before, path]) > budget
        assert drop.alone_tokens == measure([path])
        assert measure([*kept, path]) > budget
    # Each kept path fitted beside the ones kept before it: the highest-ranked that fit.
    for path in kept:
        before = [p for p in order[: order.index(path)] if p.index in plan.kept]
        assert measure([*before, path]) <= budget
    # Nothing is kept only when no single path fits.
    assert plan.fits == any(measure([path]) <= budget for path in costs)


@given(prune_cases())
def test_prune_keeps_the_highest_ranked_paths_that_fit_together(
    case: tuple[list[PathCost], dict[str, int], int, int, bool],
) -> None:
    costs, helpers, base, budget, use_rankings = case
    plan = prune_to_budget(
        costs, base_tokens=base, helper_tokens=helpers, budget=budget, use_rankings=use_rankings
    )
    check_plan(plan, costs, budget, use_rankings, lambda chosen: tokens_of(chosen, base, helpers))
    # The plan does not depend on the order the paths arrive in.
    again = prune_to_budget(
        list(reversed(costs)),
        base_tokens=base,
        helper_tokens=helpers,
        budget=budget,
        use_rankings=use_rankings,
    )
    assert again == plan


@given(prune_cases(), st.integers(0, 5))
def test_prune_with_a_whole_prompt_measure_fits_that_measure(
    case: tuple[list[PathCost], dict[str, int], int, int, bool], join: int
) -> None:
    costs, helpers, base, budget, use_rankings = case
    by_index = {path.index: path for path in costs}

    def whole(chosen: Sequence[PathCost]) -> int:
        return tokens_of(chosen, base, helpers) + join * max(0, len(chosen) - 1)

    plan = prune_to_budget(
        costs,
        base_tokens=base,
        helper_tokens=helpers,
        budget=budget,
        use_rankings=use_rankings,
        measure=lambda indexes: whole([by_index[index] for index in indexes]),
    )
    check_plan(plan, costs, budget, use_rankings, whole)


# --- SUMMARIZE -------------------------------------------------------------------------------


def digits_call(base: int) -> Callable[[int], int]:
    """A summary call whose size grows by a token each time the budget gains a digit."""
    return lambda budget: base + len(str(budget))


NEGATIVE = re.compile(r"(?<![\w>])-\d")


@pytest.mark.parametrize("budget", [1, 60, 490, 495])
def test_a_budget_below_the_fixed_part_names_the_smallest_that_works(budget: int) -> None:
    with pytest.raises(QueryError, match="too small to summarize the 5 chunk") as caught:
        check_summary_budget(
            budget=budget,
            fixed_tokens=491,
            chunk_count=5,
            full_tokens=2592,
            headroom=0,
            call_tokens=digits_call(100),
        )
    message = str(caught.value)
    assert "chunk headers alone take 491 tokens" in message
    assert "The smallest budget that can work is 496." in message  # one token per chunk
    assert "max_token_budget=496 or more" in caught.value.remedy
    assert not NEGATIVE.search(message), message


def test_a_budget_too_small_for_the_summary_calls_names_the_smallest_that_works() -> None:
    with pytest.raises(QueryError, match="keeps 1024 tokens free") as caught:
        check_summary_budget(
            budget=1200,
            fixed_tokens=491,
            chunk_count=5,
            full_tokens=2592,
            headroom=1024,
            call_tokens=digits_call(586),
        )
    # 1024 + 586 + 4 digits: the call at budget 1614 has a 4-digit budget in it too.
    assert "call for the largest chunk needs 590 tokens" in str(caught.value)
    assert "smallest budget that can work is 1614." in str(caught.value)
    check_summary_budget(
        budget=1614,
        fixed_tokens=491,
        chunk_count=5,
        full_tokens=2592,
        headroom=1024,
        call_tokens=digits_call(586),
    )


def test_when_summaries_cannot_beat_the_whole_the_whole_is_the_answer() -> None:
    with pytest.raises(QueryError, match="is 700 \\(everything fits there without summaries\\)"):
        check_summary_budget(
            budget=600,
            fixed_tokens=300,
            chunk_count=2,
            full_tokens=700,
            headroom=1024,
            call_tokens=digits_call(200),
        )


@given(
    fixed=st.integers(0, 3000),
    count=st.integers(1, 20),
    headroom=st.integers(0, 2000),
    call_base=st.integers(1, 2000),
    extra=st.integers(1, 4000),
    budget=st.integers(1, 6000),
)
def test_the_smallest_summary_budget_is_the_first_that_passes_the_check(
    fixed: int, count: int, headroom: int, call_base: int, extra: int, budget: int
) -> None:
    full = fixed + count + extra
    call = digits_call(call_base)

    def works(candidate: int) -> bool:
        return candidate >= full or (
            candidate - fixed >= count and headroom + call(candidate) <= candidate
        )

    if works(budget):
        return
    expected = next(candidate for candidate in range(budget + 1, full + 1) if works(candidate))
    found = smallest_summary_budget(
        fixed_tokens=fixed,
        chunk_count=count,
        headroom=headroom,
        call_tokens=call,
        start=budget + 1,
        ceiling=full,
    )
    assert found == expected
    with pytest.raises(QueryError, match=f"smallest budget that can work is {expected}\\b"):
        check_summary_budget(
            budget=budget,
            fixed_tokens=fixed,
            chunk_count=count,
            full_tokens=full,
            headroom=headroom,
            call_tokens=call,
        )


def test_ratio_is_room_over_chunk_tokens() -> None:
    assert compression_ratio(budget=1000, fixed_tokens=200, chunk_tokens=1600) == 0.5
    assert compression_ratio(budget=1000, fixed_tokens=200, chunk_tokens=800) == 1.0


@pytest.mark.parametrize("fixed", [1000, 1200])
def test_ratio_at_or_below_zero_is_a_clear_error_without_the_ratio(fixed: int) -> None:
    with pytest.raises(QueryError, match="no room for chunks") as caught:
        compression_ratio(budget=1000, fixed_tokens=fixed, chunk_tokens=500)
    assert f"max_token_budget={fixed + 1} or more" in caught.value.remedy
    assert not NEGATIVE.search(str(caught.value))


def test_char_targets_scale_each_chunk() -> None:
    assert char_targets([1000, 333, 1], 0.5, margin=1.0) == [500, 166, 1]
    assert char_targets([1000, 333, 1], 0.5) == [450, 149, 1]  # 10% under, for safety


def test_parts_pack_several_chunks_within_the_budget_less_the_headroom() -> None:
    parts = pack_parts([40, 40, 40, 90, 10], base_tokens=20, budget=1144, headroom=1024)
    assert parts == [[0, 1], [2], [3, 4]]


@pytest.mark.parametrize(("budget", "headroom"), [(120, 0), (120, 1024), (10, 0)])
def test_a_chunk_too_large_for_any_part_names_the_smallest_budget(
    budget: int, headroom: int
) -> None:
    with pytest.raises(QueryError, match=f"max_token_budget={budget}") as caught:
        pack_parts([10, 200], base_tokens=20, budget=budget, headroom=headroom)
    assert f"smallest budget that can work is {headroom + 220}." in str(caught.value)
    assert not NEGATIVE.search(str(caught.value))
    pack_parts([10, 200], base_tokens=20, budget=headroom + 220, headroom=headroom)


def test_summaries_within_the_tolerance_pass_and_beyond_fail() -> None:
    check_summary_lengths([105, 100], [100, 100], tolerance=0.05)  # 205 ≤ 210
    with pytest.raises(QueryError, match="211 characters") as caught:
        check_summary_lengths([111, 100], [100, 100], tolerance=0.05)
    assert "prompt_limiting_strategy='prune'" in caught.value.remedy


def test_final_count_must_fit() -> None:
    check_fits(500, 500)
    with pytest.raises(QueryError, match="501 tokens, more than max_token_budget=500"):
        check_fits(501, 500)
