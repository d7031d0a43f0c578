"""``memoir tidy``: the merges of near-duplicate siblings the model proposes, as a plan to review.

Without ``--apply`` nothing changes: the plan is printed (or saved with
``--json``). With ``--apply`` the plan just shown is carried out after a
confirmation, each merge a recorded change of its own; ``--plan FILE`` applies
a plan saved earlier with ``--json`` as it was reviewed, without asking the
model again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from memoir_ai.cli._memoir import open_memoir
from memoir_ai.cli._output import confirm, print_json

if TYPE_CHECKING:
    from memoir_ai.maintenance.results import TidyPlan

__all__ = ["tidy"]


def tidy(
    ctx: typer.Context,
    apply: Annotated[
        bool, typer.Option("--apply", help="Carry out the merges (after a confirmation).")
    ] = False,
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            metavar="FILE",
            help="With --apply: the plan saved by `memoir tidy --json`, applied as reviewed.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Apply without asking for confirmation.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Propose merges of near-duplicate sibling categories, each with its reason."""
    from memoir_ai.errors import ValidationError

    if plan_file is not None and not apply:
        raise ValidationError(
            "--plan names a plan to apply, but --apply is missing.",
            remedy="run `memoir tidy --apply --plan FILE`, or leave --plan out to see a new plan.",
        )
    with open_memoir(ctx) as memoir:
        plan = _load(plan_file) if plan_file is not None else memoir.tidy_sync()
        if not as_json or not apply:
            _show(plan, as_json)
        if not apply or not plan.proposals:
            return
        # With --json the question goes to stderr, so stdout stays one JSON document.
        question = f"Apply these {len(plan.proposals)} merge(s)?"
        if not yes and not confirm(question, keep_stdout_clean=as_json):
            typer.echo("Cancelled: nothing was changed.", err=as_json)
            raise typer.Exit(1)
        done = memoir.apply_tidy_plan(plan)
    if as_json:
        print_json(done.to_json_data())
        return
    for change in done.applied:
        typer.echo(f"Change {change.id}: {change.summary}")
    for skipped in done.skipped:
        typer.echo(f"Skipped {' > '.join(skipped.proposal.source_path)}: {skipped.reason}")
    typer.echo(
        f"{len(done.applied)} merge(s) made; undo them one by one with `memoir category undo`."
    )


def _load(path: Path) -> TidyPlan:
    from pydantic import ValidationError as PydanticError

    from memoir_ai.errors import ValidationError
    from memoir_ai.maintenance.results import TidyPlan

    try:
        return TidyPlan.model_validate_json(path.read_text("utf-8"))
    except (PydanticError, UnicodeDecodeError) as error:
        raise ValidationError(
            f"{path} is not a plan saved by `memoir tidy --json`: {error.__class__.__name__}.",
            remedy="save one with `memoir tidy --json > plan.json`, review it, then "
            "`memoir tidy --apply --plan plan.json`.",
        ) from error


def _show(plan: TidyPlan, as_json: bool) -> None:
    if as_json:
        print_json(plan.to_json_data())
        return
    if not plan.proposals:
        typer.echo(f"No near-duplicate siblings found ({plan.calls} call(s) to {plan.model}).")
        return
    typer.echo(f"{len(plan.proposals)} merge(s) proposed by {plan.model} ({plan.calls} call(s)):")
    for number, proposal in enumerate(plan.proposals, start=1):
        typer.echo(
            f"{number}. {' > '.join(proposal.source_path)} (id {proposal.source_id})  →  "
            f"{' > '.join(proposal.into_path)} (id {proposal.into_id})"
        )
        typer.echo(f"   {proposal.reason}")
