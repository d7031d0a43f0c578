"""Every prompt, read as the model reads it."""

from __future__ import annotations

from memoir_ai.llm import prompts
from memoir_ai.llm.prompts import AnswerChunk, CandidateCategory, PromptChunk, SummaryChunk
from memoir_ai.llm.schemas import LLMPurpose

CHUNKS = [PromptChunk(1, "First text."), PromptChunk(2, "Second text,\non two lines.")]


def test_classification_prompt_numbers_chunks_in_triple_quotes() -> None:
    text = prompts.classification_prompt(
        CHUNKS, level=1, depth=3, existing=[], allow_new=True, helper="Title: Notes."
    )
    assert (
        'Chunk 1:\n"""\nFirst text.\n"""\n\nChunk 2:\n"""\nSecond text,\non two lines.\n"""' in text
    )
    assert text.index("Chunk 1:") < text.index("Chunk 2:")
    assert 'Source description:\n"""\nTitle: Notes.\n"""' in text
    assert "Level: 1 of 3." in text
    assert "none yet" in text
    assert '{"chunks": [{"id": 1, "category": "..."}' in text
    assert "never repeat the text" in text


def test_classification_prompt_shows_existing_categories_under_the_parent() -> None:
    text = prompts.classification_prompt(
        CHUNKS,
        level=2,
        depth=3,
        existing=["Stars", "Planets"],
        allow_new=True,
        parent_path=["Astronomy"],
    )
    assert "Parent path: Astronomy" in text
    assert (
        "Existing categories at level 2 under the parent category Astronomy "
        "(reuse one whenever it fits):\n- Stars\n- Planets\n" in text
    )
    assert "Create a new category only when no existing one fits" in text
    assert "is full" not in text


def test_full_level_says_only_existing_names_may_be_used() -> None:
    text = prompts.classification_prompt(
        CHUNKS, level=1, depth=2, existing=["Astronomy"], allow_new=False
    )
    assert "Level 1 is full: choose one of the existing categories" in text
    assert "Create a new category" not in text


def test_triple_quotes_inside_text_cannot_close_the_block() -> None:
    text = prompts.classification_prompt(
        [PromptChunk(1, 'He said """stop""" twice.')],
        level=1,
        depth=1,
        existing=[],
        allow_new=True,
    )
    assert "He said '''stop''' twice." in text
    assert text.count('"""') == 2


def test_path_prompt_draws_the_tree_as_an_outline() -> None:
    tree = [["Astronomy", "Stars", "Life"], ["Cooking", "Bread", "Yeast"], ["Astronomy", "Planets"]]
    text = prompts.path_classification_prompt(CHUNKS, depth=3, tree=tree, full_levels=[1])
    assert (
        "- Astronomy\n  - Stars\n    - Life\n  - Planets\n- Cooking\n  - Bread\n    - Yeast\n"
        in text
    )
    assert "path of exactly 3 levels" in text
    assert "Level 1 is full: at level 1 use only names that already exist there." in text
    assert 'Chunk 2:\n"""\nSecond text,' in text


def test_selection_prompt_names_query_candidates_and_ranking_rule() -> None:
    text = prompts.selection_prompt(
        "Which planet is largest?",
        candidates=[CandidateCategory("Stars"), CandidateCategory("Planets", "giant worlds")],
        count=2,
        level=2,
        depth=3,
        parent_path=["Astronomy"],
        helpers=["Title: Sky notes."],
    )
    assert text.startswith('Question:\n"""\nWhich planet is largest?\n"""')
    assert "Level: 2 of 3. Parent path: Astronomy" in text
    assert "Candidate categories:\n- Stars\n- Planets: giant worlds\n" in text
    assert "Choose exactly 2 of these categories" in text
    assert "the most relevant category gets 2" in text
    assert 'Source description:\n"""\nTitle: Sky notes.\n"""' in text


def test_summary_prompt_gives_each_chunk_its_character_target() -> None:
    text = prompts.summary_prompt(
        [SummaryChunk(7, "Long text.", 120), SummaryChunk(9, "Other.", 40)], query="What?"
    )
    assert 'Chunk 7 (at most 120 characters):\n"""\nLong text.\n"""' in text
    assert 'Chunk 9 (at most 40 characters):\n"""\nOther.\n"""' in text
    assert 'Question:\n"""\nWhat?\n"""' in text


def test_answer_prompt_shows_ids_and_category_paths() -> None:
    text = prompts.answer_prompt(
        "Why?",
        [AnswerChunk(12, "Because.", ["A", "B", "C"]), AnswerChunk(15, "Also.")],
        helpers=["Title: T."],
    )
    assert 'Chunk 12 (category: A > B > C):\n"""\nBecause.\n"""' in text
    assert 'Chunk 15:\n"""\nAlso.\n"""' in text
    assert "cited_chunk_ids" in text


def test_helper_prompt_carries_names_headers_and_excerpt() -> None:
    text = prompts.helper_prompt(
        "Opening words.",
        source_id="doc-1",
        file_name="notes.md",
        title="Sky Notes",
        headers=["Stars", "Planets"],
    )
    assert "Source id: doc-1\nFile name: notes.md\nDetected title: Sky Notes\n" in text
    assert "Headers:\n- Stars\n- Planets\n" in text
    assert 'Opening excerpt:\n"""\nOpening words.\n"""' in text
    assert "'unknown'" in text


def test_every_purpose_has_instructions() -> None:
    for purpose in LLMPurpose:
        assert len(prompts.instructions(purpose)) > 40
