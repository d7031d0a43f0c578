"""Output types and agents are built once per shape, not once per call."""

from __future__ import annotations

from memoir_ai.llm import schemas
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.schemas import LLMPurpose


def test_the_same_shape_gives_the_same_output_type() -> None:
    assert schemas.selection_output(["Moon", "Sun"], 1) is schemas.selection_output(
        ("Moon", "Sun"), 1
    )
    assert schemas.answer_output([1, 2]) is schemas.answer_output([1, 2])
    assert schemas.summary_output([3]) is schemas.summary_output([3])
    full = schemas.classification_output(["Moon"], allow_new=False, count=5)
    assert full is schemas.classification_output(["Moon"], allow_new=False, count=5)
    assert schemas.path_classification_output(3, 5) is schemas.path_classification_output(3, 5)


def test_a_different_shape_gives_a_different_output_type() -> None:
    assert schemas.selection_output(["Moon", "Sun"], 1) is not schemas.selection_output(
        ["Moon", "Sun"], 2
    )
    assert schemas.answer_output([1, 2]) is not schemas.answer_output([1, 3])
    # Where new names are allowed the existing ones do not change the type.
    assert schemas.classification_output(["A"], True, 5) is schemas.classification_output(
        ["B"], True, 5
    )


def test_the_factory_builds_one_agent_per_shape() -> None:
    factory = AgentFactory()
    output_type = schemas.answer_output([1, 2])
    first = factory.build(output_type, LLMPurpose.ANSWER)
    assert factory.build(schemas.answer_output([1, 2]), LLMPurpose.ANSWER) is first
    assert factory.build(output_type, LLMPurpose.SUMMARIZE) is not first
    assert factory.build(schemas.answer_output([1]), LLMPurpose.ANSWER) is not first


def test_batch_sizes_bound_the_lists_shown_to_the_model() -> None:
    schema = schemas.classification_output([], True, 4).model_json_schema()
    assert schema["properties"]["chunks"]["maxItems"] == 4
    paths = schemas.path_classification_output(2, 3).model_json_schema()
    assert paths["properties"]["chunks"]["maxItems"] == 3
