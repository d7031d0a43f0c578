"""Initial schema: categories, chunks, contextual helpers, category limits, settings.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

This file is a frozen snapshot: it spells out every type instead of importing
the models, so that later changes to the models cannot change history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every MySQL table: transactional engine, full Unicode, exact (binary) name comparison.
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


def _json(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("parent_level", sa.Integer(), nullable=True),
        sa.Column(
            "parent_key",
            sa.Integer(),
            sa.Computed("coalesce(parent_id, 0)", persisted=True),
            nullable=True,
        ),
        _json("metadata"),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.CheckConstraint("level BETWEEN 1 AND 100", name=op.f("ck_categories_level_range")),
        sa.CheckConstraint(
            "(level = 1 AND parent_id IS NULL AND parent_level IS NULL)"
            " OR (level > 1 AND parent_id IS NOT NULL AND parent_level IS NOT NULL"
            " AND parent_level = level - 1)",
            name=op.f("ck_categories_parent_matches_level"),
        ),
        sa.UniqueConstraint("id", "level", name=op.f("uq_categories_id_level")),
        sa.ForeignKeyConstraint(
            ["parent_id", "parent_level"],
            ["categories.id", "categories.level"],
            name=op.f("fk_categories_parent_id_parent_level_categories"),
        ),
        sa.UniqueConstraint("parent_key", "name", name=op.f("uq_categories_parent_key_name")),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index(
        op.f("ix_categories_parent_id_parent_level"), "categories", ["parent_id", "parent_level"]
    )
    op.create_index(op.f("ix_categories_level"), "categories", ["level"])

    op.create_table(
        "chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        _json("metadata"),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chunks")),
        sa.CheckConstraint("token_count >= 0", name=op.f("ck_chunks_token_count_not_negative")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_chunks_position_not_negative")),
        sa.CheckConstraint(
            "start_offset >= 0 AND end_offset >= start_offset",
            name=op.f("ck_chunks_offsets_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_chunks_category_id_categories")
        ),
        sa.UniqueConstraint("source_id", "position", name=op.f("uq_chunks_source_id_position")),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index(op.f("ix_chunks_category_id"), "chunks", ["category_id"])
    op.create_index(op.f("ix_chunks_source_id"), "chunks", ["source_id"])
    op.create_index(op.f("ix_chunks_created_at"), "chunks", ["created_at"])

    op.create_table(
        "contextual_helpers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("helper_text", sa.Text(), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("is_user_provided", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contextual_helpers")),
        sa.CheckConstraint(
            "token_count >= 0", name=op.f("ck_contextual_helpers_token_count_not_negative")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_contextual_helpers_version_positive")),
        sa.UniqueConstraint("source_id", name=op.f("uq_contextual_helpers_source_id")),
        **MYSQL_TABLE_OPTIONS,
    )

    op.create_table(
        "category_limits",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("max_categories", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("level", name=op.f("pk_category_limits")),
        sa.CheckConstraint("level BETWEEN 1 AND 100", name=op.f("ck_category_limits_level_range")),
        sa.CheckConstraint(
            "max_categories > 0", name=op.f("ck_category_limits_max_categories_positive")
        ),
        **MYSQL_TABLE_OPTIONS,
    )

    op.create_table(
        "memoir_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hierarchy_depth", sa.Integer(), nullable=False),
        sa.Column("tokenizer_model", sa.String(255), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memoir_settings")),
        sa.CheckConstraint("id = 1", name=op.f("ck_memoir_settings_single_row")),
        sa.CheckConstraint(
            "hierarchy_depth BETWEEN 1 AND 100", name=op.f("ck_memoir_settings_depth_range")
        ),
        **MYSQL_TABLE_OPTIONS,
    )


def downgrade() -> None:
    # Dropping a table drops its indexes (MySQL refuses to drop one a foreign key needs).
    op.drop_table("memoir_settings")
    op.drop_table("category_limits")
    op.drop_table("contextual_helpers")
    op.drop_table("chunks")
    op.drop_table("categories")
