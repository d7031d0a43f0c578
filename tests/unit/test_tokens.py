"""Token counts equal litellm.token_counter's, offline; litellm is imported only when needed."""

from __future__ import annotations

import os
import subprocess
import sys

import litellm
import pytest

from memoir_ai.text.tokens import TokenCounter, count_tokens, get_token_counter, litellm_model_name

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

MODELS = [
    "gpt-4o",  # OpenAI, o200k_base
    "gpt-5-nano",  # OpenAI, o200k_base
    "gpt-3.5-turbo",  # OpenAI, cl100k_base
    "claude-sonnet-4-5",  # Anthropic: the Claude tokenizer litellm ships
    "claude-3-5-sonnet-20240620",  # Anthropic claude-3: litellm counts with cl100k_base
    "my-unknown-model-7b",  # unknown: cl100k_base
    "openai/gpt-4o",  # litellm-style names pass through unchanged
]


@pytest.mark.parametrize("model", MODELS)
def test_counts_equal_litellm_token_counter(model: str) -> None:
    counter = TokenCounter(model)
    for text in CORPUS:
        assert counter.count(text) == litellm.token_counter(model=model, text=text), text[:40]


@pytest.mark.parametrize(
    ("configured", "litellm_name"),
    [
        ("openai:gpt-4o", "gpt-4o"),
        ("openai:gpt-5-nano", "gpt-5-nano"),
        ("anthropic:claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("google-gla:gemini-2.5-flash", "gemini-2.5-flash"),
        ("ollama:llama3.2:3b", "llama3.2:3b"),
        ("gateway/openai:gpt-5", "gpt-5"),
        ("gpt-4o", "gpt-4o"),
        ("openai/gpt-4o", "openai/gpt-4o"),
        ("offline", "offline"),
    ],
)
def test_pydantic_ai_names_lose_their_provider_prefix(configured: str, litellm_name: str) -> None:
    assert litellm_model_name(configured) == litellm_name
    counter = TokenCounter(configured)
    for text in CORPUS[:6]:
        assert counter.count(text) == litellm.token_counter(model=litellm_name, text=text)


def test_offline_model_counts_with_litellms_default_tokenizer() -> None:
    counter = TokenCounter("offline")
    assert counter.tokenizer_name == "tiktoken:cl100k_base"
    for text in CORPUS:
        assert counter.count(text) == litellm.token_counter(model="offline", text=text)
    assert count_tokens("Hello, world!") == litellm.token_counter(
        model="offline", text="Hello, world!"
    )


def test_tokenizers_resolved_for_known_families() -> None:
    assert TokenCounter("openai:gpt-4o").tokenizer_name == "tiktoken:o200k_base"
    assert TokenCounter("anthropic:claude-sonnet-4-5").tokenizer_name == "huggingface:claude"
    assert TokenCounter("unknown-model").tokenizer_name == "tiktoken:cl100k_base"


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
    import tiktoken

    encoding = tiktoken.get_encoding("cl100k_base")
    for index, end in enumerate(ends):
        on_character = index + 1 == len(ends) or ends[index + 1] != end
        if on_character:
            assert encoding.decode(ids[: index + 1]) == text[:end]


def test_importing_memoir_ai_text_loads_no_tokenizer() -> None:
    code = (
        "import sys, memoir_ai, memoir_ai.text.tokens, memoir_ai.text.chunker; "
        "print(','.join(m for m in ('litellm', 'tiktoken', 'tokenizers') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_counting_the_offline_model_needs_neither_litellm_nor_network(tmp_path: object) -> None:
    code = (
        "import sys; from memoir_ai.text.tokens import count_tokens; "
        "print(count_tokens('Hello, world!'), 'litellm' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR",)}
    # An unroutable proxy: any download attempt would fail loudly.
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.split() == ["4", "False"]


def test_other_models_count_offline_too() -> None:
    code = (
        "from memoir_ai.text.tokens import count_tokens; "
        "print(count_tokens('Hello, world!', 'openai:gpt-5-nano'), "
        "count_tokens('Hello, world!', 'anthropic:claude-sonnet-4-5'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "TIKTOKEN_CACHE_DIR"}
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    expected = [
        litellm.token_counter(model="gpt-5-nano", text="Hello, world!"),
        litellm.token_counter(model="claude-sonnet-4-5", text="Hello, world!"),
    ]
    assert [int(part) for part in result.stdout.split()] == expected
