"""How the CLI words costs: USD per model where the price is known, and why not elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memoir_ai._config_defaults import OFFLINE_PRICE_NOTE

if TYPE_CHECKING:
    from memoir_ai.costs import ModelCost
    from memoir_ai.database.reading import ModelUsage

__all__ = ["UnpricedCost", "cost_line", "unpriced_cost", "usd"]


@dataclass(frozen=True)
class UnpricedCost:
    """The calls of the offline stand-in, as :func:`cost_line` words them (the lean path)."""

    model: str
    calls: int
    reused_calls: int
    price_note: str
    usd: None = None


def unpriced_cost(usage: ModelUsage) -> UnpricedCost:
    """The cost line's view of the offline model's usage (it has no price)."""
    return UnpricedCost(usage.model, usage.calls, usage.reused_calls, OFFLINE_PRICE_NOTE)


def usd(amount: float) -> str:
    """Dollars with enough digits for the small sums of single calls."""
    return f"${amount:.4f}" if amount < 1 else f"${amount:,.2f}"


def cost_line(costs: Sequence[ModelCost] | Sequence[UnpricedCost]) -> str:
    """One line of cost per model, e.g. ``Cost: openai:gpt-5-nano $0.0012 (3 call(s)).``."""
    if not costs:
        return "Cost: no calls."
    parts = []
    for cost in costs:
        reused = f", {cost.reused_calls} reused" if cost.reused_calls else ""
        calls = f"{cost.calls} call(s){reused}"
        if cost.usd is None:
            parts.append(f"{cost.model}: {cost.price_note} ({calls})")
        else:
            parts.append(f"{cost.model} {usd(cost.usd)} ({calls})")
    known = [cost.usd for cost in costs if cost.usd is not None]
    total = f" Total known: {usd(sum(known))}." if len(costs) > 1 and known else ""
    return "Cost: " + "; ".join(parts) + "." + total
