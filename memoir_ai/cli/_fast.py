"""The lean read path of the CLI: ``tree``, ``sources``, ``show``, ``log``, ``db status`` on SQLite.

These commands' human output on an SQLite file is read with the standard
library's ``sqlite3`` (:mod:`memoir_ai.database.lean`, running the same SQL
text as the library) and printed by the same renderers, without importing
SQLAlchemy, pydantic or pydantic-settings, which would cost many times a bare
Python start. Each command function calls one function here first; it returns
False whenever the lean path does not apply, and the command then takes the
full path through :class:`~memoir_ai.MemoirAI`, which gives today's exact
output, errors and remedies.

The rule, in one place (:func:`_lean_database`): the lean path applies only when
nothing but the database URL could matter —

- no global option but ``--db`` (``--model``, ``--structured-output`` and
  ``--verbose`` take the full path), and no option the lean path does not
  handle (``--json``, ``--show-prompt``: decided by the caller);
- no ``MEMOIR_*`` variable other than ``MEMOIR_DATABASE_URL`` (and the
  test suite's, which are no settings), in the environment or in ``.env``;
- the URL (``--db``, else ``MEMOIR_DATABASE_URL``, else ``.env``, else the
  default: the precedence of :class:`~memoir_ai.config.MemoirAIConfig`) is a
  plain ``sqlite:///PATH`` naming a file that exists;

and, once the file is open (:class:`~memoir_ai.database.lean.LeanReader`), the
schema is at the head revision and every read succeeds (``db status``: the
tables are exactly as the migrations create them). Everything is read before
anything is printed, so a fallback never follows partial output.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from memoir_ai._config_defaults import (
    DEFAULT_DATABASE_URL,
    DEFAULT_MAX_CATEGORIES_PER_LEVEL,
    ENV_FILE_NAME,
    NOT_SETTINGS,
    OFFLINE_MODEL,
)
from memoir_ai.cli._output import CliOptions

if TYPE_CHECKING:
    from memoir_ai.database.lean import LeanReader

__all__ = ["db_status", "log", "show", "sources", "tree"]

_URL_VARIABLE = "MEMOIR_DATABASE_URL"
# A plain SQLite file: no driver, query string, URI form or characters a URL parser reads.
_PLAIN_SQLITE = re.compile(r"sqlite:///(?P<path>[^?#%@:\[\]]+)")
# Models whose calls `memoir log` can cost without the price map (they have no price).
_UNPRICED = frozenset({OFFLINE_MODEL})

Read = TypeVar("Read")


@dataclass(frozen=True)
class _LevelFill:
    level: int
    categories: int
    limit: int

    @property
    def full(self) -> bool:
        return self.categories >= self.limit


def tree(ctx: typer.Context, *, depth: int | None, ids: bool) -> bool:
    """``memoir tree`` (``--depth``, ``--ids``); False: take the full path."""
    from memoir_ai.cli.tree import fill_line, tree_lines
    from memoir_ai.database.reading import trim_tree

    found = _read(ctx, lambda reader: (reader.hierarchy_depth(), reader.category_tree()))
    if found is None:
        return False
    levels, roots = found
    if not roots:
        typer.echo("The memory is empty: file texts into it with `memoir ingest PATH`.")
        return True
    counts: dict[int, int] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        counts[node.level] = counts.get(node.level, 0) + 1
        stack.extend(node.children)
    fills = [
        _LevelFill(level, counts.get(level, 0), DEFAULT_MAX_CATEGORIES_PER_LEVEL)
        for level in range(1, levels + 1)
        if depth is None or level <= depth
    ]
    if depth is not None:
        roots = trim_tree(roots, depth)
    typer.echo("\n".join(tree_lines(roots, ids=ids)))
    if fills:
        typer.echo(fill_line(fills))
    return True


def sources(ctx: typer.Context) -> bool:
    """``memoir sources`` (the list); False: take the full path."""
    from memoir_ai.cli.sources import print_sources

    found = _read(ctx, lambda reader: reader.sources())
    if found is None:
        return False
    print_sources(found)
    return True


def show(ctx: typer.Context, chunk_id: int) -> bool:
    """``memoir show ID``; False: take the full path (which also words a missing chunk)."""
    from memoir_ai.cli.sources import print_chunk

    found = _read(ctx, lambda reader: reader.chunk(chunk_id))
    if found is None:
        return False
    print_chunk(found)
    return True


def log(ctx: typer.Context, *, source: str | None, limit: int) -> bool:
    """``memoir log`` (``--source``, ``--limit``); False: take the full path."""
    from memoir_ai.cli._costs import unpriced_cost
    from memoir_ai.cli.log import print_calls

    found = _read(
        ctx,
        lambda reader: (
            reader.calls(source, limit),
            reader.call_totals(source),
            reader.model_usage(source),
        ),
    )
    if found is None:
        return False
    calls, totals, usage = found
    if any(row.model not in _UNPRICED for row in usage):
        return False  # a price is looked up in liteLLM's price map on the full path
    print_calls(calls, totals, [unpriced_cost(row) for row in usage], source=source)
    return True


def db_status(ctx: typer.Context) -> bool:
    """``memoir db status`` of a valid schema; False: take the full path (it says what differs)."""
    from memoir_ai.cli.db import print_valid_status

    url = _database_url(ctx)
    if url is None or not _rendered_alike(url):
        return False
    found = _read(ctx, lambda reader: reader.row_counts())
    if found is None:
        return False
    print_valid_status(url, found)
    return True


def _rendered_alike(url: str) -> bool:
    """Whether SQLAlchemy prints ``url`` as given: its path needs no %-quoting (``%28`` …)."""
    from urllib.parse import quote

    path = url.split("///", 1)[-1].split("?", 1)[0]
    return quote(path, safe=" +/") == path


def _read(ctx: typer.Context, work: Callable[[LeanReader], Read]) -> Read | None:
    """What ``work`` reads from the lean path's database, or None: take the full path."""
    path = _lean_database(ctx)
    if path is None:
        return None
    from memoir_ai.database.lean import LeanReader, LeanUnavailable

    try:
        with LeanReader(path) as reader:
            found = work(reader)
    except LeanUnavailable:
        return None
    return None if found is None else found


