"""Finding a category by id or path on the public tree (pure: no database)."""

from __future__ import annotations

import pytest

from memoir_ai.browse import find_category
from memoir_ai.category_paths import parse_reference
from memoir_ai.errors import CategoryNotFoundError
from memoir_ai.results import CategoryNode, CategoryTree


def node(id_: int, name: str, level: int, parent: int | None, *kids: CategoryNode) -> CategoryNode:
    own = 1 if not kids else 0
    return CategoryNode(
        id=id_,
        name=name,
        level=level,
        parent_id=parent,
        chunk_count=own,
        total_chunks=own + sum(kid.total_chunks for kid in kids),
        children=kids,
    )


TREE = CategoryTree(
    roots=(
        node(1, "Astronomy", 1, None, node(2, "Moon", 2, 1), node(3, "Sun", 2, 1)),
        node(4, "Myths", 1, None, node(5, "Moon", 2, 4), node(6, "Heroes", 2, 4)),
    )
)


def test_ids_and_digit_strings_name_the_category_with_that_id() -> None:
    assert find_category(TREE, 5).path == ("Myths", "Moon")
    assert find_category(TREE, " 5 ").path == ("Myths", "Moon")
    assert parse_reference("12") == 12
    assert parse_reference("Astronomy > Moon") == "Astronomy > Moon"


def test_a_full_path_or_the_end_of_exactly_one_path_names_a_category() -> None:
    found = find_category(TREE, "Astronomy > Moon")
    assert (found.id, found.level, found.parent_id, found.total_chunks) == (2, 2, 1, 1)
    assert find_category(TREE, "Heroes").id == 6
    assert find_category(TREE, "Myths").total_chunks == 2


def test_an_ending_shared_by_several_paths_is_ambiguous_and_lists_them() -> None:
    with pytest.raises(CategoryNotFoundError) as caught:
        find_category(TREE, "Moon")
    assert caught.value.ambiguous
    assert caught.value.candidates == ("Astronomy > Moon (id 2)", "Myths > Moon (id 5)")


@pytest.mark.parametrize("reference", [99, "Nowhere", "Astronomy > Nowhere", "Astronomy > > Moon"])
def test_unknown_references_are_refused_with_a_remedy(reference: int | str) -> None:
    with pytest.raises(CategoryNotFoundError) as caught:
        find_category(TREE, reference)
    assert not caught.value.ambiguous
    assert caught.value.remedy
