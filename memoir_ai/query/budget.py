"""Token-budget arithmetic for the answer prompt: PRUNE and SUMMARIZE, with no I/O.

The answer prompt costs ``base`` tokens (instructions, question, wrapper text),
plus the helper of every source that has a chunk in it, plus each chunk's
block (header and text). :func:`prune_to_budget` keeps the highest-ranked whole
paths that fit that sum together and reports the others; the SUMMARIZE
functions check that the budget can work at all, and else name the smallest
one that can (:func:`check_summary_budget`), turn the token shortfall into a
character target per chunk (:func:`compression_ratio`, :func:`char_targets`),
cut the chunks into summary calls that fit (:func:`pack_parts`), and check the
result (:func:`check_summary_lengths`, :func:`check_fits`). The pipeline counts
the tokens; these functions only add, compare and divide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from memoir_ai.errors import QueryError
from memoir_ai.query.wording import API_WORDING, QueryWording

__all__ = [
    "DEFAULT_SUMMARY_HEADROOM",
    "DEFAULT_SUMMARY_RETRIES",
    "DEFAULT_SUMMARY_TOLERANCE",
    "PathCost",
    "PruneDrop",
    "PrunePlan",
    "TARGET_MARGIN",
    "char_targets",
    "check_fits",
    "check_summary_budget",
    "check_summary_lengths",
    "compression_ratio",
    "keep_order",
    "pack_parts",
    "prompt_tokens",
    "prune_to_budget",
    "smallest_summary_budget",
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
class PruneDrop:
    """A path PRUNE left out, with the numbers that say why.

    ``alone_tokens`` is the prompt with this path only (base, its helpers, its
    chunks); ``with_kept_tokens`` the prompt with it beside the ``kept_before``
    paths kept when its turn came. When ``kept_before`` is 0 both are equal: the
    path does not fit even alone.
    """

    index: int
    alone_tokens: int
    with_kept_tokens: int
    kept_before: int


@dataclass(frozen=True)
class PrunePlan:
    """The paths kept (in deterministic order), those dropped (in the order offered), the tokens.

    ``tokens`` is the prompt of the kept paths (``base_tokens`` when nothing is kept).
    """

    kept: tuple[int, ...]
    dropped: tuple[PruneDrop, ...]
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


def keep_order(paths: Sequence[PathCost], *, use_rankings: bool) -> list[PathCost]:
    """The order in which paths are offered a place: most relevant first, or first in order first.

    With rankings, of two equally ranked paths the earlier one in order comes
    first, so the result never depends on how the paths happened to arrive.
    """
    if use_rankings:
        return sorted(paths, key=lambda path: (path.rank_key, -path.index), reverse=True)
    return sorted(paths, key=lambda path: path.index)


def prune_to_budget(
    paths: Sequence[PathCost],
    *,
    base_tokens: int,
    helper_tokens: Mapping[str, int],
    budget: int,
    use_rankings: bool,
    measure: Callable[[Sequence[int]], int] | None = None,
) -> PrunePlan:
    """Keep the highest-ranked paths that fit ``budget`` together; drop the others.

    Paths are offered a place in :func:`keep_order`; each one is kept if the
    prompt still fits with it (``tokens == budget`` fits), and dropped
    otherwise, and the next one is tried. Dropping "least relevant first until
    it fits" would throw away a small path that fits on its own whenever a
    larger, more relevant one does not; offering places from the top instead
    keeps every path that fits beside the more relevant ones, so nothing is
    kept only when no single path fits.

    This is greedy by rank, not the packing that fills the most tokens: a less
    relevant path never displaces a more relevant one that fits, which keeps
    the choice explainable ("it did not fit beside the N paths above it").
    A kept set only grows, and a path's helpers are paid once however many
    paths share them, so a prompt never shrinks when a path is added: a path
    that did not fit beside the paths kept at its turn does not fit beside the
    final kept set either.

    Each prompt is priced by adding its parts, as :func:`prompt_tokens` does,
    or by ``measure`` (the tokens of a prompt holding the paths of the given
    indexes) when given: a tokenizer may count the whole prompt differently
    from the sum of its separately counted parts, and then only the whole is
    the truth.
    """
    kept: list[int] = []
    kept_sources: set[str] = set()
    dropped: list[PruneDrop] = []
    tokens = base_tokens if measure is None else measure([])
    for path in keep_order(paths, use_rankings=use_rankings):
        new_sources = path.sources - kept_sources
        if measure is None:
            new_helpers = sum(helper_tokens.get(source, 0) for source in new_sources)
            with_path = tokens + new_helpers + path.chunk_tokens
        else:
            with_path = measure([*kept, path.index])
        if with_path <= budget:
            kept.append(path.index)
            kept_sources |= new_sources
            tokens = with_path
            continue
        if not kept:
            alone = with_path
        elif measure is None:
            alone = prompt_tokens([path], base_tokens=base_tokens, helper_tokens=helper_tokens)
        else:
            alone = measure([path.index])
        dropped.append(PruneDrop(path.index, alone, with_path, len(kept)))
    return PrunePlan(tuple(sorted(kept)), tuple(dropped), tokens)


def smallest_summary_budget(
    *,
    fixed_tokens: int,
    chunk_count: int,
    headroom: int,
    call_tokens: Callable[[int], int],
    start: int,
    ceiling: int,
) -> int:
    """The smallest budget, from ``start`` up to ``ceiling``, that SUMMARIZE can work with.

    Two floors. The answer prompt must leave at least one token per chunk
    beyond its fixed part (question, helpers, wrapper text, chunk headers): a
    summary has at least one character, so less room cannot hold the summaries
    whatever the model writes. And the summary call of the largest chunk
    (``call_tokens(budget)``: the summary instructions and that chunk) must fit
    in the budget minus ``headroom``, or :func:`pack_parts` cannot place it.

    The call grows with the budget, a little: a larger budget gives larger
    character targets, and the target is written in the call ("at most 1234
    characters"). So the budget is raised to what the call at that budget
    needs until the two agree; as ``call_tokens`` only grows with the budget,
    the first budget that agrees is the smallest from ``start`` up. The budget
    rises at every step, and ``ceiling`` (the unsummarized prompt, which needs
    no summary call at all) stops it even for a ``call_tokens`` without bound.
    """
    budget = max(start, fixed_tokens + chunk_count)
    while budget < ceiling and (needed := headroom + call_tokens(budget)) > budget:
        budget = needed
    return min(budget, ceiling)


def check_summary_budget(
    *,
    budget: int,
    fixed_tokens: int,
    chunk_count: int,
    full_tokens: int,
    headroom: int,
    call_tokens: Callable[[int], int],
    wording: QueryWording = API_WORDING,
) -> None:
    """Check SUMMARIZE can work within ``budget``, before any summary is asked for.

    ``full_tokens`` is the prompt with every chunk unsummarized (more than
    ``budget``, or nothing would be summarized); ``call_tokens`` as in
    :func:`smallest_summary_budget`.

    Raises:
        QueryError: The budget is below one of the floors of
            :func:`smallest_summary_budget`; the message names the smallest
            budget that can work (``full_tokens`` if that is smaller: then
            nothing needs summarizing), never a ratio of zero or less.
    """
    room = budget - fixed_tokens
    if room >= chunk_count:
        call = call_tokens(budget)
        if headroom + call <= budget:
            return
        why = (
            f"each summary call keeps {headroom} tokens free for the model's instructions and "
            f"answer, and the call for the largest chunk needs {call} tokens more"
        )
    else:
        why = (
            f"the question, source descriptions and chunk headers alone take {fixed_tokens} "
            f"tokens, leaving {max(room, 0)} for the summaries of {chunk_count} chunk(s), "
            "less than one token each"
        )
    smallest = smallest_summary_budget(
        fixed_tokens=fixed_tokens,
        chunk_count=chunk_count,
        headroom=headroom,
        call_tokens=call_tokens,
        start=budget + 1,
        ceiling=full_tokens,
    )
    unsummarized = " (everything fits there without summaries)" if smallest == full_tokens else ""
    raise QueryError(
        f"{wording.budget(budget)} is too small to summarize the {chunk_count} chunk(s) "
        f"found: {why}. The smallest budget that can work is {smallest}{unsummarized}.",
        remedy=f"use {wording.budget(smallest)} or more, or {wording.prune}.",
    )


def compression_ratio(
    *, budget: int, fixed_tokens: int, chunk_tokens: int, wording: QueryWording = API_WORDING
) -> float:
    """``(budget − fixed_tokens) / chunk_tokens``: the share of the chunks' length that fits.

    A ratio ≥ 1 means no summarizing is needed. The pipeline calls
    :func:`check_summary_budget` first, which names the smallest workable
    budget; this check only guards direct callers.

    Raises:
        QueryError: The fixed part alone (question, helpers, wrapper text)
            leaves no room for any chunk (ratio ≤ 0).
    """
    room = budget - fixed_tokens
    if room <= 0:
        raise QueryError(
            f"The question, source descriptions and prompt text alone take {fixed_tokens} "
            f"tokens, leaving no room for chunks in {wording.budget(budget)}.",
            remedy=f"use {wording.budget(fixed_tokens + 1)} or more, or shorten the question.",
        )
    if chunk_tokens <= 0:
        return 1.0
    return room / chunk_tokens


def char_targets(
    lengths: Sequence[int], ratio: float, *, margin: float = TARGET_MARGIN
) -> list[int]:
    """Each chunk's character target: ``floor(length × ratio × margin)``, at least 1 character."""
    return [max(1, math.floor(length * ratio * margin)) for length in lengths]


def pack_parts(
    item_tokens: Sequence[int],
    *,
    base_tokens: int,
    budget: int,
    headroom: int,
    wording: QueryWording = API_WORDING,
) -> list[list[int]]:
    """Cut items (in order) into parts whose prompt (base + their tokens) fits budget − headroom.

    Returns the item indexes of each part. Several items share a part when they
    fit. ``headroom`` is kept free in every call for the model's instructions
    and its answer.

    Raises:
        QueryError: The summary instructions with the largest chunk do not fit;
            the message names the smallest budget that holds them.
    """
    limit = budget - headroom
    largest = max(item_tokens, default=0)
    if base_tokens + max(largest, 1) > limit:
        smallest = headroom + base_tokens + max(largest, 1)
        raise QueryError(
            f"A summary call needs {base_tokens + largest} tokens for the summary instructions "
            f"and its largest chunk, plus {headroom} kept free for the model's instructions "
            f"and answer: more than {wording.budget(budget)}. The smallest budget that can "
            f"work is {smallest}.",
            remedy=f"use {wording.budget(smallest)} or more, or {wording.prune}.",
        )
    parts: list[list[int]] = []
    current: list[int] = []
    used = base_tokens
    for index, tokens in enumerate(item_tokens):
        if current and used + tokens > limit:
            parts.append(current)
            current, used = [], base_tokens
        current.append(index)
        used += tokens
    if current:
        parts.append(current)
    return parts


def check_summary_lengths(
    lengths: Sequence[int],
    targets: Sequence[int],
    *,
    tolerance: float,
    wording: QueryWording = API_WORDING,
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
            remedy=f"raise {wording.budget_name}, use {wording.prune}, or use a model that keeps "
            "to length limits.",
        )


def check_fits(
    tokens: int,
    budget: int,
    *,
    what: str = "The answer prompt",
    wording: QueryWording = API_WORDING,
) -> None:
    """Check a counted prompt fits the budget.

    Raises:
        QueryError: ``tokens > budget``.
    """
    if tokens > budget:
        raise QueryError(
            f"{what} has {tokens} tokens, more than {wording.budget(budget)}.",
            remedy=f"raise {wording.budget_name}, lower {wording.limit_name}, or choose a "
            "narrower strategy.",
        )
