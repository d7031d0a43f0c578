"""Property-based proof of the chunker's guarantees, on generated texts and every tokenizer.

Counts are checked against each model's tokenizer loaded here directly — tiktoken's own
encodings, and the tokenizer files litellm bundles read with the ``tokenizers`` library —
never through memoir_ai's counter, so a drifted count or a wrong tokenizer choice fails.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import pytest
import tiktoken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memoir_ai.text._cuts import WHITE_SPACE, CutFinder, is_grapheme_boundary
from memoir_ai.text.chunker import DEFAULT_DELIMITERS, TextChunk, TextChunker

# Each spelling of a model name, and the tokenizer the model really counts with.
REFERENCE_TOKENIZERS = {
    "offline": "cl100k_base",
    "gpt-4o": "o200k_base",
    "openai:gpt-4o": "o200k_base",
    "openai/gpt-4o": "o200k_base",
    "azure:gpt-35-turbo": "cl100k_base",
    "anthropic:claude-sonnet-4-5": "anthropic_tokenizer.json",
    "claude-3-5-sonnet-20240620": "anthropic_tokenizer.json",
    # Not split GPT-style before spaces: every count is a whole re-encode.
    "deepseek:deepseek-chat": "deepseek_tokenizer.json",
}
MODELS = list(REFERENCE_TOKENIZERS)


def litellm_tokenizers_folder() -> Path:
    spec = find_spec("litellm")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"


# tiktoken reads the encoding files litellm ships (no download).
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(litellm_tokenizers_folder()))


@cache
def reference_count(model_name: str) -> Callable[[str], int]:
    """One encode of exactly the given text with the model's own tokenizer, loaded directly."""
    name = REFERENCE_TOKENIZERS[model_name]
    if name.endswith(".json"):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(litellm_tokenizers_folder() / name))
        return lambda text: len(tokenizer.encode(text).ids)
    encoding = tiktoken.get_encoding(name)
    return lambda text: len(encoding.encode(text, disallowed_special=()))


WORDS = st.sampled_from(
    ["the", "memory", "Tokenizer", "chunk", "a", "I", "don't", "we'll", "naïve", "café", "3.14"]
)
PIECES = st.one_of(
    WORDS,
    WORDS,
    st.sampled_from([" ", " ", " ", "  ", "\t", "\u00a0", "\u3000", "    ", "\x0c", "\x0b"]),
    st.sampled_from([". ", "! ", "? ", ".", "…", "。", "！", "？", '." ', ".) "]),
    st.sampled_from(["\n", "\n", "\r\n", "\n\n", "\r\n\r\n", "\n\n\n", "\r", " \n  "]),
    st.sampled_from(["\x0c\n", "\n\x0c\n", "\n\r", "\x85", "\u2028", "\n/", ".\n/", "\n  "]),
    st.sampled_from(["日本語", "中文字符", "한국어", "각"]),
    st.sampled_from(["مرحبا", "שלום", "עולם"]),
    st.sampled_from(["👩‍👩‍👧‍👦", "🇫🇷🇩🇪", "👍🏽", "❤️", "e\u0301", "z\u0336\u0335\u0334"]),
    st.sampled_from(["# Title\n", "- item\n", "1. step\n", "```python\n", "```\n", "    code\n"]),
    # Licence texts: symbols, rules, contractions, special-looking tokens, NFKC-changed
    # characters (the Claude tokenizer normalizes ¨, ´, ﬁ, ①, ㏂ and full-width forms).
    st.sampled_from(["(C)", "©", "<https://example.org/>", "'s", "’s", "----", "=====", "§"]),
    st.sampled_from(["<|endoftext|>", "<EOT>", "<META>", "¨", "´", "ﬁ", "①", "㏂", "ＡＢ"]),
    st.integers(1, 120).map(lambda n: "w" * n),
    st.integers(1, 40).map(lambda n: "日" * n),
    st.integers(1, 30).map(lambda n: " " * n),
    st.text(min_size=1, max_size=8),
)
TEXTS = st.lists(PIECES, min_size=1, max_size=120).map("".join).filter(lambda t: bool(t.strip()))
LIMITS = st.integers(2, 20).flatmap(lambda low: st.tuples(st.just(low), st.integers(low + 4, 40)))


def check_cover_and_counts(text: str, chunks: list[TextChunk], chunker: TextChunker) -> None:
    """Chunks cover the text exactly, in order, and each count is one reference encode."""
    count = reference_count(chunker.model_name)
    low, high = chunker.min_tokens, chunker.max_tokens
    assert chunks[0].start_offset == 0
    assert chunks[-1].end_offset == len(text)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.end_offset == after.start_offset
        assert text[before.end_offset - 1 : before.end_offset + 1] != "\r\n"
    for position, chunk in enumerate(chunks):
        assert text[chunk.start_offset : chunk.end_offset] == chunk.content
        assert chunk.content
        assert chunk.position == position
        # Exact counts, never above the maximum; only the last chunk may be short.
        assert chunk.token_count == count(chunk.content), chunk
        assert chunk.token_count <= high
        assert chunk.token_count >= low or chunk is chunks[-1], chunk


def check_chunks(text: str, chunks: list[TextChunk], chunker: TextChunker) -> None:
    """Every guarantee of the chunker, checked with the model's own tokenizer."""
    check_cover_and_counts(text, chunks, chunker)
    count = reference_count(chunker.model_name)
    low, high = chunker.min_tokens, chunker.max_tokens

    finder = CutFinder(chunker.delimiters)
    lines = finder.line_break_cuts(text, 0, len(text))
    paragraphs = {offset for offset, is_paragraph in lines if is_paragraph}
    delimiters = set(paragraphs)
    delimiters |= set(finder.delimiter_cuts(text, 0, len(text), len(text)))
    if finder.line_breaks_delimit:
        delimiters |= {offset for offset, _ in lines}
    words = {
        i for i in range(1, len(text)) if text[i] in WHITE_SPACE and text[i - 1] not in WHITE_SPACE
    }

    def fitting(start: int, offsets: set[int]) -> list[int]:
        return [o for o in offsets if start < o < len(text) and low <= count(text[start:o]) <= high]

    for chunk in chunks[:-1]:
        end = chunk.end_offset
        if chunk.boundary == "paragraph":
            assert end in paragraphs
        elif chunk.boundary == "delimiter":
            assert end in delimiters
            # A paragraph break that fits would have been chosen: paragraphs stay whole.
            assert not fitting(chunk.start_offset, paragraphs)
        else:
            # Off a delimiter only when no delimiter lies where the chunk may end ...
            assert not fitting(chunk.start_offset, delimiters), chunk
            if chunk.boundary == "word":
                assert end in words
            else:
                # ... and inside a word only when there is no word boundary either.
                assert chunk.boundary == "token"
                assert not fitting(chunk.start_offset, words), chunk
                if not is_grapheme_boundary(text, end):
                    # A user-perceived character is split only when no cut that keeps
                    # characters whole gives a chunk within the limits.
                    whole = {i for i in range(1, len(text)) if is_grapheme_boundary(text, i)}
                    assert not fitting(chunk.start_offset, whole), chunk


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
