"""Token-budget arithmetic for the answer prompt: PRUNE and SUMMARIZE, with no I/O.

The answer prompt costs ``base`` tokens (instructions, question, wrapper text),
plus the helper of every source that has a chunk in it, plus each chunk's
block (header and text). :func:`prune_to_budget` drops whole paths until that
sum fits; the SUMMARIZE functions turn the token shortfall into a character
target per chunk (:func:`compression_ratio`, :func:`char_targets`), cut the
chunks into summary calls that fit (:func:`pack_parts`), and check the result
(:func:`check_summary_lengths`, :func:`check_fits`). The pipeline counts the
tokens; these functions only add, compare and divide.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from memoir_ai.errors import QueryError

__all__ = [
    "DEFAULT_SUMMARY_HEADROOM",
    "DEFAULT_SUMMARY_RETRIES",
    "DEFAULT_SUMMARY_TOLERANCE",
    "PathCost",
    "TARGET_MARGIN",
    "PrunePlan",
    "char_targets",
    "check_fits",
    "check_summary_lengths",
    "compression_ratio",
    "drop_order",
    "pack_parts",
    "prompt_tokens",
    "prune_to_budget",
]

DEFAULT_SUMMARY_HEADROOM = 1024
"""Tokens kept free in each summary call for the model's instructions and its answer."""
DEFAULT_SUMMARY_RETRIES = 1
"""How many times a summary over its target is asked for again, alone."""
DEFAULT_SUMMARY_TOLERANCE = 0.05
"""How far (as a fraction) the summaries together may exceed their total character target."""
TARGET_MARGIN = 0.9
"""Character targets are set this much under ``length × ratio``.

The ratio is a token ratio applied to characters, and a summary cut to its
target is denser in tokens than running text (cut words, more names and
numbers); summaries also may run over by the tolerance. Without the margin a
model that hits every target exactly would still overflow the budget by a few
percent, and the final re-count would fail a query that did everything right.
"""


@dataclass(frozen=True)
class PathCost:
    """What one path adds to the answer prompt.

    ``index`` is the path's place in the deterministic order; ``rank_key`` its
    rank (higher is more relevant); ``chunk_tokens`` the tokens of its chunk
    blocks; ``sources`` the sources of its chunks (each source's helper is
    counted once, however many paths share it).
    """

    index: int
    rank_key: tuple[float, ...]
    chunk_tokens: int
    sources: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PrunePlan:
    """The paths kept (in deterministic order), those dropped (in drop order), and the tokens."""

    kept: tuple[int, ...]
    dropped: tuple[int, ...]
    tokens: int

    @property
    def fits(self) -> bool:
        """Whether anything was kept."""
        return bool(self.kept)


def prompt_tokens(
    paths: Sequence[PathCost], *, base_tokens: int, helper_tokens: Mapping[str, int]
) -> int:
    """The tokens of a prompt holding ``paths``: base + their helpers (once each) + their chunks."""
    sources = {source for path in paths for source in path.sources}
    return (
        base_tokens
        + sum(helper_tokens.get(source, 0) for source in sources)
        + sum(path.chunk_tokens for path in paths)
    )


def drop_order(paths: Sequence[PathCost], *, use_rankings: bool) -> list[PathCost]:
    """The order in which paths are dropped: least relevant first, or last in order first.

    With rankings, ties between equal ranks drop the later path first.
    """
    if use_rankings:
        return sorted(paths, key=lambda path: (path.rank_key, -path.index))
    return sorted(paths, key=lambda path: -path.index)


def prune_to_budget(
    paths: Sequence[PathCost],
    *,
    base_tokens: int,
    helper_tokens: Mapping[str, int],
    budget: int,
    use_rankings: bool,
) -> PrunePlan:
    """Drop whole paths, in :func:`drop_order`, until the prompt fits ``budget``.

    Nothing is dropped when everything fits (``tokens == budget`` fits). When
    even the last path alone does not fit, every path is dropped and the plan
    keeps nothing (``fits`` is False): the caller reports what was considered.
    """
    kept = {path.index: path for path in paths}
    dropped: list[int] = []
    order = iter(drop_order(paths, use_rankings=use_rankings))
    tokens = prompt_tokens(
        list(kept.values()), base_tokens=base_tokens, helper_tokens=helper_tokens
    )
    while kept and tokens > budget:
        victim = next(order)
        del kept[victim.index]
        dropped.append(victim.index)
        tokens = prompt_tokens(
            list(kept.values()), base_tokens=base_tokens, helper_tokens=helper_tokens
        )
    return PrunePlan(tuple(sorted(kept)), tuple(dropped), tokens)


