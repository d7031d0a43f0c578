"""Open the :class:`~memoir_ai.memoir.MemoirAI` a command works on, from the global options.

Every command goes through :class:`MemoirAI` and nothing else: it opens the
database once, refuses a mistyped SQLite path or a schema that is not current
for commands that only read (without taking the migration lock or writing), and
creates or upgrades the schema only for commands that store something.
Heavy modules load inside the function.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from memoir_ai.cli._output import CliOptions

if TYPE_CHECKING:
    from memoir_ai.maintenance.results import FrontDoor
    from memoir_ai.memoir import MemoirAI

__all__ = ["open_memoir"]


@contextmanager
def open_memoir(ctx: typer.Context, *, front_door: FrontDoor = "cli") -> Iterator[MemoirAI]:
    """The memory of ``--db`` / ``MEMOIR_DATABASE_URL``, closed afterwards.

    ``front_door`` is recorded with the changes made to the tree (``memoir mcp``
    passes ``mcp``: its changes come from its clients).

    Raises:
        ConfigurationError: the URL names an in-memory SQLite database, whose
            contents would vanish when the command exits.
    """
    from memoir_ai.errors import ConfigurationError
    from memoir_ai.memoir import MemoirAI

    options = ctx.find_object(CliOptions) or CliOptions()
    config = options.config()
    if _is_in_memory(config.database_url):
        raise ConfigurationError(
            f"{config.database_url!r} is an in-memory SQLite database: whatever a command "
            "stores there vanishes when it exits.",
            remedy="use a file (--db sqlite:///memoir.db) or a server; in-memory databases "
            "are for the Python API, where they live as long as the MemoirAI object.",
        )
    memoir = MemoirAI(config, front_door=front_door)
    try:
        yield memoir
    finally:
        memoir.close()


def _is_in_memory(database_url: str) -> bool:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(database_url)
    except ArgumentError:
        return False  # the engine reports a bad URL with its own remedy
    from memoir_ai.database.urls import is_sqlite_memory

    return url.get_backend_name().startswith("sqlite") and is_sqlite_memory(url)
