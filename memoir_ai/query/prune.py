"""PRUNE: keep the highest-ranked whole paths whose chunks fit the budget, report the rest.

The arithmetic is :func:`~memoir_ai.query.budget.prune_to_budget`; this module
prices each path with the model's tokenizer, checks the plan against a count of
the whole prompt, and turns the plan into dropped paths (each with why) or,
when no single path fits, into one error that names every path dropped and the
smallest budget that would hold one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from memoir_ai.query import budget as arithmetic
from memoir_ai.query.answer import AnswerPrompt, answer_chunks, helpers_for
from memoir_ai.query.results import DroppedPath, NoResultsError
from memoir_ai.query.retrieve import RetrievedPath
from memoir_ai.query.wording import API_WORDING, QueryWording

__all__ = ["LISTED_PATHS", "prune_paths"]

logger = logging.getLogger(__name__)

LISTED_PATHS = 10
"""Most dropped paths named in the message when nothing fits (the error carries them all)."""


def prune_paths(
    prompt: AnswerPrompt,
    retrieved: Sequence[RetrievedPath],
    helpers: Mapping[str, str],
    *,
    budget: int,
    use_rankings: bool,
    earlier: Sequence[DroppedPath] = (),
    wording: QueryWording = API_WORDING,
) -> tuple[list[RetrievedPath], list[DroppedPath]]:
    """The paths kept (in order) and those dropped for the budget (in the order offered).

    ``earlier`` are the paths the query dropped before (no chunk); they only
    complete the error.

    Raises:
        NoResultsError: No single path fits ``budget``.
    """
    helper_tokens = {source: prompt.helper_tokens(text) for source, text in helpers.items()}

    def priced(block_tokens: Callable[[RetrievedPath], int]) -> list[arithmetic.PathCost]:
        return [
            arithmetic.PathCost(
                index,
                item.path.rank_key,
                block_tokens(item),
                frozenset(chunk.source_id for chunk in item.chunks),
            )
            for index, item in enumerate(retrieved)
        ]

    def from_stored(item: RetrievedPath) -> int:
        shown = answer_chunks([item], {})
        return sum(
            prompt.estimated_block_tokens(block, chunk.token_count)
            for block, chunk in zip(shown, item.chunks, strict=True)
        )

    def encoded(item: RetrievedPath) -> int:
        return sum(prompt.block_tokens(block) for block in answer_chunks([item], {}))

    def whole(indexes: Sequence[int]) -> int:
        chosen = [retrieved[index] for index in sorted(indexes)]
        return prompt.count(answer_chunks(chosen, {}), helpers_for(chosen, helpers))

    def plan(
        costs: Sequence[arithmetic.PathCost], measure: Callable[[Sequence[int]], int] | None = None
    ) -> arithmetic.PrunePlan:
        return arithmetic.prune_to_budget(
            costs,
            base_tokens=prompt.base_tokens,
            helper_tokens=helper_tokens,
            budget=budget,
            use_rankings=use_rankings,
            measure=measure,
        )

    # First price each chunk from its stored count (one encode of exactly its text), so
    # the chunks are encoded once, in the whole prompt. When every path is kept and that
    # whole prompt fits, the estimate decided nothing: done. Otherwise the plan's numbers
    # are reported, so plan again from exact counts.
    pruned = plan(priced(from_stored))
    if pruned.dropped or whole(pruned.kept) > budget:
        costs = priced(encoded)
        pruned = plan(costs)
        exact = bool(pruned.kept) and whole(pruned.kept) == pruned.tokens
    else:
        costs = []
        exact = True
    if not exact:
        # The parts, counted apart, need not add up to the whole prompt: a tokenizer may
        # split differently where they join (Claude's counts up to ~30 tokens more on the
        # demo's prompts). Then plan again pricing every candidate prompt whole, so the kept
        # paths fit and every number reported is a real count. Nothing kept also re-plans:
        # the error's numbers must be real counts too.
        pruned = plan(costs, whole)
    dropped = [
        DroppedPath(
            path=retrieved[drop.index].path,
            reason="over_budget",
            detail=_why(drop, len(retrieved[drop.index].chunks), budget, use_rankings),
        )
        for drop in pruned.dropped
    ]
    if not pruned.kept:
        raise _nothing_fits(prompt, retrieved, pruned, budget, dropped, earlier, wording)
    if dropped:
        logger.info("PRUNE dropped %d path(s) to fit %d tokens.", len(dropped), budget)
    return [retrieved[index] for index in pruned.kept], dropped


def _why(drop: arithmetic.PruneDrop, chunks: int, budget: int, use_rankings: bool) -> str:
    """Why a path was left out, in words that hold in every interface (no parameter names)."""
    if drop.alone_tokens > budget:
        return (
            f"its {chunks} chunk(s) make a {drop.alone_tokens}-token prompt even alone, "
            f"over the {budget}-token budget"
        )
    above = "higher-ranked" if use_rankings else "earlier"
    return (
        f"its {chunks} chunk(s) fit alone ({drop.alone_tokens} tokens), but beside the "
        f"{drop.kept_before} {above} path(s) kept the prompt would take "
        f"{drop.with_kept_tokens} tokens, over the {budget}-token budget"
    )


def _nothing_fits(
    prompt: AnswerPrompt,
    retrieved: Sequence[RetrievedPath],
    pruned: arithmetic.PrunePlan,
    budget: int,
    dropped: Sequence[DroppedPath],
    earlier: Sequence[DroppedPath],
    wording: QueryWording,
) -> NoResultsError:
    """No single path fits: name the smallest prompt a path makes, and every path dropped."""
    smallest = min(pruned.dropped, key=lambda drop: drop.alone_tokens)
    listed = [
        f"{retrieved[drop.index].path.label()} ({drop.alone_tokens} tokens)"
        for drop in pruned.dropped[:LISTED_PATHS]
    ]
    if len(pruned.dropped) > LISTED_PATHS:
        listed.append(f"and {len(pruned.dropped) - LISTED_PATHS} more")
    others = f" {len(earlier)} other path(s) led to no chunk." if earlier else ""
    considered = [item.path for item in retrieved] + [item.path for item in earlier]
    return NoResultsError(
        f"Nothing fits {wording.budget(budget)}: the prompt without chunks takes "
        f"{prompt.base_tokens} tokens, and the smallest path, "
        f"{retrieved[smallest.index].path.label()} "
        f"({len(retrieved[smallest.index].chunks)} chunk(s)), makes it "
        f"{smallest.alone_tokens} tokens with its source description(s). Considered "
        f"{len(retrieved)} path(s) with chunks, dropped all: {'; '.join(listed)}.{others}",
        dropped_paths=tuple(sorted([*earlier, *dropped], key=lambda item: item.path.ids)),
        considered_paths=tuple(sorted(considered, key=lambda path: path.ids)),
        remedy=f"use {wording.budget(smallest.alone_tokens)} or more, lower {wording.limit_name} "
        f"(chunks per path), or {wording.summarize}.",
    )