def _lean_database(ctx: typer.Context) -> Path | None:
    """The SQLite file the lean path may read, or None (the rule of the module docstring)."""
    options = ctx.find_object(CliOptions) or CliOptions()
    if options.model is not None or options.structured_output is not None or options.verbose:
        return None
    url = _database_url(ctx)
    match = _PLAIN_SQLITE.fullmatch(url) if url is not None else None
    if match is None or match["path"] in ("", ":memory:"):
        return None
    path = Path(match["path"])
    return path if path.is_file() else None


def _database_url(ctx: typer.Context) -> str | None:
    """The URL in force, or None when any setting but the URL is given (see the docstring)."""
    options = ctx.find_object(CliOptions) or CliOptions()
    in_file = _env_file()
    if in_file is None:
        return None
    names = [name for name in (*os.environ, *in_file) if name.upper().startswith("MEMOIR_")]
    if any(name != _URL_VARIABLE and not name.upper().startswith(NOT_SETTINGS) for name in names):
        return None  # another setting (or a misspelt one, which the full path warns about)
    if options.database_url is not None:
        return options.database_url
    if _URL_VARIABLE in os.environ:
        return os.environ[_URL_VARIABLE]
    if _URL_VARIABLE in in_file:
        return in_file[_URL_VARIABLE]  # None for a line without a value: the full path says
    return DEFAULT_DATABASE_URL


def _env_file() -> dict[str, str | None] | None:
    """The variables of ``.env`` in the working directory ({} if none; None if unreadable)."""
    path = Path(ENV_FILE_NAME)
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    try:
        return dict(dotenv_values(path, encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
