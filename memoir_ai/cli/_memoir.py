"""Open the :class:`~memoir_ai.memoir.MemoirAI` a command works on, from the global options.

Commands that only read refuse a database that does not exist or is not at
the current schema (with the command to run), rather than creating an empty
one behind a mistyped ``--db``. Heavy modules load inside the functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from memoir_ai.cli._output import CliOptions

if TYPE_CHECKING:
    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.memoir import MemoirAI

__all__ = ["open_memoir"]


class _NoOfflineNotice(logging.Filter):
    """Hides the 'using the offline stand-in' notice for commands that call no model."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "offline stand-in" not in record.getMessage()


@contextmanager
def open_memoir(
    ctx: typer.Context, *, reading: bool = True, calls_model: bool = False
) -> Iterator[MemoirAI]:
    """The memory of ``--db`` / ``MEMOIR_DATABASE_URL``, closed afterwards.

    With ``reading`` the database must already hold a current memoir-ai schema;
    otherwise it is created or upgraded on first use, like the Python API does.
    The notice about the offline model is shown only to commands that call a
    model (``calls_model``, or any command that is not only ``reading``).
    """
    from memoir_ai.memoir import MemoirAI

    options = ctx.find_object(CliOptions) or CliOptions()
    config = options.config()
    if reading:
        _require_existing(config)
    notice_filter = _NoOfflineNotice()
    memoir_logger = logging.getLogger("memoir_ai.memoir")
    if reading and not calls_model:
        memoir_logger.addFilter(notice_filter)
    try:
        memoir = MemoirAI(config)
    finally:
        memoir_logger.removeFilter(notice_filter)
    try:
        if reading:
            from memoir_ai.database.migration_manager import MigrationManager

            MigrationManager(config, engine=memoir.database.engine).require_current_schema()
        yield memoir
    finally:
        memoir.close()


def _require_existing(config: MemoirAIConfig) -> None:
    """Refuse a SQLite file that does not exist (connecting would create it)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from memoir_ai.errors import DatabaseError

    try:
        url = make_url(config.database_url)
    except ArgumentError:
        return  # the engine reports a bad URL with its own remedy
    if not url.get_backend_name().startswith("sqlite"):
        return
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    if not Path(database).exists():
        raise DatabaseError(
            f"There is no memoir database at {database}.",
            remedy="ingest texts with `memoir ingest PATH` (it creates the database), "
            "or point --db / MEMOIR_DATABASE_URL at an existing one.",
        )
