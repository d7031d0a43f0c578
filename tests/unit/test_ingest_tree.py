"""The working tree: planned categories can never need more than the per-level limits allow."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from memoir_ai.database.categories import CategoryRow
from memoir_ai.ingest._batches import check_categories, check_paths, split_batches
from memoir_ai.ingest._tree import WorkingTree
from memoir_ai.llm.schemas import ChunkCategory, ChunkPath


def test_rows_load_into_paths_and_counts() -> None:
    rows = [
        CategoryRow(1, "Sky", 1, None),
        CategoryRow(2, "Stars", 2, 1),
        CategoryRow(3, "Sun", 3, 2),
    ]
    tree = WorkingTree.from_rows(rows, 3, {1: 5, 2: 5, 3: 5})
    assert tree.leaf_paths() == [("Sky", "Stars", "Sun")]
    assert [tree.count(level) for level in (1, 2, 3)] == [1, 1, 1]
    assert tree.planned() == []


def test_a_new_top_category_needs_room_at_every_deeper_level() -> None:
    rows = [CategoryRow(1, "Sky", 1, None), CategoryRow(2, "Stars", 2, 1)]
    tree = WorkingTree.from_rows(rows, 2, {1: 5, 2: 1})  # level 2 is full
    assert tree.place(("Food", "Bread")) is None
    assert tree.planned() == []  # a refused path plans nothing
    assert tree.full_levels() == [2]
    assert tree.place(("Sky", "Stars")) is not None


def test_an_open_chain_keeps_its_slot() -> None:
    tree = WorkingTree(3, {1: 2, 2: 2, 3: 2})
    first = tree.get_or_plan(tree.root, "A")
    second = tree.get_or_plan(tree.root, "B")
    assert first is not None and second is not None
    # Two open chains hold both slots of levels 2 and 3: no third branch anywhere.
    assert tree.full_levels() == [1, 2, 3]
    assert not tree.can_create_under(tree.root)
    child = tree.get_or_plan(first, "A1")
    assert child is not None  # filling an open chain is always allowed
    assert tree.get_or_plan(first, "A2") is None  # B's chain still needs the last slot
    assert tree.place(("B", "B1", "B2")) is not None
    assert [tree.count(level) for level in (1, 2, 3)] == [2, 2, 1]


@given(
    limits=st.tuples(*(st.integers(1, 4) for _ in range(3))),
    paths=st.lists(st.tuples(*(st.sampled_from("abcde") for _ in range(3))), max_size=40),
)
def test_no_sequence_of_paths_exceeds_the_limits(
    limits: tuple[int, int, int], paths: list[tuple[str, str, str]]
) -> None:
    tree = WorkingTree(3, dict(enumerate(limits, 1)))
    for path in paths:
        tree.place(path)
        for level, limit in enumerate(limits, 1):
            assert tree.count(level) <= limit
    # Every planned category ends at a leaf of the full depth.
    assert all(len(path) == 3 for path in tree.leaf_paths())


def test_batches_keep_order() -> None:
    assert split_batches(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]


def test_answers_are_checked_per_chunk() -> None:
    answers = check_categories(
        [
            ChunkCategory(id=1, category=" Sky "),
            ChunkCategory(id=3, category="A"),
            ChunkCategory(id=3, category="B"),
            ChunkCategory(id=4, category=""),
            ChunkCategory(id=9, category="Unknown id"),
        ],
        5,
    )
    assert answers[0].names == ("Sky",)
    assert [answer.problem is not None for answer in answers] == [False, True, True, True, True]
    assert "more than once" in (answers[2].problem or "")
    paths = check_paths([ChunkPath(id=1, path=["A", "B"]), ChunkPath(id=2, path=["A"])], 2, 2)
    assert paths[0].ok and not paths[1].ok


def test_every_path_of_a_limited_tree_is_reachable_in_some_order() -> None:
    tree = WorkingTree(2, {1: 2, 2: 3})
    placed = [tree.place(path) for path in itertools.product("ab", "xy")]
    assert sum(node is not None for node in placed) == 3
