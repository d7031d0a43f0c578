"""What model calls cost: the public results of prices, spend and estimates, one shape each.

Frozen pydantic models, like :mod:`memoir_ai.results`, and importing nothing
of memoir-ai beyond it, so every layer may return them. Prices come from
liteLLM's bundled price map (see :mod:`memoir_ai.llm.pricing`); ``usd`` is
``None`` wherever no price is known, and ``price_note`` then says why — a
missing price is never shown as $0.
"""

from __future__ import annotations

from pydantic import computed_field

from memoir_ai.results import PublicResult

__all__ = ["CostEstimate", "ModelCost", "ModelPrice", "SourceEstimate"]


class ModelPrice(PublicResult):
    """The price of a model in US dollars per million tokens, and where it was found."""

    model: str
    price_key: str
    input_usd_per_million: float
    output_usd_per_million: float

    def usd(self, input_tokens: int, output_tokens: int) -> float:
        """The price of ``input_tokens`` in and ``output_tokens`` out."""
        return (
            input_tokens * self.input_usd_per_million + output_tokens * self.output_usd_per_million
        ) / 1_000_000


class ModelCost(PublicResult):
    """Calls made to one model, the tokens paid for, and their price where known.

    ``reused_calls`` were answered by kept answers (no tokens paid); ``usd`` is
    None when the model's price is unknown, with ``price_note`` saying why.
    """

    model: str
    calls: int
    reused_calls: int = 0
    input_tokens: int
    output_tokens: int
    usd: float | None
    price: ModelPrice | None = None
    price_note: str | None = None


class SourceEstimate(PublicResult):
    """The expected calls and tokens of ingesting one input (``status`` as ingestion would say)."""

    source_id: str
    status: str
    chunks: int
    calls: int
    input_tokens: int
    output_tokens: int
    output_tokens_bound: int
    note: str | None = None


class CostEstimate(PublicResult):
    """What an ingestion is expected to cost, computed without calling the model.

    ``output_tokens_bound`` is the sum of every call's ``max_tokens``: what
    the output tokens cannot exceed unless calls are retried. ``usd`` is the
    expected price and ``usd_bound`` the price with every answer at its bound
    (None when the model's price is unknown; ``price_note`` says why).
    ``assumptions`` states what the figures rest on, one line each.
    """

    model: str
    sources: tuple[SourceEstimate, ...]
    price: ModelPrice | None
    price_note: str | None
    assumptions: tuple[str, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def calls(self) -> int:
        """Expected model calls over every input."""
        return sum(source.calls for source in self.sources)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def input_tokens(self) -> int:
        """Expected input tokens over every input."""
        return sum(source.input_tokens for source in self.sources)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_tokens(self) -> int:
        """Expected output tokens over every input."""
        return sum(source.output_tokens for source in self.sources)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_tokens_bound(self) -> int:
        """The most output tokens the calls may spend (their ``max_tokens``), without retries."""
        return sum(source.output_tokens_bound for source in self.sources)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usd(self) -> float | None:
        """Expected price in US dollars (None: unknown)."""
        return None if self.price is None else self.price.usd(self.input_tokens, self.output_tokens)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usd_bound(self) -> float | None:
        """Price with every answer as long as its bound (None: unknown)."""
        if self.price is None:
            return None
        return self.price.usd(self.input_tokens, self.output_tokens_bound)
