"""Token counting in a fresh interpreter: what importing loads, and counting with no network.

Each test runs a child ``python -c`` so that nothing this test process already
imported can hide a heavy import or a download (the pure counting tests are
``tests/unit/test_tokens.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys

import tiktoken

from tests.reference_tokenizers import bundled_tokenizer


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


def test_other_models_count_offline_without_litellm(tmp_path: object) -> None:
    code = (
        "import sys; from memoir_ai.text.tokens import count_tokens; "
        "print(count_tokens('Hello, world!', 'openai:gpt-5-nano'), "
        "count_tokens('Hello, world!', 'anthropic:claude-sonnet-4-5'), 'litellm' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "TIKTOKEN_CACHE_DIR"}
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    claude = bundled_tokenizer("anthropic_tokenizer.json")
    expected = [
        str(len(tiktoken.get_encoding("o200k_base").encode("Hello, world!"))),
        str(len(claude.encode("Hello, world!").ids)),
        "False",
    ]
    assert result.stdout.split() == expected
