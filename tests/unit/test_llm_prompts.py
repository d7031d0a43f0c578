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
    assert 'Example of the form only (other chunks, other names): {"chunks": [{"id": 1, ' in text
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
    assert "Write unknown for every field they do not state" in text


def test_every_purpose_has_instructions() -> None:
    for purpose in LLMPurpose:
        assert len(prompts.instructions(purpose)) > 40


def _every_prompt() -> list[prompts.Prompt]:
    return [
        prompts.helper_prompt("Opening words.", source_id="doc-1", file_name="notes.md"),
        prompts.classification_prompt(CHUNKS, level=1, depth=3, existing=["Stars"], allow_new=True),
        prompts.classification_prompt(
            CHUNKS, level=2, depth=2, existing=["Stars"], allow_new=False, parent_path=["Sky"]
        ),
        *(
            prompts.path_classification_prompt(CHUNKS, depth=depth, tree=[["Sky", "Stars"]])
            for depth in (1, 3, 6, 12)
        ),
        prompts.selection_prompt(
            "Why?", candidates=[CandidateCategory("Stars")], count=1, level=1, depth=3
        ),
        prompts.summary_prompt([SummaryChunk(7, "Long text.", 120)], query="What?"),
        prompts.answer_prompt("Why?", [AnswerChunk(12, "Because.", ["A", "B"])]),
    ]


def test_no_prompt_holds_a_placeholder_a_model_could_copy_as_a_value() -> None:
    import re

    for prompt in _every_prompt():
        text = prompt + "\n" + "\n".join(prompts.instructions(purpose) for purpose in LLMPurpose)
        assert "..." not in text and "…" not in text
        assert not re.search(r"level \d+ name|category name\"|\"name\"|<[a-z ]+>", text), text
        assert '"N"' not in text and ": N," not in text


def test_every_example_is_marked_as_an_example_and_has_real_looking_names() -> None:
    for prompt in _every_prompt():
        for line in prompt.splitlines():
            if '{"chunks"' in line:
                assert line.startswith("Example of the form only"), line
                assert "Vegetables" in line or "Gardening" in line


def test_naming_rules_are_stated_where_a_new_category_may_be_made() -> None:
    rules = "1 to 4 words, at most 60 characters, no sentence punctuation"
    assert rules in prompts.instructions(LLMPurpose.CLASSIFY)
    assert rules in prompts.classification_prompt(
        CHUNKS, level=1, depth=3, existing=[], allow_new=True
    )
    assert rules in prompts.path_classification_prompt(CHUNKS, depth=3, tree=[])
    assert "never the opening words of a chunk" in prompts.instructions(LLMPurpose.CLASSIFY)


def test_helpers_are_told_to_say_unknown_and_never_guess() -> None:
    assert "unknown" in prompts.instructions(LLMPurpose.HELPER)
    assert "Never guess a name or a date" in prompts.instructions(LLMPurpose.HELPER)


def test_every_prompt_carries_its_typed_inputs() -> None:
    from memoir_ai.llm import inputs

    prompt = prompts.classification_prompt(
        CHUNKS, level=2, depth=3, existing=["Stars"], allow_new=True, parent_path=["Sky"]
    )
    assert prompt.inputs == inputs.ClassificationInputs(
        tuple(CHUNKS), 2, 3, ("Stars",), True, ("Sky",), None
    )
    assert all(prompt.inputs is not None for prompt in _every_prompt())
