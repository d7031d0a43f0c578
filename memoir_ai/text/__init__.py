"""Text layer of memoir-ai: token counting (each model's own tokenizer) and the chunker.

Importing this package loads no tokenizer; tiktoken and tokenizers load on the
first count, once per model.
"""

from __future__ import annotations

from memoir_ai.text.chunker import DEFAULT_DELIMITERS, TextChunk, TextChunker
from memoir_ai.text.tokens import TokenCounter, bare_model_name, count_tokens, get_token_counter

__all__ = [
    "DEFAULT_DELIMITERS",
    "TextChunk",
    "TextChunker",
    "TokenCounter",
    "count_tokens",
    "get_token_counter",
    "bare_model_name",
]
