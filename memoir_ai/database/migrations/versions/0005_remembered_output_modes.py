"""The structured-output mode that worked, remembered per model.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

``memoir_settings.output_modes`` maps a model name to the way of getting typed
output that worked for it (``native``, ``tool`` or ``prompted``), so that the
next run against a local server starts with the mode that server understands.
The step is idempotent (MySQL commits DDL at once, so an interrupted upgrade
runs it again).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the models' JSONDocument: JSONB on PostgreSQL, JSON elsewhere (frozen here).
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _has_column() -> bool:
    columns = sa.inspect(op.get_bind()).get_columns("memoir_settings")
    return any(column["name"] == "output_modes" for column in columns)


# Plain ALTER TABLE on every backend (SQLite has ADD and DROP COLUMN), so that the
# offline SQL (--sql) needs no live connection to reflect the table.
def upgrade() -> None:
    if op.get_context().as_sql or not _has_column():
        op.add_column("memoir_settings", sa.Column("output_modes", JSON_DOCUMENT, nullable=True))


def downgrade() -> None:
    if op.get_context().as_sql or _has_column():
        op.drop_column("memoir_settings", "output_modes")
