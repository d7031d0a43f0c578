"""Model prices from liteLLM's bundled price map, read offline, and the cost of calls.

The map is the JSON file liteLLM ships inside its package (the one it uses
itself with ``LITELLM_LOCAL_MODEL_COST_MAP=True``). It is read directly, once,
without importing liteLLM (whose import costs seconds) and without any network.

A model is priced only when its provider publishes prices that the map knows
(OpenAI, Anthropic, Gemini, xAI, Groq, Mistral, DeepSeek, …): the name after
the provider prefix is looked up under the map's own spellings
(``gpt-5-nano``, ``gemini/gemini-2.5-flash``, ``xai/grok-4``). The offline
stand-in, local servers (Ollama, any OpenAI-compatible base URL) and names the
map does not hold get no price, and a note saying why: a missing price is
never shown as $0.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from memoir_ai._config_defaults import OFFLINE_MODEL, OFFLINE_PRICE_NOTE
from memoir_ai.costs import ModelCost, ModelPrice
from memoir_ai.llm.models import split_model_name

__all__ = ["costs_by_model", "costs_of_usage", "model_cost", "price_note", "price_of"]

logger = logging.getLogger(__name__)

PRICE_MAP_FILE = "model_prices_and_context_window_backup.json"
# Provider (as memoir-ai names models) → how liteLLM's map spells its models.
_PREFIXES: dict[str, tuple[str, ...]] = {
    "openai": ("", "openai/"),
    "openai-chat": ("", "openai/"),
    "openai-responses": ("", "openai/"),
    "anthropic": ("", "anthropic/"),
    "google-gla": ("gemini/", ""),
    "google": ("gemini/", ""),
    "google-vertex": ("vertex_ai/", ""),
    "google-cloud": ("vertex_ai/", ""),
    "xai": ("xai/", ""),
    "grok": ("xai/", ""),
    "groq": ("groq/",),
    "mistral": ("mistral/", ""),
    "deepseek": ("deepseek/", ""),
    "cohere": ("", "cohere/"),
    "bedrock": ("", "bedrock/"),
}
_LOCAL = {"ollama", "openai-compatible", "lmstudio", "vllm", "llamacpp"}


@functools.cache
def _price_map() -> dict[str, Any]:
    spec = find_spec("litellm")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / PRICE_MAP_FILE
        if path.is_file():
            loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
            return loaded
    logger.warning("liteLLM's bundled price map was not found: no model has a known price.")
    return {}


def price_of(model: str) -> ModelPrice | None:
    """The price of ``model`` (a memoir-ai model name), or None when it is not known."""
    provider, name = split_model_name(model)
    if provider is None or provider not in _PREFIXES or not name:
        return None
    prices = _price_map()
    for prefix in _PREFIXES[provider]:
        entry = prices.get(prefix + name)
        if not isinstance(entry, dict):
            continue
        per_input = entry.get("input_cost_per_token")
        per_output = entry.get("output_cost_per_token")
        if isinstance(per_input, int | float) and isinstance(per_output, int | float):
            return ModelPrice(
                model=model,
                price_key=prefix + name,
                input_usd_per_million=round(float(per_input) * 1_000_000, 9),
                output_usd_per_million=round(float(per_output) * 1_000_000, 9),
            )
    return None


def price_note(model: str) -> str | None:
    """Why ``model`` has no price (None when it has one)."""
    if price_of(model) is not None:
        return None
    provider, _ = split_model_name(model)
    if model == OFFLINE_MODEL:
        return OFFLINE_PRICE_NOTE
    if provider in _LOCAL:
        return "no price: a self-hosted server (no provider price list applies)"
    return "no price: liteLLM's bundled price map does not list this model"


def model_cost(
    model: str, *, calls: int, reused_calls: int, input_tokens: int, output_tokens: int
) -> ModelCost:
    """The cost of ``calls`` to ``model`` with these tokens, in USD where its price is known."""
    price = price_of(model)
    return ModelCost(
        model=model,
        calls=calls,
        reused_calls=reused_calls,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        usd=None if price is None else price.usd(input_tokens, output_tokens),
        price=price,
        price_note=price_note(model) if price is None else None,
    )


def costs_by_model(records: Iterable[Any]) -> tuple[ModelCost, ...]:
    """Per model, in order of first appearance: the cost of call records (``LLMCallRecord``)."""
    sums: dict[str, list[int]] = {}
    for record in records:
        total = sums.setdefault(record.model, [0, 0, 0, 0])
        total[0] += 1
        total[1] += record.outcome == "reused"
        total[2] += record.input_tokens
        total[3] += record.output_tokens
    return tuple(
        model_cost(model, calls=c, reused_calls=r, input_tokens=i, output_tokens=o)
        for model, (c, r, i, o) in sums.items()
    )


def costs_of_usage(usage: Iterable[Any]) -> tuple[ModelCost, ...]:
    """The cost of each model's summed usage (``database.call_costs.ModelUsage`` rows)."""
    return tuple(
        model_cost(
            row.model,
            calls=row.calls,
            reused_calls=row.reused_calls,
            input_tokens=row.input_tokens,
            output_tokens=row.output_tokens,
        )
        for row in usage
    )
