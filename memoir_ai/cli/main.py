"""The ``memoir`` command: global options, the command groups, and the one error handler.

``memoir --help`` must stay fast, so nothing heavy (SQLAlchemy, Alembic,
pydantic-ai, litellm) is imported here: each command imports what it needs
when it runs.

Every :class:`~memoir_ai.errors.MemoirAIError` a command raises ends up in
:meth:`MemoirGroup.invoke` and is printed as one red line on stderr with exit
code 1; usage mistakes exit with 2, as click does. ``--verbose`` adds the
traceback (passwords scrubbed). A global option given after the command
(``memoir tree --db X``) is a usage mistake that says where it goes.
"""

from __future__ import annotations

import traceback
from typing import Annotated, Any

import typer

# typer (≥ 0.24) vendors click; its usage errors are these classes, not the click package's.
from typer._click.core import Context
from typer._click.exceptions import NoSuchOption, UsageError
from typer.core import TyperGroup

from memoir_ai import __version__
from memoir_ai.cli import _coercion
from memoir_ai.cli._output import CliOptions, configure_logging, print_error
from memoir_ai.cli.category import category_app, chunk_app
from memoir_ai.cli.db import db_app
from memoir_ai.cli.doctor import doctor
from memoir_ai.cli.eval import eval_command
from memoir_ai.cli.helper import helper_app
from memoir_ai.cli.ingest import ingest
from memoir_ai.cli.log import log
from memoir_ai.cli.mcp import mcp
from memoir_ai.cli.query import query
from memoir_ai.cli.serve import serve
from memoir_ai.cli.sources import show, sources_app
from memoir_ai.cli.tidy import tidy
from memoir_ai.cli.tree import tree
from memoir_ai.errors import MemoirAIError

__all__ = ["app", "main"]


class MemoirGroup(TyperGroup):
    """The root group: turns our errors into one clean line instead of a traceback."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        """Parse the command line; plain values are converted without pydantic (``_coercion``)."""
        _coercion.install(self)
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:  # click's Context (typer vendors click privately)
        """Run the command; report a MemoirAIError in one line (anything else is a bug)."""
        try:
            return super().invoke(ctx)
        except NoSuchOption as error:
            raise self._misplaced(ctx, error) from error
        except MemoirAIError as error:
            _report(ctx, error)
        raise typer.Exit(1)

    def _misplaced(self, ctx: Context, error: NoSuchOption) -> UsageError:
        """A global option after the command: say it goes before; other unknown options stay."""
        given = error.option_name.split("=", 1)[0]
        for param in self.get_params(ctx):
            if given in (*param.opts, *param.secondary_opts):
                command = " ".join(error.ctx.command_path.split()[1:]) if error.ctx else "COMMAND"
                value = "" if getattr(param, "is_flag", False) else f" {param.metavar or 'VALUE'}"
                return UsageError(
                    f"{given} is a global option: give it before the command, "
                    f"e.g. `memoir {given}{value} {command} ...`.",
                    ctx=error.ctx,
                )
        return error


def _options(ctx: typer.Context) -> CliOptions:
    options = ctx.find_object(CliOptions)
    return options if options is not None else CliOptions()


def _report(ctx: typer.Context, error: MemoirAIError) -> None:
    options = _options(ctx)
    if options.verbose:
        text = "".join(traceback.format_exception(error))
        print_error(text.rstrip(), plain=True)
    print_error(f"Error: {error}")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"memoir-ai {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="memoir",
    cls=MemoirGroup,
    help=(
        "memoir-ai: explainable long-term memory for LLM applications, kept in an ordinary "
        "SQL database."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rich would cost ~0.15 s on every --help
)
app.add_typer(db_app, name="db")
app.add_typer(helper_app, name="helper")
app.command("ingest")(ingest)
app.command("query")(query)
app.command("tree")(tree)
app.add_typer(sources_app, name="sources")
app.command("show")(show)
app.command("log")(log)
app.command("doctor")(doctor)
app.command("mcp")(mcp)
app.add_typer(category_app, name="category")
app.add_typer(chunk_app, name="chunk")
app.command("tidy")(tidy)
app.command("eval")(eval_command)
app.command("serve")(serve)


@app.callback()
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help=(
                "Database URL, e.g. sqlite:///memoir.db or "
                "postgresql+psycopg://user:password@host/memoir. "
                "Default: $MEMOIR_DATABASE_URL, else sqlite:///memoir.db."
            ),
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="MODEL",
            help=(
                "Model in pydantic-ai form, e.g. openai:gpt-5-nano. "
                "Default: $MEMOIR_MODEL, else the built-in offline stand-in."
            ),
            show_default=False,
        ),
    ] = None,
    structured_output: Annotated[
        str | None,
        typer.Option(
            "--structured-output",
            metavar="MODE",
            help=(
                "How the model receives its output schema: auto, native, tool or prompted. "
                "Default: $MEMOIR_STRUCTURED_OUTPUT, else auto."
            ),
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Log progress and show tracebacks on errors."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """memoir-ai: explainable long-term memory for LLM applications."""
    options = CliOptions(
        database_url=database_url,
        model=model,
        verbose=verbose,
        structured_output=structured_output,
    )
    ctx.obj = options
    configure_logging(verbose)


def main(argv: list[str] | None = None) -> None:
    """Run the ``memoir`` command line (the console-script entry point)."""
    app(args=argv, prog_name="memoir")


if __name__ == "__main__":
    main()
