"""USD prices per token from the price map liteLLM bundles, read offline without importing it.

liteLLM ships ``model_prices_and_context_window_backup.json`` and reads it
instead of fetching the live map when ``LITELLM_LOCAL_MODEL_COST_MAP=True``;
this module reads the same file (importing liteLLM would cost seconds). A
model is looked up by its name, then ``provider/name`` with the provider as
liteLLM spells it. The offline stand-in, local servers and unknown models have
no price: their cost is unknown (``None``), never 0.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

__all__ = ["call_cost_usd", "token_prices"]

logger = logging.getLogger(__name__)

PRICE_FILE = "model_prices_and_context_window_backup.json"
# pydantic-ai's provider prefixes → liteLLM's; local servers (ollama, openai-compatible)
# are left out on purpose: a model served on one's own machine has no list price.
_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google-gla": "gemini",
    "google-vertex": "vertex_ai",
    "xai": "xai",
    "groq": "groq",
    "mistral": "mistral",
    "deepseek": "deepseek",
}


@lru_cache(maxsize=1)
def _price_map() -> dict[str, dict[str, object]]:
    spec = find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / PRICE_FILE
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning("liteLLM's price map could not be read (%s): costs are unknown.", error)
        return {}
    return loaded if isinstance(loaded, dict) else {}


@lru_cache(maxsize=64)
def token_prices(model: str) -> tuple[float, float] | None:
    """USD per input token and per output token of ``model``, or ``None`` when unknown."""
    provider, _, name = model.partition(":") if ":" in model else ("", "", model)
    candidates = [name]
    if provider.lower() in _PROVIDERS:
        candidates.insert(0, f"{_PROVIDERS[provider.lower()]}/{name}")
    elif provider:
        return None  # a local or unlisted provider: no list price
    prices = _price_map()
    for candidate in candidates:
        entry = prices.get(candidate)
        if not isinstance(entry, dict):
            continue
        given_in = entry.get("input_cost_per_token")
        given_out = entry.get("output_cost_per_token")
        if isinstance(given_in, int | float) and isinstance(given_out, int | float):
            return float(given_in), float(given_out)
    return None


def call_cost_usd(model: str, input_tokens: int, output_tokens: int) -> float | None:
    """The USD cost of one call, or ``None`` when ``model`` has no known price."""
    prices = token_prices(model)
    if prices is None:
        return None
    return input_tokens * prices[0] + output_tokens * prices[1]
