"""What ``memoir ingest --estimate`` prints: expected calls, tokens and USD, and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from memoir_ai.cli._costs import usd
from memoir_ai.cli._output import print_error, print_json
from memoir_ai.cli._tables import new_table, table_console

if TYPE_CHECKING:
    from memoir_ai.cli._inputs import Input
    from memoir_ai.costs import CostEstimate
    from memoir_ai.memoir import MemoirAI

__all__ = ["print_estimate"]


def print_estimate(
    memoir: MemoirAI,
    inputs: list[Input],
    replace: bool,
    read: Callable[[Input], str],
    *,
    as_json: bool,
) -> None:
    """Read every input, estimate them together, and print the estimate (exit 1 if one failed)."""
    from memoir_ai.errors import MemoirAIError

    texts: dict[str, str] = {}
    names: dict[str, str] = {}
    failed = []
    for item in inputs:
        try:
            if item.problem is not None:
                raise _problem(item.problem)
            texts[item.source_id] = read(item)
        except MemoirAIError as error:
            failed.append(f"Error: {item.source_id}: {error}")
            continue
        if item.path is not None:
            names[item.source_id] = item.path.name
    estimate = memoir.estimate_ingest_sync(texts, replace=replace, file_names=names)
    if as_json:
        print_json(estimate.to_json_data())
    else:
        _print_table(estimate)
    for line in failed:
        print_error(line)
    if failed:
        raise typer.Exit(1)


def _problem(problem: str) -> Exception:
    from memoir_ai.errors import ValidationError

    return ValidationError(problem)


def _print_table(estimate: CostEstimate) -> None:
    out = table_console()
    table = new_table(
        "Source", "Would be", "Chunks", "LLM calls", "Tokens in", "Tokens out", "Out (bound)"
    )
    for source in estimate.sources:
        table.add_row(
            source.source_id,
            source.status if source.note is None else f"{source.status}: {source.note}",
            str(source.chunks),
            str(source.calls),
            str(source.input_tokens),
            str(source.output_tokens),
            str(source.output_tokens_bound),
        )
    out.print(table)
    out.print(
        f"Estimate for {estimate.model}: {estimate.calls} LLM call(s), "
        f"{estimate.input_tokens} tokens in, {estimate.output_tokens} tokens out "
        f"(at most {estimate.output_tokens_bound})."
    )
    price = estimate.price
    if price is None or estimate.usd is None or estimate.usd_bound is None:
        out.print(f"Cost: {estimate.price_note}.")
    else:
        out.print(
            f"Cost: {usd(estimate.usd)} expected, {usd(estimate.usd_bound)} with every answer "
            f"at its bound (${price.input_usd_per_million:g} in / "
            f"${price.output_usd_per_million:g} out per million tokens, liteLLM's bundled "
            f"price for {price.price_key!r})."
        )
    out.print("Assumptions:")
    for line in estimate.assumptions:
        out.print(f"- {line}")
