"""``memoir helper ...``: show, set and regenerate the contextual helper of a source.

Each command is a thin call of a :class:`~memoir_ai.MemoirAI` method, as in
the Python API. ``set`` is a short dialog — author, ISO 8601 date,
topic, description — that shows the composed helper with its token count and
asks to confirm, edit or cancel; nothing is written before the confirmation.
Heavy modules are imported inside the commands, never at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from memoir_ai.cli._memoir import open_memoir

if TYPE_CHECKING:
    from memoir_ai.helpers.compose import HelperFields
    from memoir_ai.memoir import MemoirAI
    from memoir_ai.results import StoredHelper

__all__ = ["helper_app"]

helper_app = typer.Typer(
    help=(
        "Show, set and regenerate the contextual helper of a source: the short paragraph "
        "(title, author, date, topic, summary) put into every prompt about it."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

Decision = Literal["confirm", "edit", "cancel"]
_DECISIONS: dict[str, Decision] = {
    "y": "confirm",
    "yes": "confirm",
    "confirm": "confirm",
    "e": "edit",
    "edit": "edit",
    "c": "cancel",
    "cancel": "cancel",
    "n": "cancel",
    "no": "cancel",
}
_DATE_PROMPT = "Date (ISO 8601: YYYY-MM-DD, YYYY-MM or YYYY; or 'unknown')"

SourceArgument = Annotated[str, typer.Argument(help="The id the source was ingested under.")]


def _describe(helper: StoredHelper, *, with_version: bool = True) -> str:
    origin = "user-provided" if helper.is_user_provided else "generated"
    created = helper.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    described = f"{helper.token_count} tokens, {origin}, {created}"
    return f"version {helper.version}, {described}" if with_version else described


def _missing(source_id: str) -> Exception:
    from memoir_ai.errors import ValidationError

    return ValidationError(
        f"Source {source_id!r} has no contextual helper.",
        remedy=f"set one with `memoir helper set {source_id}`, or generate one from its chunks "
        f"with `memoir helper regenerate {source_id}`.",
    )


@helper_app.command("show")
def show(
    ctx: typer.Context,
    source_id: SourceArgument,
    history: Annotated[
        bool, typer.Option("--history", help="List every version, oldest first.")
    ] = False,
) -> None:
    """Print the helper of SOURCE_ID with its version, token count and origin."""
    with open_memoir(ctx) as memoir:
        current = memoir.get_contextual_helper(source_id)
        versions = memoir.contextual_helper_history(source_id) if history else []
    if current is None:
        raise _missing(source_id)
    if not history:
        typer.echo(f"Contextual helper of {source_id!r}: {_describe(current)}")
        typer.echo("")
        typer.echo(current.helper_text)
        return
    typer.echo(f"Contextual helper of {source_id!r}: {len(versions)} version(s)")
    for helper in versions:
        marker = " (current)" if helper.version == current.version else ""
        typer.echo("")
        typer.echo(f"Version {helper.version}{marker}: {_describe(helper, with_version=False)}")
        typer.echo(helper.helper_text)


@helper_app.command("set")
def set_helper(
    ctx: typer.Context,
    source_id: SourceArgument,
    author: Annotated[str | None, typer.Option(help="Who wrote the source.")] = None,
    date: Annotated[
        str | None, typer.Option(help="When: ISO 8601 (YYYY-MM-DD, YYYY-MM, YYYY) or 'unknown'.")
    ] = None,
    topic: Annotated[str | None, typer.Option(help="The subject in a few words.")] = None,
    description: Annotated[
        str | None, typer.Option(help="What the source contains, at most 200 tokens.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="The source's title (optional).")] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Do not ask: missing fields are 'unknown', no confirmation."
        ),
    ] = False,
) -> None:
    """Write the helper of SOURCE_ID yourself; it overrides a generated one.

    Asks for author, date, topic and description ('unknown' is fine for any),
    shows the helper with its token count, then asks to confirm, edit or cancel.
    Options answer questions in advance; with --yes nothing is asked.
    """
    from memoir_ai.helpers.compose import HelperFields

    given = HelperFields(
        author=author or "unknown",
        date=date or "unknown",
        topic=topic or "unknown",
        description=description or "unknown",
        title=title,
    )
    with open_memoir(ctx) as memoir:
        if yes:
            stored = memoir.set_contextual_helper(source_id, given)
        else:
            current = memoir.get_contextual_helper(source_id)
            if current is not None:
                typer.echo(
                    f"Source {source_id!r} has a helper ({_describe(current)}); yours will "
                    "replace it, and the old one stays in its history."
                )
            asked = {
                name
                for name, value in (
                    ("author", author),
                    ("date", date),
                    ("topic", topic),
                    ("description", description),
                )
                if value is None
            }
            fields = _dialog(memoir, given, asked)
            if fields is None:
                typer.echo("Cancelled: nothing was saved.")
                raise typer.Exit(1)
            stored = memoir.set_contextual_helper(source_id, fields)
    typer.echo(f"Saved the helper of {source_id!r}: {_describe(stored)}.")


def _dialog(memoir: MemoirAI, answers: HelperFields, asked: set[str]) -> HelperFields | None:
    """Ask, preview, and loop on edit; the confirmed fields, or None when cancelled."""
    from memoir_ai.errors import ValidationError

    while True:
        answers = _ask_fields(memoir, answers, asked)
        try:
            preview = memoir.preview_contextual_helper(answers)
        except ValidationError as error:
            typer.echo(f"{error}")
            asked = {"author", "date", "topic", "description"}
            continue
        typer.echo("")
        typer.echo(f"Contextual helper ({preview.token_count} tokens, at most 300):")
        typer.echo("")
        typer.echo(preview.helper_text)
        typer.echo("")
        decision = _ask_decision()
        if decision == "confirm":
            return preview.fields
        if decision == "cancel":
            return None
        asked = {"author", "date", "topic", "description"}


def _ask_fields(memoir: MemoirAI, answers: HelperFields, asked: set[str]) -> HelperFields:
    author = _ask_plain("Author", answers.author) if "author" in asked else answers.author
    date = _ask_date(answers.date, ask="date" in asked)
    topic = _ask_plain("Topic", answers.topic) if "topic" in asked else answers.topic
    description = _ask_description(memoir, answers.description, ask="description" in asked)
    return answers.model_copy(
        update={"author": author, "date": date, "topic": topic, "description": description}
    )


def _ask_plain(label: str, default: str) -> str:
    return str(typer.prompt(label, default=default)).strip() or "unknown"


def _ask_date(value: str, *, ask: bool) -> str:
    """An ISO 8601 date or 'unknown', asked again until it parses."""
    from memoir_ai.errors import ValidationError
    from memoir_ai.helpers.compose import parse_helper_date

    default = value
    while True:
        if ask:
            value = str(typer.prompt(_DATE_PROMPT, default=default))
        try:
            return parse_helper_date(value)
        except ValidationError as error:
            typer.echo(f"{error}")
            # Offer the last good answer again, never the one just refused.
            if default == value:
                default = "unknown"
            ask = True


def _ask_description(memoir: MemoirAI, value: str, *, ask: bool) -> str:
    """A description of at most 200 tokens, asked again while it is longer."""
    from memoir_ai.helpers.compose import DESCRIPTION_MAX_TOKENS

    while True:
        if ask:
            value = str(
                typer.prompt(
                    f"Description (at most {DESCRIPTION_MAX_TOKENS} tokens)", default=value
                )
            )
        tokens = memoir.count_tokens(value)
        if tokens <= DESCRIPTION_MAX_TOKENS:
            return value.strip() or "unknown"
        typer.echo(
            f"That description is {tokens} tokens long; shorten it to at most "
            f"{DESCRIPTION_MAX_TOKENS} tokens."
        )
        value = "unknown"  # not the long text again: Enter would only repeat the refusal
        ask = True


def _ask_decision() -> Decision:
    while True:
        answer = str(typer.prompt("Save it? [y]es / [e]dit / [c]ancel")).strip().lower()
        decision = _DECISIONS.get(answer)
        if decision is not None:
            return decision
        typer.echo("Please answer y (save), e (edit) or c (cancel).")


@helper_app.command("regenerate")
def regenerate(
    ctx: typer.Context,
    source_id: SourceArgument,
    file_name: Annotated[
        str | None,
        typer.Option("--file-name", help="The file the source came from, shown to the model."),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Replace a user-provided helper without asking."),
    ] = False,
) -> None:
    """Have the model write a new version of the helper of SOURCE_ID from its stored chunks."""
    with open_memoir(ctx) as memoir:
        current = memoir.get_contextual_helper(source_id)
        if current is not None and current.is_user_provided and not yes:
            typer.echo(f"Source {source_id!r} has a user-provided helper ({_describe(current)}).")
            if not typer.confirm("Replace it with a generated one (it stays in the history)?"):
                typer.echo("Cancelled: nothing was saved.")
                raise typer.Exit(1)
        helper = memoir.regenerate_contextual_helper_sync(source_id, file_name=file_name)
    typer.echo(f"Generated the helper of {source_id!r}: {_describe(helper)}")
    typer.echo("")
    typer.echo(helper.helper_text)
