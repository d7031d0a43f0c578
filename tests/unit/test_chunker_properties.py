"""Property-based proof of the chunker's guarantees, on generated texts and every tokenizer.

Counts are checked against each model's tokenizer loaded here directly — tiktoken's own
encodings, and the tokenizer files litellm bundles read with the ``tokenizers`` library —
never through memoir_ai's counter, so a drifted count or a wrong tokenizer choice fails.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memoir_ai.text.chunker import DEFAULT_DELIMITERS, TextChunk, TextChunker
from tests.chunk_checks import (
    LIMITS,
    MODELS,
    TEXTS,
    check_chunks,
    check_cover_and_counts,
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(text=TEXTS, limits=LIMITS, model=st.sampled_from(MODELS))
def test_chunks_keep_every_guarantee(text: str, limits: tuple[int, int], model: str) -> None:
    chunker = TextChunker(min_tokens=limits[0], max_tokens=limits[1], model_name=model)
    check_chunks(text, chunker.chunk_text(text, source_id="s"), chunker)


@pytest.mark.parametrize("model", MODELS)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(texts=st.lists(TEXTS, min_size=1, max_size=8).map("".join), limits=LIMITS)
def test_counts_are_one_encode_with_the_models_own_tokenizer(
    model: str, texts: str, limits: tuple[int, int]
) -> None:
    chunker = TextChunker(min_tokens=limits[0], max_tokens=limits[1], model_name=model)
    check_cover_and_counts(texts, chunker.chunk_text(texts), chunker)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=TEXTS,
    limits=LIMITS,
    delimiters=st.lists(st.sampled_from([".", ";", "\n", "。", ", ", "--"]), max_size=3),
)
def test_custom_delimiters_keep_every_guarantee(
    text: str, limits: tuple[int, int], delimiters: list[str]
) -> None:
    chunker = TextChunker(limits[0], limits[1], delimiters=delimiters)
    check_chunks(text, chunker.chunk_text(text), chunker)


@settings(max_examples=30, deadline=None)
@given(text=TEXTS)
def test_text_below_the_minimum_is_one_chunk_with_a_warning(text: str) -> None:
    chunker = TextChunker(min_tokens=10_000, max_tokens=20_000)
    handler = _Capture()
    logger = logging.getLogger("memoir_ai.text.chunker")
    logger.addHandler(handler)
    try:
        chunks = chunker.chunk_text(text)
    finally:
        logger.removeHandler(handler)
    assert [chunk.content for chunk in chunks] == [text]
    assert any("fewer than the minimum" in message for message in handler.messages)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_default_delimiters_are_sentence_ends_and_line_breaks() -> None:
    assert "." in DEFAULT_DELIMITERS and "\n" in DEFAULT_DELIMITERS and "。" in DEFAULT_DELIMITERS


@pytest.mark.parametrize("model", MODELS)
def test_property_checker_catches_a_broken_chunking(model: str) -> None:
    """The checker above is not vacuous: a lost character or a wrong count fails it."""
    chunker = TextChunker(5, 20, model_name=model)
    text = "One sentence here. Another sentence there. " * 8
    chunks = chunker.chunk_text(text)
    check_chunks(text, chunks, chunker)
    broken = [
        *chunks[:-1],
        TextChunk(
            chunks[-1].content[:-1], 0, chunks[-1].start_offset, len(text) - 1, len(chunks) - 1
        ),
    ]
    with pytest.raises(AssertionError):
        check_chunks(text, broken, chunker)
    miscounted = [replace(chunks[0], token_count=chunks[0].token_count + 1), *chunks[1:]]
    with pytest.raises(AssertionError):
        check_cover_and_counts(text, miscounted, chunker)


def test_property_checker_catches_counts_of_another_tokenizer() -> None:
    """gpt-4o counts with o200k_base: chunks counted with cl100k_base fail the check."""
    text = "日本語のテキストです。次の文もあります。東京は日本の首都です。" * 30
    cl100k_chunks = TextChunker(20, 60, model_name="offline").chunk_text(text)
    check_cover_and_counts(text, cl100k_chunks, TextChunker(20, 60, model_name="offline"))
    with pytest.raises(AssertionError):
        check_cover_and_counts(text, cl100k_chunks, TextChunker(20, 60, model_name="gpt-4o"))
