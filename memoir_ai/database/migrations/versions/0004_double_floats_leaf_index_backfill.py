"""Double-precision audit floats on MariaDB, index-ordered leaf reads, backfilled history.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

- ``llm_calls.latency_seconds`` and ``temperature`` become ``DOUBLE`` on
  MySQL/MariaDB, where ``FLOAT`` is single precision (the other backends
  already store 8-byte floats).
- The composite index ``chunks(category_id, created_at, id)`` lets a leaf be
  read in its order (``WHERE category_id = ? ORDER BY created_at, id``)
  without a sort.
- Tables added by 0002 and 0003 start empty, so a database that was
  downgraded below them and upgraded again lost its source list and its
  helper history. This revision repairs both from what the chunks and the
  current helpers still hold: a ``sources`` row for every source that has
  chunks (its text is the chunks in order, so its hash is the hash of the text
  that was ingested), and a version for every current helper.

Every step is idempotent and the one step visible by name (the index) comes
last: MySQL commits DDL statement by statement, so an upgrade killed part way
is finished by running this revision again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import mysql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEAF_INDEX = "ix_chunks_category_id_created_at_id"
AUDIT_FLOATS = (("latency_seconds", False), ("temperature", True))

_chunks = sa.table(
    "chunks",
    sa.column("source_id", sa.String),
    sa.column("position", sa.Integer),
    sa.column("content", sa.Text),
    sa.column("metadata", sa.JSON),
    sa.column("created_at", sa.DateTime),
)
_sources = sa.table(
    "sources",
    sa.column("source_id", sa.String),
    sa.column("title", sa.String),
    sa.column("content_hash", sa.String),
    sa.column("metadata", sa.JSON),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
_helpers = sa.table(
    "contextual_helpers",
    sa.column("source_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("helper_text", sa.Text),
    sa.column("token_count", sa.Integer),
    sa.column("is_user_provided", sa.Boolean),
    sa.column("updated_at", sa.DateTime),
)
_helper_versions = sa.table(
    "contextual_helper_versions",
    sa.column("source_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("helper_text", sa.Text),
    sa.column("token_count", sa.Integer),
    sa.column("is_user_provided", sa.Boolean),
    sa.column("created_at", sa.DateTime),
)


def _is_mysql() -> bool:
    return op.get_context().dialect.name in ("mysql", "mariadb")


def _set_audit_float_type(new: Any, old: Any) -> None:
    if not _is_mysql():
        return
    for column, nullable in AUDIT_FLOATS:
        op.alter_column(
            "llm_calls", column, type_=new, existing_type=old, existing_nullable=nullable
        )


def _backfill_helper_versions() -> None:
    known = sa.select(sa.literal(1)).where(_helper_versions.c.source_id == _helpers.c.source_id)
    op.execute(
        _helper_versions.insert().from_select(
            [column.name for column in _helper_versions.columns],
            sa.select(
                _helpers.c.source_id,
                _helpers.c.version,
                _helpers.c.helper_text,
                _helpers.c.token_count,
                _helpers.c.is_user_provided,
                _helpers.c.updated_at,
            ).where(~sa.exists(known)),
        )
    )


def _backfill_sources() -> None:
    if context.is_offline_mode():
        op.execute(
            "-- Sources missing for stored chunks are rebuilt from the chunks by an online "
            "upgrade (memoir db upgrade); the hash of their text cannot be computed in SQL "
            "on every backend."
        )
        return
    bind = op.get_bind()
    listed = sa.select(sa.literal(1)).where(_sources.c.source_id == _chunks.c.source_id)
    rows = bind.execute(
        sa.select(_chunks.c.source_id, _chunks.c.content, _chunks.c.metadata, _chunks.c.created_at)
        .where(~sa.exists(listed))
        .order_by(_chunks.c.source_id, _chunks.c.position)
    )
    pending: dict[str, dict[str, Any]] = {}
    for source_id, content, metadata, created_at in rows:
        source = pending.setdefault(
            source_id,
            {"digest": hashlib.sha256(), "metadata": metadata or {}, "times": []},
        )
        source["digest"].update(content.encode("utf-8"))
        source["times"].append(created_at)
    if pending:
        op.bulk_insert(
            _sources,
            [
                {
                    "source_id": source_id,
                    "title": _title(source["metadata"]),
                    "content_hash": source["digest"].hexdigest(),
                    "metadata": source["metadata"],
                    "created_at": min(source["times"]),
                    "updated_at": max(source["times"]),
                }
                for source_id, source in pending.items()
            ],
        )


def _title(metadata: Any) -> str | None:
    title = metadata.get("title") if isinstance(metadata, dict) else None
    return title[:1024] if isinstance(title, str) and title.strip() else None


def _leaf_index_exists() -> bool:
    if context.is_offline_mode():
        return False
    indexes = sa.inspect(op.get_bind()).get_indexes("chunks")
    return any(index["name"] == LEAF_INDEX for index in indexes)


def upgrade() -> None:
    _set_audit_float_type(mysql.DOUBLE(asdecimal=False), mysql.FLOAT())
    _backfill_helper_versions()
    _backfill_sources()
    if not _leaf_index_exists():
        op.create_index(LEAF_INDEX, "chunks", ["category_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index(LEAF_INDEX, table_name="chunks")
    _set_audit_float_type(mysql.FLOAT(), mysql.DOUBLE(asdecimal=False))
