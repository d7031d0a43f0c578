"""What the CLI shares between commands: global options, logging, error lines, the console.

Kept free of heavy imports (the standard library and typer; the config module
and rich load when a command runs) so that ``memoir --help`` stays fast.
Passwords are scrubbed here with the standard library alone: every log line
and error line the CLI writes passes through :func:`scrub`.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from memoir_ai.config import MemoirAIConfig

__all__ = ["CliOptions", "configure_logging", "console", "print_error", "scrub"]

# Any user:secret@ in a URL, except the literal placeholder of our own examples.
_URL_PASSWORD = re.compile(r"(://[^:/?#@\s]*:)(?!password@)[^@\s]*(@)")
_LOOSE_PASSWORD = re.compile(r"[^/:@\s]+:([^/@\s]+)@")  # in text that is not even a URL
_MIN_SUBSTRING_SECRET = 4


@dataclass(frozen=True)
class CliOptions:
    """The global options given before the command (``memoir --db URL db status``)."""

    database_url: str | None = None
    model: str | None = None
    verbose: bool = False

    def config(self) -> MemoirAIConfig:
        """The configuration: these options over ``MEMOIR_*`` variables over ``.env``."""
        from memoir_ai.config import MemoirAIConfig

        overrides: dict[str, str] = {}
        if self.database_url is not None:
            overrides["database_url"] = self.database_url
        if self.model is not None:
            overrides["model"] = self.model
        return MemoirAIConfig(**overrides)

    def effective_database_url(self) -> str:
        """The database URL in force, for messages (never raises)."""
        if self.database_url is not None:
            return self.database_url
        from memoir_ai.config import DEFAULT_DATABASE_URL

        return os.environ.get("MEMOIR_DATABASE_URL") or DEFAULT_DATABASE_URL

    def secret_sources(self) -> list[str]:
        """Every URL whose password must never be printed."""
        candidates = [self.database_url, os.environ.get("MEMOIR_DATABASE_URL")]
        return [url for url in candidates if url]


def _passwords(urls: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for url in urls:
        try:
            password = urlsplit(url.strip()).password
        except ValueError:
            password = None
        if password:
            found |= {password, unquote(password)}
        found |= set(_LOOSE_PASSWORD.findall(url))
    return found


def scrub(text: str, urls: Iterable[str]) -> str:
    """Hide the passwords of ``urls`` (and any ``user:password@`` in a URL) in ``text``."""
    text = _URL_PASSWORD.sub(r"\1***\2", text)
    for password in sorted(_passwords(urls), key=len, reverse=True):
        if len(password) >= _MIN_SUBSTRING_SECRET:
            text = text.replace(password, "***")
        else:
            text = re.sub(rf"(?<!\w){re.escape(password)}(?!\w)", "***", text)
    return text


def print_error(message: str, secret_urls: Iterable[str], *, plain: bool = False) -> None:
    """Write ``message`` to stderr, scrubbed; in red and on one line unless ``plain``."""
    text = scrub(message, secret_urls)
    if plain:
        typer.echo(text, err=True)
    else:
        typer.secho(" ".join(text.split()), fg="red", err=True)


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self, secret_urls: list[str], level: int) -> None:
        super().__init__(level)
        self.secret_urls = secret_urls

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(scrub(self.format(record), self.secret_urls) + "\n")
        except Exception:  # logging must never break the command
            self.handleError(record)


def configure_logging(verbose: bool, secret_urls: list[str]) -> None:
    """Send warnings (or, with ``verbose``, progress too) to stderr, passwords scrubbed."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    level = logging.INFO if verbose else logging.WARNING
    handler = _StderrHandler(secret_urls, level)
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
