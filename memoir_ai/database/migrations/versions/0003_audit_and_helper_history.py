"""Add the audit log of LLM calls and the history of contextual helpers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
        nullable=False,
    )


def _long_text(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb"), nullable=True
    )


def upgrade() -> None:
    op.create_table(
        "contextual_helper_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("helper_text", sa.Text(), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("is_user_provided", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "token_count >= 0",
            name=op.f("ck_contextual_helper_versions_token_count_not_negative"),
        ),
        sa.CheckConstraint(
            "version >= 1", name=op.f("ck_contextual_helper_versions_version_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contextual_helper_versions")),
        sa.UniqueConstraint(
            "source_id", "version", name=op.f("uq_contextual_helper_versions_source_id_version")
        ),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("model", sa.String(255), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=True),
        sa.Column("operation_id", sa.String(64), nullable=True),
        _timestamp("started_at"),
        sa.Column("latency_seconds", sa.Float(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("structured_output", sa.String(16), nullable=False),
        _long_text("request_text"),
        _long_text("response_text"),
        sa.CheckConstraint(
            "input_tokens >= 0 AND output_tokens >= 0",
            name=op.f("ck_llm_calls_tokens_not_negative"),
        ),
        sa.CheckConstraint("latency_seconds >= 0", name=op.f("ck_llm_calls_latency_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
        **MYSQL_TABLE_OPTIONS,
    )
    for column in ("started_at", "source_id", "operation_id", "purpose"):
        op.create_index(op.f(f"ix_llm_calls_{column}"), "llm_calls", [column])


def downgrade() -> None:
    op.drop_table("llm_calls")
    op.drop_table("contextual_helper_versions")
