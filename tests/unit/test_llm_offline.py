"""The offline model answers every purpose with valid typed output, deterministically."""

from __future__ import annotations

import asyncio
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from memoir_ai.llm import prompts, schemas
from memoir_ai.llm.agents import AgentFactory, LLMCallRecord, LLMSettings
from memoir_ai.llm.prompts import AnswerChunk, CandidateCategory, PromptChunk, SummaryChunk
from memoir_ai.llm.schemas import LLMPurpose

T = TypeVar("T", bound=BaseModel)

STARS = (
    "Stars are born in clouds of gas. A star shines by fusing hydrogen in its core. "
    "Massive stars end as supernovae."
)
BREAD = "Knead the dough with flour and yeast. Bake the bread in a hot oven until golden."


def _run(
    output_type: type[T], prompt: str, purpose: LLMPurpose, mode: str = "native"
) -> tuple[T, LLMCallRecord]:
    factory = AgentFactory(LLMSettings(structured_output=mode))  # type: ignore[arg-type]
    return asyncio.run(factory.call(output_type, prompt, purpose))


MODES = pytest.mark.parametrize("mode", ["native", "tool"])


@MODES
def test_helper_reads_title_author_date_and_topic(mode: str) -> None:
    excerpt = "By Ada Lovelace\nDate: 1843-09-01\n\n" + STARS + " " + STARS
    prompt = prompts.helper_prompt(
        excerpt, source_id="s1", file_name="star_notes.txt", title="Notes on Stars"
    )
    helper, record = _run(schemas.GeneratedHelper, prompt, LLMPurpose.HELPER, mode)
    assert helper.title == "Notes on Stars"
    assert helper.author == "Ada Lovelace"
    assert helper.date == "1843-09-01"
    assert helper.topic.startswith("stars")
    assert "Stars are born in clouds of gas." in helper.summary
    assert record.structured_output == mode


def test_helper_without_title_uses_the_file_name_and_says_unknown() -> None:
    prompt = prompts.helper_prompt(BREAD, source_id="s2", file_name="weekend_baking.md")
    helper, _ = _run(schemas.GeneratedHelper, prompt, LLMPurpose.HELPER)
    assert helper.title == "Weekend Baking"
    assert (helper.author, helper.date) == ("unknown", "unknown")


@MODES
def test_classification_answers_every_chunk_by_id_only(mode: str) -> None:
    chunks = [PromptChunk(1, STARS), PromptChunk(2, BREAD), PromptChunk(3, STARS)]
    prompt = prompts.classification_prompt(chunks, level=1, depth=3, existing=[], allow_new=True)
    output, _ = _run(schemas.classification_output([], True), prompt, LLMPurpose.CLASSIFY, mode)
    assert [item.id for item in output.chunks] == [1, 2, 3]
    names = [item.category for item in output.chunks]
    assert names[0] == names[2] != names[1]
    assert all(schemas.category_name_problem(name) is None for name in names)


def test_existing_category_is_reused_when_its_words_fit() -> None:
    prompt = prompts.classification_prompt(
        [PromptChunk(1, STARS)],
        level=1,
        depth=3,
        existing=["Bread & Oven", "Stars"],
        allow_new=True,
    )
    output, _ = _run(
        schemas.classification_output(["Bread & Oven", "Stars"], True), prompt, LLMPurpose.CLASSIFY
    )
    assert output.chunks[0].category == "Stars"


@MODES
def test_full_level_picks_the_best_existing_name(mode: str) -> None:
    existing = ["Gardening", "Bread & Oven", "Football"]
    prompt = prompts.classification_prompt(
        [PromptChunk(1, BREAD), PromptChunk(2, STARS)],
        level=2,
        depth=3,
        existing=existing,
        allow_new=False,
        parent_path=["Food"],
    )
    output_type = schemas.classification_output(existing, allow_new=False)
    output, _ = _run(output_type, prompt, LLMPurpose.CLASSIFY, mode)
    assert output.chunks[0].category == "Bread & Oven"
    # Nothing fits the second chunk, and no new name may be made: an existing one is used.
    assert output.chunks[1].category in existing


