"""Token counting that matches liteLLM's ``token_counter``, offline, with litellm loaded late.

The contract: for any configured model name ``m`` and text ``t``::

    TokenCounter(m).count(t) == litellm.token_counter(model=litellm_model_name(m), text=t)

``litellm_model_name`` strips the pydantic-ai provider prefix (``"openai:gpt-4o"`` →
``"gpt-4o"``, ``"anthropic:claude-sonnet-4-5"`` → ``"claude-sonnet-4-5"``); any other
name is passed through unchanged.

Rather than calling litellm for every chunk, the tokenizer litellm would use is resolved
once per model (see :mod:`memoir_ai.text._tokenizer_choice`) and then used directly:
a tiktoken encoding, or the Claude tokenizer litellm ships. The built-in ``offline``
model counts with ``cl100k_base``, which is what litellm uses for any name it does not
know, so it resolves without importing litellm at all (litellm takes seconds to import).

Nothing is downloaded: tiktoken reads the encodings litellm bundles (``TIKTOKEN_CACHE_DIR``
is pointed there, as litellm itself does), and tokenizers that litellm would fetch from
the Hugging Face hub are used only when already in the local cache (see
:func:`memoir_ai.text._tokenizer_choice.resolve_tokenizer`).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from memoir_ai.config import OFFLINE_MODEL
from memoir_ai.text._tokenizer_choice import Tokenizer, resolve_tokenizer

__all__ = ["TokenCounter", "count_tokens", "get_token_counter", "litellm_model_name"]

# A pydantic-ai model name is "<provider>:<model>", optionally behind a gateway
# ("gateway/openai:gpt-5"); model names themselves may contain ':' (ollama tags).
_PROVIDER_PREFIX = re.compile(r"^[A-Za-z][\w.-]*(?:/[A-Za-z][\w.-]*)?:(?=.)")


def litellm_model_name(model_name: str) -> str:
    """The name litellm knows a configured model by: the pydantic-ai provider prefix removed."""
    return _PROVIDER_PREFIX.sub("", model_name.strip(), count=1)


class TokenCounter:
    """Counts and encodes text with the tokenizer litellm uses for one model.

    The tokenizer loads on first use and is shared by every counter of the same model.
    """

    def __init__(self, model_name: str = OFFLINE_MODEL) -> None:
        """Prepare a counter for ``model_name`` (pydantic-ai or litellm style); loads nothing."""
        self.model_name = model_name
        self.litellm_model = litellm_model_name(model_name)
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
                    self._tokenizer = _cached_tokenizer(self.litellm_model)
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
def _cached_tokenizer(litellm_model: str) -> Tokenizer:
    offline = litellm_model == OFFLINE_MODEL
    return resolve_tokenizer(litellm_model, offline_default=offline)


@lru_cache(maxsize=32)
def get_token_counter(model_name: str = OFFLINE_MODEL) -> TokenCounter:
    """A shared :class:`TokenCounter` for ``model_name``."""
    return TokenCounter(model_name)


def count_tokens(text: str, model_name: str = OFFLINE_MODEL) -> int:
    """The number of tokens in ``text`` for ``model_name``, as litellm's token_counter counts."""
    return get_token_counter(model_name).count(text)
