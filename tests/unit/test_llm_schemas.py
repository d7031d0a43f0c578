"""Typed outputs: what each purpose may answer, and what it may not."""

from __future__ import annotations

import pydantic
import pytest

from memoir_ai.errors import ClassificationError, ValidationError
from memoir_ai.llm import schemas


def test_open_level_accepts_any_name() -> None:
    output_type = schemas.classification_output(["Astronomy"], allow_new=True)
    parsed = output_type.model_validate({"chunks": [{"id": 1, "category": "Gardening"}]})
    assert parsed.chunks[0].category == "Gardening"


def test_full_level_admits_only_existing_names() -> None:
    output_type = schemas.classification_output(["Astronomy", "Cooking"], allow_new=False)
    schema = output_type.model_json_schema()
    assert schema["$defs"]["ChunkCategory"]["properties"]["category"]["enum"] == [
        "Astronomy",
        "Cooking",
    ]
    assert schema["title"] == "ChunkCategories"
    assert output_type.model_validate({"chunks": [{"id": 1, "category": "Cooking"}]})
    with pytest.raises(pydantic.ValidationError):
        output_type.model_validate({"chunks": [{"id": 1, "category": "Gardening"}]})
    assert issubclass(output_type, schemas.ChunkCategories)


def test_full_level_with_nothing_to_reuse_is_a_classification_error() -> None:
    with pytest.raises(ClassificationError, match="max_categories_per_level"):
        schemas.classification_output([], allow_new=False)


def test_category_name_problems() -> None:
    assert schemas.category_name_problem("Astronomy") is None
    assert "empty" in (schemas.category_name_problem("   ") or "")
    assert "characters" in (schemas.category_name_problem("x" * 101) or "")
    assert "control" in (schemas.category_name_problem("Bad\x00name") or "")
    assert "control" in (schemas.category_name_problem("Tab\tname") or "")


def test_paths_have_exactly_depth_names() -> None:
    output_type = schemas.path_classification_output(3)
    assert output_type.model_validate({"chunks": [{"id": 1, "path": ["a", "b", "c"]}]})
    with pytest.raises(pydantic.ValidationError):
        output_type.model_validate({"chunks": [{"id": 1, "path": ["a", "b"]}]})
    with pytest.raises(ValidationError):
        schemas.path_classification_output(0)


def test_selection_requires_unique_ranks_one_to_n() -> None:
    output_type = schemas.selection_output(["Stars", "Planets", "Moons"], count=2)
    good = output_type.model_validate(
        {
            "categories": [
                {"name": "Planets", "ranked_relevance": 2},
                {"name": "Moons", "ranked_relevance": 1},
            ]
        }
    )
    assert good.ranked_names() == ["Planets", "Moons"]
    bad_answers = [
        [{"name": "Planets", "ranked_relevance": 2}, {"name": "Moons", "ranked_relevance": 2}],
        [{"name": "Planets", "ranked_relevance": 3}, {"name": "Moons", "ranked_relevance": 1}],
        [{"name": "Planets", "ranked_relevance": 2}, {"name": "Comets", "ranked_relevance": 1}],
        [{"name": "Planets", "ranked_relevance": 2}, {"name": "Planets", "ranked_relevance": 1}],
        [{"name": "Planets", "ranked_relevance": 1}],
    ]
    for answer in bad_answers:
        with pytest.raises(pydantic.ValidationError):
            output_type.model_validate({"categories": answer})


def test_selection_count_is_capped_by_the_candidates() -> None:
    output_type = schemas.selection_output(["Stars"], count=3)
    parsed = output_type.model_validate({"categories": [{"name": "Stars", "ranked_relevance": 1}]})
    assert parsed.ranked_names() == ["Stars"]
    with pytest.raises(ValidationError):
        schemas.selection_output([], count=1)


def test_answers_and_summaries_may_only_name_chunks_shown() -> None:
    answer_type = schemas.answer_output([4, 9])
    assert answer_type.model_validate({"answer": "x", "cited_chunk_ids": [9]})
    with pytest.raises(pydantic.ValidationError):
        answer_type.model_validate({"answer": "x", "cited_chunk_ids": [5]})
    summary_type = schemas.summary_output([4])
    with pytest.raises(pydantic.ValidationError):
        summary_type.model_validate({"summaries": [{"id": 5, "summary": "s"}]})
    with pytest.raises(ValidationError):
        schemas.answer_output([])


def test_generated_helper_composes_one_paragraph() -> None:
    helper = schemas.GeneratedHelper(
        title="Sky Notes",
        author="unknown",
        date="2024-05",
        topic="stars, planets",
        summary="Notes about the night sky.",
    )
    assert helper.to_text() == (
        "Title: Sky Notes. Author: unknown. Date: 2024-05. Topic: stars, planets. "
        "Notes about the night sky."
    )
