"""The chunker's guarantees as reusable checks, with each model's own tokenizer as reference.

Counts are checked against each model's tokenizer loaded here directly — tiktoken's own
encodings, and the tokenizer files litellm bundles read with the ``tokenizers`` library —
never through memoir_ai's counter, so a drifted count or a wrong tokenizer choice fails.
Data and checks only: the tests live in ``tests/unit/test_chunker*.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import tiktoken
from hypothesis import strategies as st

from memoir_ai.text._cuts import WHITE_SPACE, CutFinder, is_grapheme_boundary
from memoir_ai.text.chunker import TextChunk, TextChunker
from tests.reference_tokenizers import litellm_tokenizers_folder

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
