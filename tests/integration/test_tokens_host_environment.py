"""Counting tokens leaves the host application's tiktoken setting as it was.

memoir points tiktoken at litellm's bundled encodings only while one loads; a
host that set ``TIKTOKEN_CACHE_DIR`` for its own files keeps it. Run in a fresh
interpreter, so that no encoding is loaded yet.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import tiktoken


def test_the_host_tiktoken_cache_dir_is_kept(tmp_path: Path) -> None:
    host_cache = tmp_path / "host-cache"
    host_cache.mkdir()
    code = (
        "import os; from memoir_ai.text.tokens import count_tokens; "
        "print(count_tokens('Hello, world!', 'openai:gpt-4o')); "
        "print(os.environ['TIKTOKEN_CACHE_DIR'])"
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(host_cache)}
    env.pop("CUSTOM_TIKTOKEN_CACHE_DIR", None)
    # An unroutable proxy: a download attempt (the host folder is empty) would fail loudly.
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    count, folder = result.stdout.split("\n")[:2]
    assert int(count) == len(tiktoken.get_encoding("o200k_base").encode("Hello, world!"))
    assert folder == str(host_cache)
    assert list(host_cache.iterdir()) == []  # nothing was written into the host's folder
