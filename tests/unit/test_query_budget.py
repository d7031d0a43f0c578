"""Budget arithmetic without fixtures: PRUNE order and fit, SUMMARIZE ratio, parts, checks."""

from __future__ import annotations

import pytest

from memoir_ai.errors import QueryError
from memoir_ai.query.budget import (
    PathCost,
    char_targets,
    check_fits,
    check_summary_lengths,
    compression_ratio,
    drop_order,
    pack_parts,
    prompt_tokens,
    prune_to_budget,
)


def paths() -> list[PathCost]:
    # index 0 is the most relevant, index 2 the least; all share helper "a", path 1 adds "b".
    return [
        PathCost(0, (1.0, 1.0), 100, frozenset({"a"})),
        PathCost(1, (1.0, 0.5), 100, frozenset({"a", "b"})),
        PathCost(2, (0.5, 1.0), 100, frozenset({"a"})),
    ]


HELPERS = {"a": 10, "b": 20}


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
    assert plan.dropped == (2,)
    assert plan.tokens == 280


def test_without_rankings_the_last_in_order_goes_first() -> None:
    plan = prune_to_budget(
        paths(), base_tokens=50, helper_tokens=HELPERS, budget=200, use_rankings=False
    )
    assert plan.kept == (0,)
    assert plan.dropped == (2, 1)
    assert plan.tokens == 160  # helper "b" left with path 1


def test_dropping_a_path_frees_its_helper() -> None:
    plan = prune_to_budget(
        paths(), base_tokens=50, helper_tokens=HELPERS, budget=260, use_rankings=True
    )
    # Dropping 2 leaves 280 > 260; dropping 1 too frees helper b: 50 + 10 + 100 = 160.
    assert plan.dropped == (2, 1)
    assert plan.tokens == 160


def test_nothing_fits_keeps_nothing_and_reports_every_drop() -> None:
    plan = prune_to_budget(
        paths(), base_tokens=50, helper_tokens=HELPERS, budget=100, use_rankings=True
    )
    assert not plan.fits
    assert sorted(plan.dropped) == [0, 1, 2]


def test_ties_drop_the_later_path_first() -> None:
    tied = [PathCost(0, (1.0,), 10), PathCost(1, (1.0,), 10), PathCost(2, (0.5,), 10)]
    assert [cost.index for cost in drop_order(tied, use_rankings=True)] == [2, 1, 0]


def test_ratio_is_room_over_chunk_tokens() -> None:
    assert compression_ratio(budget=1000, fixed_tokens=200, chunk_tokens=1600) == 0.5
    assert compression_ratio(budget=1000, fixed_tokens=200, chunk_tokens=800) == 1.0


@pytest.mark.parametrize("fixed", [1000, 1200])
def test_ratio_at_or_below_zero_is_a_clear_error(fixed: int) -> None:
    with pytest.raises(QueryError, match="no room for chunks") as caught:
        compression_ratio(budget=1000, fixed_tokens=fixed, chunk_tokens=500)
    assert "raise max_token_budget" in caught.value.remedy


def test_char_targets_scale_each_chunk() -> None:
    assert char_targets([1000, 333, 1], 0.5, margin=1.0) == [500, 166, 1]
    assert char_targets([1000, 333, 1], 0.5) == [450, 149, 1]  # 10% under, for safety


def test_parts_pack_several_chunks_within_the_limit() -> None:
    assert pack_parts([40, 40, 40, 90, 10], base_tokens=20, limit=120) == [[0, 1], [2], [3, 4]]


def test_a_chunk_too_large_for_any_part_is_an_error() -> None:
    with pytest.raises(QueryError, match="Chunk 2"):
        pack_parts([10, 200], base_tokens=20, limit=120)
    with pytest.raises(QueryError, match="before any chunk"):
        pack_parts([10], base_tokens=120, limit=120)


def test_summaries_within_the_tolerance_pass_and_beyond_fail() -> None:
    check_summary_lengths([105, 100], [100, 100], tolerance=0.05)  # 205 ≤ 210
    with pytest.raises(QueryError, match="211 characters") as caught:
        check_summary_lengths([111, 100], [100, 100], tolerance=0.05)
    assert "PRUNE" in caught.value.remedy


def test_final_count_must_fit() -> None:
    check_fits(500, 500)
    with pytest.raises(QueryError, match="501 tokens, more than max_token_budget=500"):
        check_fits(501, 500)
