"""Explicit cases of the chunker: validation, paragraphs, sentences, Unicode, CRLF, markdown."""

from __future__ import annotations

import logging
import random

import pytest

from memoir_ai.errors import ConfigurationError, ValidationError
from memoir_ai.text._cuts import is_grapheme_boundary
from memoir_ai.text.chunker import TextChunk, TextChunker
from tests.chunk_checks import check_chunks, reference_count

count_tokens = reference_count("offline")  # cl100k_base, loaded directly

SENTENCE = "The archive keeps every letter the family wrote since the war. "


def paragraph(sentences: int, seed: int) -> str:
    rng = random.Random(seed)
    words = ["memory", "river", "garden", "letter", "winter", "station", "harbor", "lantern"]
    out = []
    for _ in range(sentences):
        picked = [rng.choice(words) for _ in range(rng.randint(5, 12))]
        out.append(" ".join(picked).capitalize() + rng.choice([".", "!", "?"]))
    return " ".join(out)


@pytest.mark.parametrize("content", ["", "   ", "\n\n\t \r\n", "\u3000\u00a0"])
def test_blank_text_is_a_validation_error_that_says_so(content: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TextChunker().chunk_text(content)
    expected = "empty" if not content else "whitespace-only"
    assert expected in str(caught.value)
    assert caught.value.remedy


@pytest.mark.parametrize(
    ("min_tokens", "max_tokens", "fragment"),
    [
        (500, 300, "must be smaller"),
        (300, 300, "must be smaller"),
        (0, 300, "min_tokens must be a positive"),
        (-5, 300, "min_tokens must be a positive"),
        (10, 0, "max_tokens must be a positive"),
        (True, 300, "min_tokens must be a positive"),
    ],
)
def test_bad_limits_are_configuration_errors(
    min_tokens: int, max_tokens: int, fragment: str
) -> None:
    with pytest.raises(ConfigurationError, match=fragment) as caught:
        TextChunker(min_tokens=min_tokens, max_tokens=max_tokens)
    assert caught.value.remedy


@pytest.mark.parametrize("delimiters", [".", ["."] + [""], [None]])
def test_bad_delimiters_are_configuration_errors(delimiters: object) -> None:
    with pytest.raises(ConfigurationError, match="delimiters"):
        TextChunker(delimiters=delimiters)  # type: ignore[arg-type]


def test_short_text_is_one_chunk_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="memoir_ai.text.chunker"):
        chunks = TextChunker().chunk_text("A short note.", source_id="note-1")
    assert chunks == [
        TextChunk(
            content="A short note.",
            token_count=count_tokens("A short note."),
            start_offset=0,
            end_offset=13,
            position=0,
            source_id="note-1",
            boundary="end",
            metadata={"position": 0, "chunk_count": 1, "boundary": "end"},
        )
    ]
    assert "fewer than the minimum chunk size of 300" in caplog.text
    assert "note-1" in caplog.text


def test_text_between_min_and_max_is_one_chunk_without_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = SENTENCE * 40
    assert 300 <= count_tokens(text) <= 500
    with caplog.at_level(logging.WARNING):
        chunks = TextChunker().chunk_text(text)
    assert [chunk.content for chunk in chunks] == [text]
    assert caplog.text == ""


def test_default_sizes_on_prose() -> None:
    text = "\n\n".join(paragraph(random.Random(i).randint(2, 9), i) for i in range(120))
    chunker = TextChunker()
    chunks = chunker.chunk_text(text, source_id="prose")
    assert len(chunks) > 5
    assert all(300 <= chunk.token_count <= 500 for chunk in chunks[:-1])
    assert {chunk.source_id for chunk in chunks} == {"prose"}
    check_chunks(text, chunks, chunker)


def test_paragraphs_that_fit_stay_whole() -> None:
    paragraphs = [paragraph(4, seed) for seed in range(30)]
    text = "\n\n".join(paragraphs)
    chunker = TextChunker(min_tokens=60, max_tokens=200)
    chunks = chunker.chunk_text(text)
    assert all(chunk.boundary in ("paragraph", "end") for chunk in chunks)
    for chunk in chunks:
        assert chunk.content.rstrip("\n") in text
        assert chunk.content.endswith("\n\n") or chunk is chunks[-1]
    rebuilt = [p for chunk in chunks for p in chunk.content.split("\n\n") if p]
    assert rebuilt == paragraphs


def test_long_paragraph_splits_after_sentence_ends() -> None:
    text = paragraph(80, seed=7)
    chunker = TextChunker(min_tokens=40, max_tokens=80)
    chunks = chunker.chunk_text(text)
    assert len(chunks) > 3
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.content[-1] in ".!?"
        assert after.content.startswith(" ")  # the space belongs to the next word's token
    check_chunks(text, chunks, chunker)


def test_decimal_points_and_abbreviations_inside_words_are_not_cuts() -> None:
    text = "Pi is 3.14159 and e is 2.71828 and the file is notes.txt here " * 30
    chunks = TextChunker(min_tokens=10, max_tokens=30).chunk_text(text)
    for chunk in chunks[:-1]:
        assert chunk.boundary == "word"
        assert not chunk.content.endswith(("3.", "2.", "notes."))


