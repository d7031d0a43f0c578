"""Add the history of changes made to the category tree by hand.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

``category_changes`` keeps one row per rename, merge, move, chunk move or
deletion of empty categories: what was done, from which front door, the rows
it touched as they were before and after (JSON), when, and when it was undone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the models' JSONDocument: JSONB on PostgreSQL, JSON elsewhere (frozen here).
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "category_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("front_door", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("before", JSON_DOCUMENT, nullable=False),
        sa.Column("after", JSON_DOCUMENT, nullable=False),
        _timestamp("created_at"),
        _timestamp("undone_at", nullable=True),
        sa.Column("undone_by", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_changes")),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index(op.f("ix_category_changes_created_at"), "category_changes", ["created_at"])


def downgrade() -> None:
    op.drop_table("category_changes")
