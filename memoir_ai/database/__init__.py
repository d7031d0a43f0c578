"""The database layer of memoir-ai: models, engines, migrations and the SQL the pipelines need.

- :mod:`~memoir_ai.database.models`: the tables, as a typed SQLAlchemy ORM.
- :mod:`~memoir_ai.database.engine`: engines, sessions, retries (``DatabaseManager``).
- :mod:`~memoir_ai.database.migration_manager`: the life cycle of a database
  (``MigrationManager``), on the Alembic migrations shipped in ``migrations/``.
- The SQL by noun, each module with one row type: :mod:`~memoir_ai.database.categories`,
  :mod:`~memoir_ai.database.chunks`, :mod:`~memoir_ai.database.sources`,
  :mod:`~memoir_ai.database.helpers`, :mod:`~memoir_ai.database.calls` (the audit log)
  and :mod:`~memoir_ai.database.settings` (what the database records of itself).
- :mod:`~memoir_ai.database.reading`: the SQL text of the reads that browsing needs
  (tree, sources, a chunk, the call log), with their row types, free of SQLAlchemy:
  run by the modules above through ``text()`` and, for the CLI's lean read path
  on an SQLite file, by :mod:`~memoir_ai.database.lean` with ``sqlite3``.

The names below load their module on first use, so importing this package
(for instance for :mod:`~memoir_ai.database.urls`) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from memoir_ai.database._schema_report import (
        InitializationResult,
        MigrationInfo,
        SchemaValidation,
        TableInfo,
    )
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.database.migration_manager import MigrationManager

__all__ = [
    "DatabaseManager",
    "InitializationResult",
    "MigrationInfo",
    "MigrationManager",
    "SchemaValidation",
    "TableInfo",
]

_HOMES = {
    "DatabaseManager": "memoir_ai.database.engine",
    "MigrationManager": "memoir_ai.database.migration_manager",
    "InitializationResult": "memoir_ai.database._schema_report",
    "MigrationInfo": "memoir_ai.database._schema_report",
    "SchemaValidation": "memoir_ai.database._schema_report",
    "TableInfo": "memoir_ai.database._schema_report",
}


def __getattr__(name: str) -> Any:
    """Import the public names lazily."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
