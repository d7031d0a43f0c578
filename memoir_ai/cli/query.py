"""``memoir query "QUESTION"``: the answer and its citations with category paths, or JSON.

``--json`` prints exactly ``QueryResult.model_dump(mode="json")`` (the shape the
Python API's result has; see :class:`memoir_ai.query.results.QueryResult`).
``--trace`` adds the walk down the tree, level by level. Errors name this
command's options (``--budget``, ``--summarize``, ...): the memory is opened
with ``front_door="cli"``, whose query wording is
:data:`~memoir_ai.query.wording.CLI_WORDING`.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli._costs import cost_line
from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import print_json

if TYPE_CHECKING:
    from memoir_ai.query.results import QueryResult

__all__ = ["query"]

_SNIPPET_CHARACTERS = 160


class Strategy(enum.StrEnum):
    """The traversal strategies (the values of ``memoir_ai.query.QueryStrategy``)."""

    ONE_SHOT = "one_shot"
    WIDE_BRANCH = "wide_branch"
    ZOOM_IN = "zoom_in"
    BRANCH_OUT = "branch_out"


class Limiting(enum.StrEnum):
    """What to do when the chunks exceed the budget (``PromptLimitingStrategy``)."""

    PRUNE = "prune"
    SUMMARIZE = "summarize"


def query(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question to answer from the memory.")],
    strategy: Annotated[
        Strategy,
        typer.Option(
            "--strategy",
            "-s",
            help="How the tree is walked: one path (one_shot), N per level (wide_branch), "
            "N then fewer (zoom_in), N then more (branch_out).",
        ),
    ] = Strategy.ONE_SHOT,
    n: Annotated[
        int | None,
        typer.Option(
            "--n", min=1, help="Categories per level (wide_branch 3; zoom_in and branch_out 6)."
        ),
    ] = None,
    n2: Annotated[
        int | None,
        typer.Option(
            "--n2",
            min=0,
            help="Step per level for zoom_in (fewer) and branch_out (more); default 2.",
        ),
    ] = None,
    budget: Annotated[
        int | None,
        typer.Option(
            "--budget",
            min=1,
            metavar="TOKENS",
            help="Token budget of the answer prompt (default: MEMOIR_MAX_TOKEN_BUDGET, 40000).",
        ),
    ] = None,
    limiting: Annotated[
        Limiting,
        typer.Option(
            "--limiting",
            help="Over budget: drop the lowest-ranked paths (prune) or summarize the chunks.",
        ),
    ] = Limiting.PRUNE,
    summarize: Annotated[
        bool, typer.Option("--summarize", help="Shorthand for --limiting summarize.")
    ] = False,
    no_rankings: Annotated[
        bool,
        typer.Option(
            "--no-rankings",
            help="When pruning, drop the last paths in tree order instead of the least relevant.",
        ),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Most chunks read from each leaf.")
    ] = 10,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole result as JSON, for programs.")
    ] = False,
    trace: Annotated[
        bool,
        typer.Option(
            "--trace",
            help="Also print the walk: per level, the candidates shown, the ones chosen with "
            "their rank, and the paths dropped and why.",
        ),
    ] = False,
) -> None:
    """Answer QUESTION by walking the category tree, citing the chunks the answer relies on."""
    params = {name: value for name, value in (("n", n), ("n2", n2)) if value is not None}
    with open_memoir(ctx) as memoir:
        result = memoir.query_sync(
            question,
            strategy=strategy.value,
            strategy_params=params or None,
            prompt_limiting_strategy="summarize" if summarize else limiting.value,
            max_token_budget=budget,
            use_rankings=not no_rankings,
            limit=limit,
        )
    if as_json:
        print_json(result.to_json_data())
        return
    _print_result(result)
    if trace:
        from memoir_ai.cli._trace import trace_lines

        typer.echo("")
        for line in trace_lines(result):
            typer.echo(line)


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= _SNIPPET_CHARACTERS:
        return flat
    return flat[: _SNIPPET_CHARACTERS - 1].rsplit(" ", 1)[0] + "…"


def _print_result(result: QueryResult) -> None:
    typer.echo(result.answer.strip() or "(no answer)")
    typer.echo("")
    cited = result.cited_chunks
    if cited:
        typer.echo("Citations:")
        for chunk in cited:
            typer.echo(f"  [{chunk.id}] {' > '.join(chunk.category_path)}  ({chunk.source_id})")
            typer.echo(f"      {_snippet(chunk.summary or chunk.text)}")
    else:
        typer.echo("Citations: none (the answer cites no chunk).")
    if result.dropped_paths:
        typer.echo("Dropped paths:")
        for dropped in result.dropped_paths:
            detail = f": {dropped.detail}" if dropped.detail else ""
            typer.echo(f"  {dropped.path.label()} ({dropped.reason.replace('_', ' ')}{detail})")
    tokens = sum(call.input_tokens + call.output_tokens for call in result.llm_calls)
    typer.echo("")
    typer.echo(
        f"{result.strategy.value}, {len(result.chunks)} chunk(s) read, "
        f"{result.llm_call_count} LLM call(s), {tokens} tokens, "
        f"{result.total_latency_seconds:.2f} s. Show a chunk with `memoir show ID`."
    )
    typer.echo(cost_line(result.costs))
