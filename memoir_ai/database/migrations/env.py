"""Alembic environment of memoir-ai.

Where the database comes from, first match wins:

1. ``config.attributes["connection"]``: a Connection (what
   :class:`~memoir_ai.database.migration_manager.MigrationManager` passes), an
   Engine (what pytest-alembic's ``alembic_engine`` fixture passes) or a URL;
2. ``config.attributes["database_url"]`` (the manager's offline SQL);
3. ``alembic -x url=...`` on the command line;
4. the ``MEMOIR_DATABASE_URL`` environment variable.

With none of them it refuses: guessing ``./memoir.db`` would create a stray
database wherever Alembic happened to run. Logging is left to the
application: this file never calls ``fileConfig``.
"""

from __future__ import annotations

import os

from alembic import context
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, pool
from sqlalchemy.engine import URL, Connection

from memoir_ai.database._schema_compare import compare_options
from memoir_ai.database.models import Base
from memoir_ai.database.urls import mask_url, resolve_database_url
from memoir_ai.errors import MemoirAIError

config = context.config
target_metadata = Base.metadata

NO_URL = (
    "No database to migrate: pass -x url=DATABASE_URL (for instance "
    "alembic -c .../alembic.ini -x url=sqlite:///memoir.db upgrade head), set "
    "MEMOIR_DATABASE_URL, or put a Connection, Engine or URL in "
    "config.attributes['connection']."
)


def _database_url() -> URL:
    given = config.attributes.get("connection")
    if not isinstance(given, str | URL):
        given = config.attributes.get("database_url")
    if given is None:
        given = context.get_x_argument(as_dictionary=True).get("url")
    if not given:
        given = os.environ.get("MEMOIR_DATABASE_URL")
    if not given:
        raise CommandError(NO_URL)
    # postgresql:// means psycopg 3 and mysql:// PyMySQL, as everywhere in memoir-ai.
    try:
        return resolve_database_url(
            given if isinstance(given, str) else given.render_as_string(hide_password=False)
        )
    except MemoirAIError as exc:
        raise CommandError(str(exc)) from exc


def run_migrations_offline() -> None:
    """Write the SQL of the migrations instead of running it (``--sql``)."""
    url = _database_url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.get_backend_name() == "sqlite",
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


def _run_on_engine(engine: Engine) -> None:
    with engine.connect() as connection:
        _run_on(connection)
        connection.commit()


def run_migrations_online() -> None:
    """Run the migrations on the given connection or engine, or on a short-lived engine."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run_on(given)
        return
    if isinstance(given, Engine):
        _run_on_engine(given)
        return
    url = _database_url()
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        _run_on_engine(engine)
    except Exception as exc:
        raise CommandError(f"Migrating {mask_url(url)} failed: {exc}") from exc
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
