"""How the CLI words costs: USD per model where the price is known, and why not elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memoir_ai.costs import ModelCost

__all__ = ["cost_line", "usd"]


def usd(amount: float) -> str:
    """Dollars with enough digits for the small sums of single calls."""
    return f"${amount:.4f}" if amount < 1 else f"${amount:,.2f}"


def cost_line(costs: Sequence[ModelCost]) -> str:
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
