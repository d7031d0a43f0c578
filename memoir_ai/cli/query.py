"""``memoir query "QUESTION"``: the answer and its citations with category paths, or JSON.

The JSON shape (``--json``) is stable: ``query``, ``answer``,
``cited_chunk_ids``, ``chunks`` (id, source_id, category_path, relevance,
created_at, token_count, cited, text, summary), ``paths``, ``dropped_paths``
(path, reason, detail), ``llm_calls`` (purpose, model, timestamp,
latency_seconds, input_tokens, output_tokens), ``total_latency_seconds``,
``strategy``, ``prompt_limiting_strategy``, ``max_token_budget``,
``prompt_tokens``, ``summarized``, ``operation_id``.
"""

from __future__ import annotations

import enum
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from memoir_ai.cli._memoir import open_memoir

if TYPE_CHECKING:
    from memoir_ai.query.results import QueryResult

__all__ = ["query", "result_document"]

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
        typer.echo(json.dumps(result_document(result), indent=2, ensure_ascii=False))
        return
    _print_result(result)


def result_document(result: QueryResult) -> dict[str, Any]:
    """The query result as JSON-ready data (the shape of ``memoir query --json``)."""
    cited = set(result.cited_chunk_ids)
    return {
        "query": result.query,
        "answer": result.answer,
        "cited_chunk_ids": list(result.cited_chunk_ids),
        "chunks": [
            {
                "id": chunk.id,
                "source_id": chunk.source_id,
                "category_path": list(chunk.category_path),
                "relevance": list(chunk.relevance),
                "created_at": chunk.created_at.isoformat(),
                "token_count": chunk.token_count,
                "cited": chunk.id in cited,
                "text": chunk.text,
                "summary": chunk.summary,
            }
            for chunk in result.chunks
        ],
        "paths": [
            {"path": list(path.names), "ranked_relevance": list(path.ranked_relevance)}
            for path in result.paths
        ],
        "dropped_paths": [
            {"path": list(dropped.path.names), "reason": dropped.reason, "detail": dropped.detail}
            for dropped in result.dropped_paths
        ],
        "llm_calls": [
            {
                "purpose": call.purpose.value,
                "model": call.model,
                "timestamp": call.timestamp.isoformat(),
                "latency_seconds": call.latency_seconds,
                "input_tokens": call.input_tokens,
                "output_tokens": call.output_tokens,
            }
            for call in result.llm_calls
        ],
        "total_latency_seconds": result.total_latency_seconds,
        "strategy": result.strategy.value,
        "prompt_limiting_strategy": result.prompt_limiting_strategy.value,
        "max_token_budget": result.max_token_budget,
        "prompt_tokens": result.prompt_tokens,
        "summarized": result.summarized,
        "operation_id": result.operation_id,
    }


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
