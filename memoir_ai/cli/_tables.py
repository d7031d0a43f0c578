"""Tables for the CLI: a console wide enough that piped output is never cut with an ellipsis."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = ["new_table", "table_console", "timestamp"]

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
