"""Which tokenizer litellm's ``token_counter`` uses for a model name (mirrors litellm 1.83).

litellm decides in ``litellm.utils._select_tokenizer`` and
``litellm.litellm_core_utils.token_counter._get_count_function``:

1. unless ``litellm.disable_hf_tokenizer_download`` is set, a Hugging Face tokenizer for
   Cohere ``command-r`` models, Anthropic models other than ``claude-3*`` (the Claude
   tokenizer litellm ships), ``llama-2``/``replicate`` and ``llama-3`` names;
2. otherwise tiktoken, for the model name normalised by ``_fix_model_name`` (Azure
   ``-35`` → ``-3.5``; a name outside litellm's OpenAI chat list becomes
   ``gpt-3.5-turbo``): ``o200k_base`` when it contains ``gpt-4o``, else
   ``tiktoken.encoding_for_model``, falling back to ``cl100k_base``.

The Cohere and Llama tokenizers live on the Hugging Face hub, which litellm contacts at
run time. memoir never downloads: it uses them when they are already in the local
Hugging Face cache, and otherwise counts as litellm does when the hub is unreachable
(step 2), logging a warning once. ``tests/unit/test_tokens.py`` checks the mirror against
``litellm.token_counter`` itself.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from memoir_ai.text._tokenizers import (
    HuggingFaceTokenizer,
    TiktokenTokenizer,
    Tokenizer,
    bundled_tokenizers_dir,
)

__all__ = ["Tokenizer", "resolve_tokenizer"]

logger = logging.getLogger(__name__)

DEFAULT_ENCODING = "cl100k_base"
_CLAUDE_TOKENIZER_FILE = "anthropic_tokenizer.json"
_HUB_TOKENIZERS = {
    "cohere": "Xenova/c4ai-command-r-v01-tokenizer",
    "llama-2": "hf-internal-testing/llama-tokenizer",
    "llama-3": "Xenova/llama-3-tokenizer",
}
_tiktoken_cache: dict[str, TiktokenTokenizer] = {}


def resolve_tokenizer(model: str, *, offline_default: bool = False) -> Tokenizer:
    """The tokenizer litellm's ``token_counter(model=model)`` counts with.

    With ``offline_default`` the model is known to be outside every litellm list (the
    built-in offline stand-in), so litellm's answer for unknown names, ``cl100k_base``,
    is used without importing litellm.
    """
    if offline_default:
        return _tiktoken(DEFAULT_ENCODING)
    litellm = _import_litellm()
    if not getattr(litellm, "disable_hf_tokenizer_download", False):
        chosen = _huggingface_choice(litellm, model)
        if chosen is not None:
            return chosen
    return _tiktoken(_openai_encoding_name(litellm, model))


def _import_litellm() -> Any:
    # Without this, litellm fetches its model list from the network on import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    return litellm


def _tiktoken(encoding_name: str) -> TiktokenTokenizer:
    if encoding_name not in _tiktoken_cache:
        _tiktoken_cache[encoding_name] = TiktokenTokenizer(encoding_name)
    return _tiktoken_cache[encoding_name]


def _huggingface_choice(litellm: Any, model: str) -> Tokenizer | None:
    lowered = model.lower()
    if model in litellm.cohere_models and "command-r" in model:
        return _hub_tokenizer(model, _HUB_TOKENIZERS["cohere"])
    if model in litellm.anthropic_models and "claude-3" not in model:
        return HuggingFaceTokenizer.from_file(
            "claude", bundled_tokenizers_dir() / _CLAUDE_TOKENIZER_FILE
        )
    if "llama-2" in lowered or "replicate" in lowered:
        return _hub_tokenizer(model, _HUB_TOKENIZERS["llama-2"])
    if "llama-3" in lowered:
        return _hub_tokenizer(model, _HUB_TOKENIZERS["llama-3"])
    return None


def _hub_tokenizer(model: str, repository: str) -> Tokenizer | None:
    """A hub tokenizer from the local cache only; None (litellm's offline fallback) if absent."""
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(repository, "tokenizer.json")
    except Exception:  # noqa: BLE001 - no hub library or a broken cache: same as absent
        cached = None
    if isinstance(cached, str):
        from pathlib import Path

        return HuggingFaceTokenizer.from_file(repository, Path(cached))
    logger.warning(
        "litellm would download the tokenizer %s for %r; it is not in the local Hugging Face "
        "cache, so tokens are counted as litellm does offline (tiktoken). Download it once "
        "with `huggingface-cli download %s tokenizer.json` for exact counts.",
        repository,
        model,
        repository,
    )
    return None


def _openai_encoding_name(litellm: Any, model: str) -> str:
    import tiktoken

    if model in litellm.azure_llms:
        fixed = model.replace("-35", "-3.5")
    elif model in litellm.open_ai_chat_completion_models:
        fixed = model
    else:
        fixed = "gpt-3.5-turbo"
    if "gpt-4o" in fixed:
        return "o200k_base"
    try:
        name: str = tiktoken.encoding_name_for_model(fixed)
    except KeyError:
        return DEFAULT_ENCODING
    return name
