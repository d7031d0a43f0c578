"""Token counts equal one encode with the model's own tokenizer, checked against it directly."""

from __future__ import annotations

import logging

import pytest
import tiktoken

from memoir_ai.text.tokens import TokenCounter, bare_model_name, count_tokens, get_token_counter
from tests.reference_tokenizers import bundled_tokenizer

CORPUS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog. It barked twice.\n\nA new paragraph.",
    "   leading spaces, trailing spaces   ",
    "Line one\r\nLine two\r\n\r\nLine four\n",
    "日本語のテキストです。次の文もあります。",
    "مرحبا بالعالم. هذا نص من اليمين إلى اليسار.",
    "Emoji: 👩‍👩‍👧‍👦 family, 🇫🇷 flag, 👍🏽 thumbs, ❤️ heart",
    "Combining: e\u0301 a\u0308 n\u0303 and Zalgo z\u0336\u0335\u0334o",
    "# Heading\n\n- item one\n- item two\n\n```python\ndef f(x):\n    return x ** 2\n```\n",
    "Numbers 3.14159 and 1,000,000 and 2026-11-23T10:00:00Z",
    "Special-looking text: <|endoftext|> <|im_start|> <EOT> <META>",
    "x" * 5000,
    "supercalifragilisticexpialidocious " * 50,
    "\t\ttabs\tand\u00a0non-breaking\u3000spaces\u2028line separator",
    "",
]

# Every spelling of a model counts with the tokenizer the model really uses.
TIKTOKEN_MODELS = [
    ("gpt-4o", "o200k_base"),
    ("openai:gpt-4o", "o200k_base"),
    ("openai/gpt-4o", "o200k_base"),
    ("openrouter/openai/gpt-4o-mini", "o200k_base"),
    ("gateway/openai:gpt-5", "o200k_base"),
    ("openai:gpt-5-nano", "o200k_base"),
    ("openai-compatible:gpt-4.1-mini", "o200k_base"),
    ("azure:gpt-35-turbo", "cl100k_base"),
    ("ft:gpt-4o:my-org", "o200k_base"),
    ("gpt-3.5-turbo", "cl100k_base"),
    ("openai:gpt-4", "cl100k_base"),
    ("offline", "cl100k_base"),
    ("my-unknown-model-7b", "cl100k_base"),
    ("ollama:qwen2.5:0.5b", "cl100k_base"),
]
BUNDLED_MODELS = [
    ("anthropic:claude-sonnet-4-5", "anthropic_tokenizer.json"),
    ("claude-3-5-sonnet-20240620", "anthropic_tokenizer.json"),
    ("bedrock/anthropic.claude-3-haiku", "anthropic_tokenizer.json"),
    ("deepseek:deepseek-chat", "deepseek_tokenizer.json"),
    ("openai-compatible:deepseek-r1", "deepseek_tokenizer.json"),
]


@pytest.mark.parametrize(("model", "encoding_name"), TIKTOKEN_MODELS)
def test_openai_models_count_with_tiktokens_own_encoding(model: str, encoding_name: str) -> None:
    counter = TokenCounter(model)
    encoding = tiktoken.get_encoding(encoding_name)
    assert counter.tokenizer_name == f"tiktoken:{encoding_name}"
    for text in CORPUS:
        expected = len(encoding.encode(text, disallowed_special=()))
        assert counter.count(text) == expected, text[:40]


def test_gpt_4o_is_o200k_in_every_spelling() -> None:
    japanese = CORPUS[4]
    counts = {
        spelling: TokenCounter(spelling).count(japanese)
        for spelling in ("gpt-4o", "openai/gpt-4o", "openai:gpt-4o")
    }
    o200k = len(tiktoken.get_encoding("o200k_base").encode(japanese))
    cl100k = len(tiktoken.get_encoding("cl100k_base").encode(japanese))
    assert o200k != cl100k  # the sentence tells the two encodings apart
    assert set(counts.values()) == {o200k}


@pytest.mark.parametrize(("model", "file_name"), BUNDLED_MODELS)
def test_claude_and_deepseek_count_with_the_bundled_tokenizer(model: str, file_name: str) -> None:
    counter = TokenCounter(model)
    reference = bundled_tokenizer(file_name)
    for text in CORPUS:
        assert counter.count(text) == len(reference.encode(text).ids), text[:40]


@pytest.mark.parametrize(
    ("configured", "bare"),
    [
        ("openai:gpt-4o", "gpt-4o"),
        ("openai:gpt-5-nano", "gpt-5-nano"),
        ("anthropic:claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("google-gla:gemini-2.5-flash", "gemini-2.5-flash"),
        ("ollama:llama3.2:3b", "llama3.2:3b"),
        ("gateway/openai:gpt-5", "gpt-5"),
        ("gpt-4o", "gpt-4o"),
        ("openai/gpt-4o", "gpt-4o"),
        ("ft:gpt-4o:my-org", "ft:gpt-4o:my-org"),
        ("offline", "offline"),
    ],
)
def test_provider_prefixes_and_routing_paths_are_removed(configured: str, bare: str) -> None:
    assert bare_model_name(configured) == bare


def test_an_unknown_model_is_counted_with_cl100k_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="memoir_ai.text._tokenizer_choice")
    assert TokenCounter("acme:mystery-model-9").tokenizer_name == "tiktoken:cl100k_base"
    assert "mystery-model-9" in caplog.text
    assert count_tokens("Hello, world!") == len(
        tiktoken.get_encoding("cl100k_base").encode("Hello, world!")
    )


def test_encode_and_token_ends_agree_with_count() -> None:
    for model in ("offline", "openai:gpt-4o", "anthropic:claude-sonnet-4-5"):
        counter = get_token_counter(model)
        for text in CORPUS:
            ends = counter.token_ends(text)
            assert len(ends) == len(counter.encode(text)) == counter.count(text)
            assert ends == sorted(ends)
            assert all(0 < end <= len(text) for end in ends)
            if ends:
                assert ends[-1] == len(text)


def test_token_ends_mark_real_token_boundaries() -> None:
    counter = get_token_counter("offline")
    text = "Hello world. Ünïcödé 日本 👩‍👩‍👧"
    ends = counter.token_ends(text)
    ids = counter.encode(text)
    encoding = tiktoken.get_encoding("cl100k_base")
    for index, end in enumerate(ends):
        on_character = index + 1 == len(ends) or ends[index + 1] != end
        if on_character:
            assert encoding.decode(ids[: index + 1]) == text[:end]