def test_crlf_is_never_split_and_lines_end_chunks() -> None:
    lines = [paragraph(1, seed) for seed in range(200)]
    text = "\r\n".join(lines) + "\r\n"
    chunker = TextChunker(min_tokens=20, max_tokens=60)
    chunks = chunker.chunk_text(text)
    for chunk in chunks:
        assert not chunk.content.startswith("\n")
        assert chunk.content.endswith("\r\n")
        assert chunk.boundary in ("delimiter", "end")
    check_chunks(text, chunks, chunker)


def test_markdown_cuts_at_line_and_block_boundaries() -> None:
    blocks = []
    for i in range(25):
        blocks.append(f"## Section {i}\n\n{paragraph(3, i)}\n\n- first point {i}\n- second point\n")
        blocks.append(f"```python\ndef step_{i}(x):\n    return x * {i}\n```\n")
    text = "# Handbook\n\n" + "\n".join(blocks)
    chunker = TextChunker(min_tokens=30, max_tokens=90)
    chunks = chunker.chunk_text(text)
    for chunk in chunks[:-1]:
        assert chunk.content.endswith("\n")  # headings, list items and fences start lines
    check_chunks(text, chunks, chunker)


@pytest.mark.parametrize("model", ["offline", "openai:gpt-4o", "anthropic:claude-sonnet-4-5"])
def test_unicode_cjk_rtl_and_emoji(model: str) -> None:
    text = (
        "日本語の文章です。句読点で区切られています。" * 15
        + "\n\nمرحبا بالعالم. هذا نص عربي طويل. " * 15
        + "\n\nשלום עולם. זה טקסט בעברית. " * 15
        + "\n\n"
        + "👩‍👩‍👧‍👦🇫🇷👍🏽❤️e\u0301" * 30
    )
    chunker = TextChunker(min_tokens=15, max_tokens=45, model_name=model)
    chunks = chunker.chunk_text(text)
    check_chunks(text, chunks, chunker)
    cjk = [chunk for chunk in chunks if "日本" in chunk.content][:-1]
    assert cjk and all(chunk.content.endswith("。") for chunk in cjk)
    emoji = [chunk for chunk in chunks if chunk.boundary == "token"]
    assert emoji
    for chunk in emoji:  # every emoji sequence and accented letter stays whole
        assert is_grapheme_boundary(text, chunk.end_offset)
        assert not chunk.content.endswith("\u200d")
        assert text[chunk.end_offset] not in "\U0001f3fd\u0301\ufe0f\u200d"


def test_a_long_line_of_words_without_delimiters_splits_between_words() -> None:
    text = " ".join(f"word{i}" for i in range(3000))
    chunker = TextChunker(min_tokens=50, max_tokens=100)
    chunks = chunker.chunk_text(text)
    for chunk in chunks[:-1]:
        assert chunk.boundary == "word"
        assert chunk.content[-1].isdigit()
    check_chunks(text, chunks, chunker)


def test_custom_delimiters() -> None:
    text = "alpha; beta; gamma; delta; " * 100
    chunker = TextChunker(min_tokens=10, max_tokens=25, delimiters=[";"])
    chunks = chunker.chunk_text(text)
    assert all(chunk.content.endswith(";") for chunk in chunks[:-1])
    check_chunks(text, chunks, chunker)


def test_metadata_and_positions() -> None:
    text = "\n\n".join(paragraph(5, seed) for seed in range(20))
    chunks = TextChunker(min_tokens=40, max_tokens=120).chunk_text(text, source_id="doc")
    for position, chunk in enumerate(chunks):
        assert chunk.position == position
        assert chunk.metadata == {
            "position": position,
            "chunk_count": len(chunks),
            "boundary": chunk.boundary,
        }


def test_chunker_is_reusable_and_deterministic() -> None:
    chunker = TextChunker(min_tokens=20, max_tokens=50)
    text = paragraph(60, seed=1)
    assert chunker.chunk_text(text) == chunker.chunk_text(text)


@pytest.mark.parametrize("model", ["offline", "openai:gpt-4o", "anthropic:claude-sonnet-4-5"])
def test_lines_that_begin_with_a_slash_are_counted_exactly(model: str) -> None:
    """o200k reads ".\\n/" as one piece: a chunk that begins at "/" must be counted alone."""
    rng = random.Random(11)
    lines = [
        f"Step {i} is done.\n/usr/lib/{rng.choice(['apt', 'dpkg', 'x11'])}/bin --flag {i}:\n"
        for i in range(60)
    ]
    text = "".join(lines)
    chunker = TextChunker(min_tokens=4, max_tokens=12, model_name=model)
    chunks = chunker.chunk_text(text)
    assert sum(chunk.content.startswith("/") for chunk in chunks) > 5
    check_chunks(text, chunks, chunker)
