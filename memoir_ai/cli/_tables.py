"""Tables for the CLI: a console wide enough that piped output is never cut with an ellipsis."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = ["new_table", "plain_lines", "print_table", "table_console", "timestamp"]

# Piped output has no terminal width; rich would assume 80 columns and cut cells.
_PIPE_WIDTH = 1000


def table_console() -> Console:
    """A console on stdout: the terminal's width, or unbounded when piped."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=_PIPE_WIDTH)
    return console


def new_table(*headers: str) -> Table:
    """A table whose cells wrap rather than lose characters in a narrow terminal."""
    from rich.table import Table

    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def timestamp(moment: dt.datetime) -> str:
    """A stored UTC time as ``YYYY-MM-DD HH:MM:SS``."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# Characters rich counts one cell wide and prints as they are: printable Latin and a
# few punctuation marks. Anything else (wide or zero-width characters) goes to rich.
_ONE_CELL = re.compile(r"[ -~\u00a0-\u02ff\u2013\u2014\u2018\u2019\u201c\u201d\u2026]*")
# What rich would read as an emoji code (``:smile:``); a clock's ``:03:`` is none.
_EMOJI_CODE = re.compile(r":(?!\d\d:)[^\s:]+:")
# Environment variables that make rich treat a pipe as a terminal.
_TERMINAL_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def plain_lines(*texts: str) -> bool:
    """True when rich would print ``texts`` unchanged on a pipe: no markup, emoji, wide text."""
    if sys.stdout.isatty() or any(name in os.environ for name in _TERMINAL_VARIABLES):
        return False
    return all(
        "[" not in text and _ONE_CELL.fullmatch(text) and not _EMOJI_CODE.search(text)
        for text in texts
    )


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *footer: str) -> None:
    """A table of :func:`new_table` on :func:`table_console`, then the ``footer`` lines.

    On a pipe, when every cell is plain (:func:`plain_lines`) and the table fits
    the pipe's width, the same characters are written directly: rich's import and
    layout cost more than the rest of ``memoir sources`` or ``memoir log``.
    """
    cells = [*headers, *(cell for row in rows for cell in row), *footer]
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]
    fits = sum(widths) + 3 * len(widths) + 1 <= _PIPE_WIDTH
    utf8 = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "") == "utf8"
    if utf8 and fits and all(cell == cell.strip() for cell in cells) and plain_lines(*cells):

        def line(left: str, fill: str, middle: str, right: str) -> str:
            return left + middle.join(fill * (width + 2) for width in widths) + right

        def row_line(side: str, values: Sequence[str]) -> str:
            padded = (value.ljust(width) for value, width in zip(values, widths, strict=True))
            return f"{side} " + f" {side} ".join(padded) + f" {side}"

        lines = [line("┏", "━", "┳", "┓"), row_line("┃", headers), line("┡", "━", "╇", "┩")]
        lines += [row_line("│", row) for row in rows]
        lines += [line("└", "─", "┴", "┘"), *footer]
        import typer

        typer.echo("\n".join(lines))
        return
    from rich.text import Text

    out = table_console()
    table = new_table(*headers)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # data, never markup: '[x]' stays as it is
    out.print(table)
    for text in footer:
        out.print(text)
