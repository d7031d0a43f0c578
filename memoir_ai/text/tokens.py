"""Token counting with the tokenizer each model really uses, offline, loaded late.

``TokenCounter(model).count(text)`` is one encode of ``text`` with the tokenizer chosen for
``model`` by :func:`memoir_ai.text._tokenizer_choice.resolve_tokenizer`: tiktoken's own
encoding for OpenAI models in every spelling (``gpt-4o``, ``openai:gpt-4o``,
``openai/gpt-4o`` all count with ``o200k_base``), the tokenizer files litellm bundles for
Claude and DeepSeek, and ``cl100k_base`` for the built-in ``offline`` model and for names
no tokenizer is known for. Nothing is downloaded and litellm is never imported: tiktoken
reads the encoding files litellm ships.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from memoir_ai.config import OFFLINE_MODEL
from memoir_ai.text._tokenizer_choice import Tokenizer, bare_model_name, resolve_tokenizer

__all__ = ["TokenCounter", "bare_model_name", "count_tokens", "get_token_counter"]


class TokenCounter:
    """Counts and encodes text with the tokenizer one model uses.

    The tokenizer loads on first use and is shared by every counter of the same model.
    """

    def __init__(self, model_name: str = OFFLINE_MODEL) -> None:
        """Prepare a counter for ``model_name`` (any spelling); loads nothing."""
        self.model_name = model_name
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        """Show the configured model."""
        return f"TokenCounter({self.model_name!r})"

    @property
    def tokenizer(self) -> Tokenizer:
        """The resolved tokenizer (loaded on first access)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = _cached_tokenizer(self.model_name)
        return self._tokenizer

    @property
    def tokenizer_name(self) -> str:
        """Which tokenizer counts, e.g. ``tiktoken:cl100k_base`` or ``huggingface:claude``."""
        return self.tokenizer.name

    def count(self, text: str) -> int:
        """The number of tokens in ``text``."""
        return self.tokenizer.count(text)

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``."""
        return self.tokenizer.encode(text)

    def token_ends(self, text: str) -> list[int]:
        """Encode ``text`` once; return, for each token, the character offset where it ends.

        The list is non-decreasing and its length is the token count. A token that ends
        inside a multi-byte character is reported at the end of that character, so every
        value is a valid string index, and ``bisect_right(ends, i)`` is the number of tokens
        lying entirely before offset ``i`` whenever ``i`` falls on a token boundary.
        """
        return self.tokenizer.token_ends(text)


@lru_cache(maxsize=32)
def _cached_tokenizer(model_name: str) -> Tokenizer:
    return resolve_tokenizer(model_name)


@lru_cache(maxsize=32)
def get_token_counter(model_name: str = OFFLINE_MODEL) -> TokenCounter:
    """A shared :class:`TokenCounter` for ``model_name``."""
    return TokenCounter(model_name)


def count_tokens(text: str, model_name: str = OFFLINE_MODEL) -> int:
    """The number of tokens in ``text`` for ``model_name``, one encode with its tokenizer."""
    return get_token_counter(model_name).count(text)
