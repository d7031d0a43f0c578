"""What the CLI shares between commands: global options, logging, error lines, the console.

Kept free of heavy imports (the standard library and typer; the config module
and rich load when a command runs) so that ``memoir --help`` stays fast.
Every log line and error line the CLI writes passes through :func:`scrub`
(the one scrubber of :mod:`memoir_ai._secrets`, standard library only).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from memoir_ai._secrets import mask_secrets

if TYPE_CHECKING:
    from rich.console import Console

    from memoir_ai.config import MemoirAIConfig

__all__ = [
    "CliOptions",
    "configure_logging",
    "confirm",
    "console",
    "print_error",
    "print_json",
    "scrub",
]


@dataclass(frozen=True)
class CliOptions:
    """The global options given before the command (``memoir --db URL db status``)."""

    database_url: str | None = None
    model: str | None = None
    verbose: bool = False
    structured_output: str | None = None

    def config(self) -> MemoirAIConfig:
        """The configuration: these options over ``MEMOIR_*`` variables over ``.env``."""
        from memoir_ai.config import MemoirAIConfig

        overrides: dict[str, str] = {}
        if self.database_url is not None:
            overrides["database_url"] = self.database_url
        if self.model is not None:
            overrides["model"] = self.model
        if self.structured_output is not None:
            overrides["structured_output"] = self.structured_output
        return MemoirAIConfig(**overrides)

    def effective_database_url(self) -> str:
        """The database URL in force, for messages (never raises)."""
        if self.database_url is not None:
            return self.database_url
        from memoir_ai.config import DEFAULT_DATABASE_URL

        return os.environ.get("MEMOIR_DATABASE_URL") or DEFAULT_DATABASE_URL


def scrub(text: str) -> str:
    """Hide every password that stands in a URL or a setting (see :mod:`memoir_ai._secrets`)."""
    return mask_secrets(text)


def print_error(message: str, *, plain: bool = False) -> None:
    """Write ``message`` to stderr, scrubbed; in red and on one line unless ``plain``."""
    text = scrub(message)
    if plain:
        typer.echo(text, err=True)
    else:
        typer.secho(" ".join(text.split()), fg="red", err=True)


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self, level: int) -> None:
        super().__init__(level)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(scrub(self.format(record)) + "\n")
        except Exception:  # logging must never break the command
            self.handleError(record)


def configure_logging(verbose: bool) -> None:
    """Send warnings (or, with ``verbose``, progress too) to stderr, passwords scrubbed."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    level = logging.INFO if verbose else logging.WARNING
    handler = _StderrHandler(level)
    layout = "%(levelname)s %(name)s: %(message)s" if verbose else "%(levelname)s: %(message)s"
    handler.setFormatter(logging.Formatter(layout))
    root.addHandler(handler)
    for name in ("memoir_ai", "alembic"):
        logging.getLogger(name).setLevel(level)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # noise, even if -v


def console() -> Console:
    """A rich console on stdout (rich is imported only when a command prints)."""
    from rich.console import Console

    # soft_wrap: long lines (table lists, revision descriptions) stay whole, for grep and diff.
    return Console(highlight=False, soft_wrap=True)


def print_json(data: object) -> None:
    """Print JSON-ready data (a public result's ``to_json_data()``, or a list of them)."""
    import json

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def confirm(question: str, *, keep_stdout_clean: bool = False) -> bool:
    """Ask a yes/no question (default no); ``keep_stdout_clean`` asks on stderr.

    With ``--json`` stdout must stay one JSON document, so the question and the
    echo of the answer go to stderr. (``click.confirm(err=True)`` still writes
    the space after the question to stdout.)
    """
    if not keep_stdout_clean:
        return typer.confirm(question)
    while True:
        typer.echo(f"{question} [y/N]: ", err=True, nl=False)
        answer = sys.stdin.readline()
        if not answer:  # end of input: the default
            typer.echo("", err=True)
            return False
        reply = answer.strip().lower()
        if reply in ("", "n", "no"):
            return False
        if reply in ("y", "yes"):
            return True
        typer.echo("Error: invalid input", err=True)
