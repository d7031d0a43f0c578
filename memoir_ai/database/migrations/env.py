"""Alembic environment of memoir-ai.

:class:`~memoir_ai.database.migration_manager.MigrationManager` runs it with an
open connection in ``config.attributes["connection"]`` (online) or a URL in
``config.attributes["database_url"]`` (offline SQL). Run by hand, the URL
comes from ``-x url=...`` or ``MEMOIR_DATABASE_URL``. Logging is left to the
application: this file never calls ``fileConfig``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from memoir_ai.config import DEFAULT_DATABASE_URL
from memoir_ai.database._schema_compare import compare_options
from memoir_ai.database.models import Base

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    given = config.attributes.get("database_url") or context.get_x_argument(as_dictionary=True).get(
        "url"
    )
    return str(given or os.environ.get("MEMOIR_DATABASE_URL") or DEFAULT_DATABASE_URL)


def run_migrations_offline() -> None:
    """Write the SQL of the migrations instead of running it (``--sql``)."""
    url = _database_url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
        **compare_options(target_metadata),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        **compare_options(target_metadata),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a short-lived engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as new_connection:
            _run_on(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
