"""``memoir doctor``: does this model work with memoir-ai? One tiny request per purpose.

Runs :func:`memoir_ai.llm.doctor.check_model` with the configured (or given)
model and prints one table: per purpose, the output mode that worked, the
latency, the tokens and whether the answer validated. No database is opened.
"""

from __future__ import annotations

from typing import Annotated

import typer

from memoir_ai.cli._output import CliOptions

__all__ = ["doctor"]


def doctor(
    ctx: typer.Context,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="MODEL",
            help="The model to check (default: the global --model, $MEMOIR_MODEL, or offline).",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="Endpoint of an OpenAI-compatible server (default: $MEMOIR_MODEL_BASE_URL).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Send the model one tiny request per purpose and report how each went (no database)."""
    from memoir_ai._sync import run_sync
    from memoir_ai.cli._tables import new_table, table_console
    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.llm.doctor import check_model
    from memoir_ai.llm.models import LLMSettings

    options = ctx.find_object(CliOptions) or CliOptions()
    config = options.config()
    overrides = {"model": model, "model_base_url": base_url}
    if any(value is not None for value in overrides.values()):
        values = {name: value for name, value in overrides.items() if value is not None}
        config = MemoirAIConfig(**{**config.model_dump(), **values})
    agents = AgentFactory(LLMSettings.from_config(config))
    checks = run_sync(check_model(agents))

    out = table_console()
    out.print(
        f"Model {agents.model_name} (structured output: {config.structured_output}, "
        f"timeout {config.llm_timeout:g} s)"
    )
    table = new_table(
        "Purpose", "Output mode", "Latency", "Tokens in", "Tokens out", "Attempts", "Validated",
        "Answer or error",
    )  # fmt: skip
    for check in checks:
        table.add_row(
            check.purpose.value,
            check.structured_output,
            f"{check.latency_seconds:.2f} s",
            str(check.input_tokens),
            f"{check.output_tokens} / {check.max_tokens}",
            str(check.attempts),
            "yes" if check.validated else "no",
            check.detail,
        )
    out.print(table)
    failed = [check.purpose.value for check in checks if not check.validated]
    if failed:
        out.print(
            f"{len(failed)} purpose(s) failed: {', '.join(failed)}. Try another "
            "--structured-output, a larger model, or a longer MEMOIR_LLM_TIMEOUT."
        )
        raise typer.Exit(1)
    out.print(f"All {len(checks)} purposes answered in a valid form.")