def test_whole_path_answers_have_depth_names_and_reuse_branches() -> None:
    prompt = prompts.path_classification_prompt(
        [PromptChunk(1, BREAD)], depth=3, tree=[["Bread & Oven", "Dough", "Yeast"], ["Stars"]]
    )
    output, _ = _run(schemas.path_classification_output(3), prompt, LLMPurpose.CLASSIFY, "tool")
    (item,) = output.chunks
    assert len(item.path) == 3
    assert item.path[0] == "Bread & Oven"


def test_whole_path_respects_full_levels() -> None:
    prompt = prompts.path_classification_prompt(
        [PromptChunk(1, STARS)], depth=2, tree=[["Bread & Oven", "Dough"]], full_levels=[1, 2]
    )
    output, _ = _run(schemas.path_classification_output(2), prompt, LLMPurpose.CLASSIFY)
    assert output.chunks[0].path == ["Bread & Oven", "Dough"]


@MODES
def test_selection_ranks_the_matching_category_highest(mode: str) -> None:
    names = ["Cooking", "Football", "Stars & Planets", "Castles"]
    prompt = prompts.selection_prompt(
        "How are stars born?",
        candidates=[CandidateCategory(name) for name in names],
        count=2,
        level=1,
        depth=3,
    )
    output, _ = _run(schemas.selection_output(names, 2), prompt, LLMPurpose.SELECT, mode)
    assert output.ranked_names()[0] == "Stars & Planets"
    assert sorted(c.ranked_relevance for c in output.categories) == [1, 2]


def test_selection_uses_descriptions() -> None:
    candidates = [
        CandidateCategory("Group A", "bread and ovens"),
        CandidateCategory("Group B", "stars"),
    ]
    prompt = prompts.selection_prompt(
        "baking bread", candidates=candidates, count=1, level=1, depth=2
    )
    output, _ = _run(schemas.selection_output(["Group A", "Group B"], 1), prompt, LLMPurpose.SELECT)
    assert output.ranked_names() == ["Group A"]


def test_summaries_respect_targets() -> None:
    chunks = [SummaryChunk(4, STARS, 60), SummaryChunk(8, BREAD, 20), SummaryChunk(9, STARS, 0)]
    prompt = prompts.summary_prompt(chunks)
    output, _ = _run(schemas.summary_output([4, 8, 9]), prompt, LLMPurpose.SUMMARIZE)
    by_id = {item.id: item.summary for item in output.summaries}
    assert set(by_id) == {4, 8, 9}
    assert 0 < len(by_id[4]) <= 60 and by_id[4] in STARS
    assert 0 < len(by_id[8]) <= 20
    assert by_id[9] == ""


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=400
    ),
    target=st.integers(min_value=0, max_value=300),
)
def test_summary_never_exceeds_its_target(text: str, target: int) -> None:
    from memoir_ai.llm import offline

    summary = offline._summary(text, target, offline.lexical.profile(""))
    assert len(summary) <= target


@MODES
def test_answer_is_extractive_and_cites_only_chunks_shown(mode: str) -> None:
    prompt = prompts.answer_prompt(
        "How does a star shine?",
        [AnswerChunk(31, BREAD, ["Food"]), AnswerChunk(57, STARS, ["Sky", "Stars"])],
    )
    output, _ = _run(schemas.answer_output([31, 57]), prompt, LLMPurpose.ANSWER, mode)
    assert "A star shines by fusing hydrogen in its core." in output.answer
    assert output.cited_chunk_ids == [57]


def test_answer_with_no_shared_word_cites_nothing() -> None:
    prompt = prompts.answer_prompt("Who won the cup final?", [AnswerChunk(3, BREAD)])
    output, _ = _run(schemas.answer_output([3]), prompt, LLMPurpose.ANSWER)
    assert output.cited_chunk_ids == []
    assert "None of the retrieved chunks" in output.answer


def test_same_input_same_output() -> None:
    chunks = [PromptChunk(1, STARS), PromptChunk(2, BREAD)]
    prompt = prompts.classification_prompt(chunks, level=1, depth=2, existing=["X"], allow_new=True)
    first, _ = _run(schemas.classification_output(["X"], True), prompt, LLMPurpose.CLASSIFY)
    second, _ = _run(schemas.classification_output(["X"], True), prompt, LLMPurpose.CLASSIFY)
    assert first == second