def compression_ratio(*, budget: int, fixed_tokens: int, chunk_tokens: int) -> float:
    """``(budget − fixed_tokens) / chunk_tokens``: the share of the chunks' length that fits.

    A ratio ≥ 1 means no summarizing is needed.

    Raises:
        QueryError: The fixed part alone (question, helpers, wrapper text)
            leaves no room for any chunk (ratio ≤ 0).
    """
    room = budget - fixed_tokens
    if room <= 0:
        raise QueryError(
            f"The question, source descriptions and prompt text alone take {fixed_tokens} "
            f"tokens, leaving no room for chunks in max_token_budget={budget} "
            f"(compression ratio {room}/{chunk_tokens} ≤ 0).",
            remedy=f"raise max_token_budget above {fixed_tokens}, or shorten the question.",
        )
    if chunk_tokens <= 0:
        return 1.0
    return room / chunk_tokens


def char_targets(
    lengths: Sequence[int], ratio: float, *, margin: float = TARGET_MARGIN
) -> list[int]:
    """Each chunk's character target: ``floor(length × ratio × margin)``, at least 1 character."""
    return [max(1, math.floor(length * ratio * margin)) for length in lengths]


def pack_parts(item_tokens: Sequence[int], *, base_tokens: int, limit: int) -> list[list[int]]:
    """Cut items (in order) into parts whose prompt (base + their tokens) stays within ``limit``.

    Returns the item indexes of each part. Several items share a part when they fit.

    Raises:
        QueryError: The summary instructions alone, or one chunk with them, exceed ``limit``.
    """
    if base_tokens >= limit:
        raise QueryError(
            f"A summary call needs {base_tokens} tokens before any chunk, more than the "
            f"{limit} available (budget minus the instruction headroom).",
            remedy="raise max_token_budget, or lower the summary headroom.",
        )
    parts: list[list[int]] = []
    current: list[int] = []
    used = base_tokens
    for index, tokens in enumerate(item_tokens):
        if base_tokens + tokens > limit:
            raise QueryError(
                f"Chunk {index + 1} of the summary needs {base_tokens + tokens} tokens in its "
                f"summary call, more than the {limit} available.",
                remedy="raise max_token_budget, lower the summary headroom, or use PRUNE.",
            )
        if current and used + tokens > limit:
            parts.append(current)
            current, used = [], base_tokens
        current.append(index)
        used += tokens
    if current:
        parts.append(current)
    return parts


def check_summary_lengths(
    lengths: Sequence[int], targets: Sequence[int], *, tolerance: float
) -> None:
    """Check the summaries together stay within their total target plus ``tolerance``.

    Raises:
        QueryError: They are longer than ``sum(targets) × (1 + tolerance)``.
    """
    total, target = sum(lengths), sum(targets)
    allowed = math.floor(target * (1 + tolerance))
    if total > allowed:
        raise QueryError(
            f"The summaries have {total} characters together, more than their target of "
            f"{target} plus the {tolerance:.0%} tolerance ({allowed}), even after retrying "
            "the ones that were too long.",
            remedy="raise max_token_budget, use PRUNE, or use a model that keeps to length limits.",
        )


def check_fits(tokens: int, budget: int, *, what: str = "The answer prompt") -> None:
    """Check a counted prompt fits the budget.

    Raises:
        QueryError: ``tokens > budget``.
    """
    if tokens > budget:
        raise QueryError(
            f"{what} has {tokens} tokens, more than max_token_budget={budget}.",
            remedy="raise max_token_budget, lower limit, or choose a narrower strategy.",
        )
