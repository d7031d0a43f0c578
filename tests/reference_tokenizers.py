"""Reference tokenizers for the tests, loaded independently of memoir-ai's own choice.

A token count is checked against these: tiktoken's encodings read from the files
litellm ships, and litellm's bundled ``tokenizer.json`` files read with the
``tokenizers`` library directly.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path
from typing import Any

__all__ = ["bundled_tokenizer", "litellm_tokenizers_folder", "reference_encoding"]


def litellm_tokenizers_folder() -> Path:
    """The folder of tokenizer files litellm ships."""
    spec = find_spec("litellm")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"


# tiktoken reads its encodings from here, offline (before any encoding is loaded).
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(litellm_tokenizers_folder()))


def bundled_tokenizer(file_name: str) -> Any:
    """A tokenizer file litellm ships, loaded with the tokenizers library directly."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(litellm_tokenizers_folder() / file_name))


def reference_encoding(name: str) -> Any:
    """A tiktoken encoding by name (``cl100k_base``, ``o200k_base``)."""
    import tiktoken

    return tiktoken.get_encoding(name)
