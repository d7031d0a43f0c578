"""Which tokenizer counts for a model name: the one the model really uses, offline.

The rule, in order (independent of litellm's model tables, which change between
releases and once counted ``openai/gpt-4o`` with the wrong encoding):

1. the built-in ``offline`` stand-in counts with ``cl100k_base``;
2. a name tiktoken knows (OpenAI's models, in any spelling: ``gpt-4o``,
   ``openai:gpt-4o``, ``openai/gpt-4o``, ``azure/gpt-35-turbo``, ``ft:gpt-4o:org``)
   counts with the encoding tiktoken assigns to it — tiktoken is OpenAI's own
   tokenizer library, so its table is the authority;
3. Claude and DeepSeek models count with the tokenizer files litellm bundles;
4. Cohere ``command-r`` and Llama 2/3 models count with their Hugging Face tokenizer
   when it is already in the local Hugging Face cache (nothing is downloaded);
5. any other name counts with ``cl100k_base``, and a warning says so once.

Nothing is downloaded: tiktoken reads the encodings litellm bundles (``TIKTOKEN_CACHE_DIR``
is pointed there while an encoding loads, as litellm itself does, and restored after),
and litellm is never imported.
``tests/unit/test_tokens.py`` checks every spelling against tiktoken and the bundled
tokenizer files directly.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

from memoir_ai.text._tokenizers import (
    HuggingFaceTokenizer,
    TiktokenTokenizer,
    Tokenizer,
    bundled_tokenizers_dir,
)

__all__ = ["DEFAULT_ENCODING", "Tokenizer", "bare_model_name", "resolve_tokenizer"]

logger = logging.getLogger(__name__)

DEFAULT_ENCODING = "cl100k_base"
_BUNDLED_FILES = {"claude": "anthropic_tokenizer.json", "deepseek": "deepseek_tokenizer.json"}
_HUB_TOKENIZERS = {
    "command-r": "Xenova/c4ai-command-r-v01-tokenizer",
    "llama-2": "hf-internal-testing/llama-tokenizer",
    "llama-3": "Xenova/llama-3-tokenizer",
}
_tiktoken_cache: dict[str, TiktokenTokenizer] = {}

# A pydantic-ai model name is "<provider>:<model>", optionally behind a gateway
# ("gateway/openai:gpt-5"); model names themselves may contain ':' (ollama tags,
# OpenAI fine-tunes "ft:gpt-4o:org"), so only a known-looking provider prefix goes.
_PROVIDER_PREFIX = re.compile(r"^(?!ft:)[A-Za-z][\w.-]*(?:/[A-Za-z][\w.-]*)?:(?=.)")


def bare_model_name(model_name: str) -> str:
    """The model's own name: the pydantic-ai provider prefix and any routing path removed.

    ``"openai:gpt-4o"``, ``"openai/gpt-4o"`` and ``"openrouter/openai/gpt-4o"`` are all
    ``"gpt-4o"``; ``"ollama:llama3.2:3b"`` is ``"llama3.2:3b"``.
    """
    name = _PROVIDER_PREFIX.sub("", model_name.strip(), count=1)
    return name.rsplit("/", 1)[-1]


def resolve_tokenizer(model_name: str) -> Tokenizer:
    """The tokenizer ``model_name`` (any spelling) really counts with; see the module rule."""
    from memoir_ai.config import OFFLINE_MODEL

    bare = bare_model_name(model_name)
    if bare == OFFLINE_MODEL:
        return _tiktoken(DEFAULT_ENCODING)
    encoding = _tiktoken_encoding_for(bare)
    if encoding is not None:
        return _tiktoken(encoding)
    lowered = bare.lower()
    for family, file_name in _BUNDLED_FILES.items():
        if family in lowered:
            return _bundled(family, file_name)
    for family, repository in _HUB_TOKENIZERS.items():
        if family in lowered or (family == "llama-3" and "llama3" in lowered):
            cached = _hub_tokenizer(model_name, repository)
            if cached is not None:
                return cached
            break
    else:
        logger.warning(
            "No tokenizer is known for the model %r: tokens are counted with %s, "
            "which may differ from the model's own count by some percent.",
            model_name,
            DEFAULT_ENCODING,
        )
    return _tiktoken(DEFAULT_ENCODING)


def _tiktoken_encoding_for(bare: str) -> str | None:
    """The encoding tiktoken assigns to ``bare`` (or to its name before a ``:`` tag)."""
    from tiktoken.model import encoding_name_for_model

    for candidate in dict.fromkeys((bare, bare.split(":", 1)[0])):
        try:
            return encoding_name_for_model(candidate)
        except KeyError:
            continue
    return None


@cache
def _bundled(family: str, file_name: str) -> HuggingFaceTokenizer:
    return HuggingFaceTokenizer.from_file(family, bundled_tokenizers_dir() / file_name)


def _tiktoken(encoding_name: str) -> TiktokenTokenizer:
    if encoding_name not in _tiktoken_cache:
        _tiktoken_cache[encoding_name] = TiktokenTokenizer(encoding_name)
    return _tiktoken_cache[encoding_name]


def _hub_tokenizer(model_name: str, repository: str) -> Tokenizer | None:
    """A hub tokenizer from the local cache only; None when it is not there."""
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(repository, "tokenizer.json")
    except Exception:  # noqa: BLE001 - no hub library or a broken cache: same as absent
        cached = None
    if isinstance(cached, str):
        return HuggingFaceTokenizer.from_file(repository, Path(cached))
    logger.warning(
        "The tokenizer of %r (%s) is not in the local Hugging Face cache, so tokens are "
        "counted with %s. Download it once with `hf download %s tokenizer.json` for exact "
        "counts.",
        model_name,
        repository,
        DEFAULT_ENCODING,
        repository,
    )
    return None
