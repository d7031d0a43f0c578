"""Kept model outputs (resumable ingestion), and the bound and notes of every logged call.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

``kept_outputs`` holds each completed model call's typed answer for a source
that is not stored yet, so that a re-run after a crash reuses it instead of
paying again; a source's rows are removed when the source is stored.
``llm_calls`` gains ``max_tokens`` (the bound sent) and ``notes`` (what the
model layer noted about the call). Each step is idempotent (MySQL commits DDL
at once, so an interrupted upgrade runs it again).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as the models had them at this revision.
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
MYSQL_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
CALL_COLUMNS = ("max_tokens", "notes")


def _live() -> bool:
    return not op.get_context().as_sql


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _call_columns() -> set[str]:
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns("llm_calls")}


def upgrade() -> None:
    if not _live() or "kept_outputs" not in _tables():
        op.create_table(
            "kept_outputs",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("key", sa.String(64), nullable=False),
            sa.Column("source_id", sa.String(255), nullable=False),
            sa.Column("content_hash", sa.String(64), nullable=False),
            sa.Column("purpose", sa.String(32), nullable=False),
            sa.Column("model", sa.String(255), nullable=False),
            sa.Column("structured_output", sa.String(16), nullable=False),
            sa.Column("input_tokens", sa.Integer(), nullable=False),
            sa.Column("output_tokens", sa.Integer(), nullable=False),
            sa.Column("output_json", LONG_TEXT, nullable=False),
            sa.Column("created_at", TIMESTAMP, nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_outputs")),
            sa.UniqueConstraint("key", name=op.f("uq_kept_outputs_key")),
            **MYSQL_TABLE_OPTIONS,
        )
        op.create_index(op.f("ix_kept_outputs_source_id"), "kept_outputs", ["source_id"])
        op.create_index(op.f("ix_kept_outputs_created_at"), "kept_outputs", ["created_at"])
    present = _call_columns() if _live() else set()
    if "max_tokens" not in present:
        op.add_column("llm_calls", sa.Column("max_tokens", sa.Integer(), nullable=True))
    if "notes" not in present:
        op.add_column("llm_calls", sa.Column("notes", JSON_DOCUMENT, nullable=True))


def downgrade() -> None:
    present = _call_columns() if _live() else set(CALL_COLUMNS)
    for column in reversed(CALL_COLUMNS):
        if column in present:
            op.drop_column("llm_calls", column)
    if not _live() or "kept_outputs" in _tables():
        op.drop_table("kept_outputs")
