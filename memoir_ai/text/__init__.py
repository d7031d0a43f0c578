"""Text layer of memoir-ai: token counting (as litellm counts) and the chunker.

Importing this package loads no tokenizer; litellm, tiktoken and tokenizers load on the
first count, once per model.
"""

from __future__ import annotations

from memoir_ai.text.chunker import DEFAULT_DELIMITERS, TextChunk, TextChunker
from memoir_ai.text.tokens import TokenCounter, count_tokens, get_token_counter, litellm_model_name

__all__ = [
    "DEFAULT_DELIMITERS",
    "TextChunk",
    "TextChunker",
    "TokenCounter",
    "count_tokens",
    "get_token_counter",
    "litellm_model_name",
]
