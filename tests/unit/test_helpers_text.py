"""Contextual helpers without a model: titles, excerpts, user fields and the token ceiling."""

from __future__ import annotations

import pytest

from memoir_ai import ValidationError
from memoir_ai.helpers.compose import (
    DESCRIPTION_MAX_TOKENS,
    HELPER_MAX_TOKENS,
    UNKNOWN,
    HelperFields,
    compose_helper,
    detect_headers,
    detect_title,
    fit_to_tokens,
    join_chunks,
    parse_helper_date,
    sample_source,
    validate_helper_fields,
)
from memoir_ai.text.tokens import get_token_counter

count = get_token_counter("gpt-4o").count


def test_title_comes_from_a_title_line_then_a_heading_then_the_file_name() -> None:
    assert detect_title("Title: The Moons of Jupiter\n\nText.") == "The Moons of Jupiter"
    assert detect_title("Intro line\n\n# Bread Baking\n\nFlour.") == "Bread Baking"
    assert detect_title("just prose, no heading", "field_notes-2024.txt") == "field notes 2024"
    assert detect_title("just prose") is None


def test_headers_are_markdown_headings_outside_code_fences() -> None:
    text = "# One\n\ntext\n\nTwo\n---\n\n```\n# not a heading\n```\n\n### Three ###\n"
    assert detect_headers(text) == ["One", "Two", "Three"]
    assert detect_headers(text, limit=2) == ["One", "Two"]


def test_sample_takes_five_chunks_when_they_are_under_the_token_limit() -> None:
    chunks = [f"Chunk number {index} about orbits." for index in range(8)]
    sample = sample_source(chunks, source_id="s1", count_tokens=count, file_name="orbits.md")
    assert sample.excerpt_chunks == 5
    assert sample.excerpt == "\n\n".join(chunks[:5])
    assert sample.excerpt_tokens == sum(count(chunk) for chunk in chunks[:5])
    assert sample.title == "orbits"


def test_sample_stops_at_the_token_limit_when_that_is_smaller() -> None:
    chunks = ["word " * 900, "more " * 900, "again " * 900]
    sample = sample_source(chunks, source_id="s1", count_tokens=count, max_tokens=2000)
    assert sample.excerpt_tokens <= 2000
    assert count(sample.excerpt) <= 2000 + 2  # joining adds at most the separators
    assert sample.excerpt_tokens > 1900
    assert sample.excerpt_chunks == 3


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05T10:30:00", "2024-03-05T10:30:00"),
        ("2024-03", "2024-03"),
        ("1851", "1851"),
        (" Unknown ", UNKNOWN),
    ],
)
def test_dates_are_iso_8601_or_unknown(typed: str, stored: str) -> None:
    assert parse_helper_date(typed) == stored


@pytest.mark.parametrize("typed", ["March 5th", "2024-13", "05/03/2024", "", "2024-02-30"])
def test_unparsable_dates_are_refused_with_the_format_to_use(typed: str) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        parse_helper_date(typed)


def test_description_over_200_tokens_is_refused() -> None:
    long = "An exceedingly verbose description. " * 60
    assert count(long) > DESCRIPTION_MAX_TOKENS
    with pytest.raises(ValidationError, match="at most 200 tokens"):
        validate_helper_fields(HelperFields(description=long), count)


def test_fields_are_normalised_and_composed_within_the_ceiling() -> None:
    fields = validate_helper_fields(
        HelperFields(author="  Ada  Lovelace ", date="1843-09-01", topic="", description="Notes."),
        count,
    )
    assert fields == HelperFields(
        author="Ada Lovelace", date="1843-09-01", topic=UNKNOWN, description="Notes."
    )
    text = compose_helper(fields, count)
    assert text == "Author: Ada Lovelace. Date: 1843-09-01. Topic: unknown. Notes."
    assert count(text) <= HELPER_MAX_TOKENS


def test_fit_to_tokens_cuts_at_a_sentence_within_the_limit() -> None:
    text = " ".join(f"Sentence number {index} is here." for index in range(200))
    fitted = fit_to_tokens(text, 50, count)
    assert count(fitted) <= 50
    assert fitted.endswith("is here.")
    assert text.startswith(fitted)
    assert fit_to_tokens("short text", 50, count) == "short text"


def test_fit_to_tokens_falls_back_to_a_word_boundary() -> None:
    text = "word " * 500
    fitted = fit_to_tokens(text, 40, count)
    assert count(fitted) <= 40
    assert fitted.endswith("word")


def test_fit_to_tokens_cuts_cjk_text_after_a_full_stop() -> None:
    text = "木星的卫星很多。" * 100
    fitted = fit_to_tokens(text, 60, count)
    assert 30 < count(fitted) <= 60
    assert fitted.endswith("。")
    assert text.startswith(fitted)


def test_join_chunks_keeps_exact_slices_and_separates_stripped_ones() -> None:
    assert join_chunks(["# Title\n\n", "Body one. ", "Body two."]) == (
        "# Title\n\nBody one. Body two."
    )
    assert join_chunks(["First chunk.", "Second chunk."]) == "First chunk.\n\nSecond chunk."
    assert join_chunks([]) == ""
