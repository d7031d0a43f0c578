"""Alembic migrations of memoir-ai, shipped inside the package (see ``env.py``).

Two facts are kept here so that a read can check the schema without importing
Alembic (which costs a third of a second): the name of memoir's own version
table, and the newest revision in ``versions/``. A test compares
``HEAD_REVISION`` with Alembic's own head, so the two cannot drift apart.
"""

VERSION_TABLE = "memoir_alembic_version"
HEAD_REVISION = "0008"
