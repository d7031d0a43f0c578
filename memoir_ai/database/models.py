"""The tables of memoir-ai as a typed SQLAlchemy 2.0 ORM.

The rules of the category tree are enforced by the database itself, the same
way on SQLite, PostgreSQL and MySQL/MariaDB:

- ``level`` is between 1 and 100 (CHECK).
- A level-1 category has no parent; every other level has one (CHECK).
- A parent sits exactly one level above its child. Each row carries its
  parent's level in ``parent_level``; a CHECK pins ``parent_level = level - 1``
  and a composite foreign key ``(parent_id, parent_level) → (id, level)``
  proves the parent really is at that level. A composite foreign key works on
  all three backends, where triggers would need three dialects of procedural
  SQL (and MySQL cannot raise errors from CHECKs referring to other rows).
- Sibling names are unique. ``UNIQUE (parent_id, name)`` alone lets two root
  categories share a name, because NULLs are distinct in unique constraints.
  The stored generated column ``parent_key = coalesce(parent_id, 0)`` is never
  NULL, so ``UNIQUE (parent_key, name)`` closes that hole everywhere (MariaDB
  has no partial indexes, and PostgreSQL's ``NULLS NOT DISTINCT`` is 15+ only).
- Names are compared exactly — case- and accent-sensitive — on every backend:
  "Café" and "cafe" are two siblings. MySQL tables are created with the
  ``utf8mb4_bin`` collation so a server whose default collation is
  case-insensitive cannot silently merge them; spotting near-duplicates is
  the classifier's job, not the collation's.

What the database cannot know — the configured hierarchy depth, and that a
chunk is filed under a leaf — is checked by the ORM before every flush of a
session whose ``info[HIERARCHY_DEPTH_KEY]`` holds the depth (see
:func:`check_hierarchy_depth`).

Timestamps are UTC. Python always sees timezone-aware UTC datetimes;
PostgreSQL stores ``timestamptz``, SQLite and MySQL store naive UTC with
microsecond precision (``DATETIME(6)`` on MySQL), so ordering by
``created_at`` is meaningful everywhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Computed,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.dialects import mysql  # loaded anyway: the tables carry mysql_* options
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    UOWTransaction,
    mapped_column,
    relationship,
)
from sqlalchemy.types import TypeEngine

from memoir_ai.errors import ValidationError

__all__ = [
    "HIERARCHY_DEPTH_KEY",
    "MAX_LEVEL",
    "KeptOutput",
    "Base",
    "Category",
    "CategoryChange",
    "CategoryLimit",
    "Chunk",
    "ContextualHelper",
    "ContextualHelperVersion",
    "DatabaseSettings",
    "LLMCall",
    "Source",
    "check_hierarchy_depth",
    "guard_hierarchy_depth",
    "utcnow",
]

MAX_LEVEL = 100
NAME_LENGTH = 255
SOURCE_ID_LENGTH = 255
HIERARCHY_DEPTH_KEY = "memoir_hierarchy_depth"

# Same constraint and index names on every backend and every run; all stay
# under MySQL's 64-character identifier limit for the tables below.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every MySQL table: transactional engine, full Unicode, exact comparison.
MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

# Chunk and category ids are cited and linked to: a deleted one must never come back.
# Sequences never reuse a value; SQLite needs AUTOINCREMENT for that (revision 0008).
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}


def utcnow() -> dt.datetime:
    """The current time as a timezone-aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A UTC timestamp with microseconds; always timezone-aware in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """``DATETIME(6)`` on MySQL (plain DATETIME drops the microseconds)."""
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Store UTC: naive values are taken as UTC, aware ones converted."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        if dialect.name == "postgresql":
            return value
        return value.replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Hand back an aware UTC datetime whatever the backend stored."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# JSONB is picked when a statement is compiled (as UTCDateTime picks DATETIME(6)), not
# with with_variant: that would import PostgreSQL's dialect package, and with it every
# PostgreSQL driver module, whenever the models load, even for an SQLite file.


class _JSONDocumentType(TypeDecorator[Any]):
    """JSONB on PostgreSQL (indexable, compact); JSON elsewhere (a checked LONGTEXT on MariaDB)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """JSONB on PostgreSQL."""
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONDocument = _JSONDocumentType()


class Base(DeclarativeBase):
    """Declarative base holding the metadata that the migrations must match."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """``created_at`` and ``updated_at``, set by the ORM (and by Core inserts)."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Category(TimestampMixin, Base):
    """A node of the category tree; level 1 is the root level."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint(f"level BETWEEN 1 AND {MAX_LEVEL}", name="level_range"),
        CheckConstraint(
            "(level = 1 AND parent_id IS NULL AND parent_level IS NULL)"
            " OR (level > 1 AND parent_id IS NOT NULL AND parent_level IS NOT NULL"
            " AND parent_level = level - 1)",
            name="parent_matches_level",
        ),
        # The target of the composite foreign key below.
        UniqueConstraint("id", "level"),
        ForeignKeyConstraint(["parent_id", "parent_level"], ["categories.id", "categories.level"]),
        UniqueConstraint("parent_key", "name"),
        # Serves lookups by parent_id and backs the composite foreign key (InnoDB needs one).
        Index(None, "parent_id", "parent_level"),
        Index(None, "level"),
        {**MYSQL_TABLE_OPTIONS, **NEVER_REUSED_IDS},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    parent_level: Mapped[int | None] = mapped_column(Integer)
    # Never NULL, unlike parent_id, so that root names are unique too. MariaDB
    # forbids NOT NULL on generated columns, hence nullable on every backend.
    parent_key: Mapped[int | None] = mapped_column(
        Integer, Computed("coalesce(parent_id, 0)", persisted=True)
    )
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument, default=dict)

    parent: Mapped[Category | None] = relationship(
        remote_side=[id, level],
        foreign_keys=[parent_id, parent_level],
        back_populates="children",
    )
    children: Mapped[list[Category]] = relationship(
        back_populates="parent",
        foreign_keys=[parent_id, parent_level],
    )

    def __repr__(self) -> str:
        """Name and level, enough to read a tree in a debugger."""
        return f"Category(id={self.id!r}, name={self.name!r}, level={self.level!r})"


@event.listens_for(Category.parent, "set", propagate=True)
def _follow_parent(
    category: Category, parent: Category | None, _old: object, _initiator: object
) -> None:
    """Setting ``parent`` sets ``level`` and ``parent_level`` to match it."""
    if parent is None:
        category.level = 1
        category.parent_level = None
    elif parent.level is not None:
        category.level = parent.level + 1
        category.parent_level = parent.level


class Chunk(TimestampMixin, Base):
    """A token-sized piece of a source, filed under a leaf category."""

    __tablename__ = "chunks"
    __table_args__ = (
        CheckConstraint("token_count >= 0", name="token_count_not_negative"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint("start_offset >= 0 AND end_offset >= start_offset", name="offsets_ordered"),
        UniqueConstraint("source_id", "position"),
        Index(None, "category_id"),
        Index(None, "source_id"),
        Index(None, "created_at"),
        # A leaf is read in its order, WHERE category_id = ? ORDER BY created_at, id (0004).
        Index(None, "category_id", "created_at", "id"),
        {**MYSQL_TABLE_OPTIONS, **NEVER_REUSED_IDS},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    source_id: Mapped[str] = mapped_column(String(SOURCE_ID_LENGTH))
    position: Mapped[int] = mapped_column(Integer)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument, default=dict)

    category: Mapped[Category] = relationship()


class ContextualHelper(TimestampMixin, Base):
    """The short description of a source put into every prompt about it."""

    __tablename__ = "contextual_helpers"
    __table_args__ = (
        CheckConstraint("token_count >= 0", name="token_count_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("source_id"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(SOURCE_ID_LENGTH))
    helper_text: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(Integer)
    is_user_provided: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CategoryLimit(Base):
    """The most categories allowed at one level of the tree."""

    __tablename__ = "category_limits"
    __table_args__ = (
        CheckConstraint(f"level BETWEEN 1 AND {MAX_LEVEL}", name="level_range"),
        CheckConstraint("max_categories > 0", name="max_categories_positive"),
        MYSQL_TABLE_OPTIONS,
    )

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    max_categories: Mapped[int] = mapped_column(Integer)


class DatabaseSettings(TimestampMixin, Base):
    """The one row of settings that shape what the database stores."""

    __tablename__ = "memoir_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(f"hierarchy_depth BETWEEN 1 AND {MAX_LEVEL}", name="depth_range"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    hierarchy_depth: Mapped[int] = mapped_column(Integer)
    # The model whose tokenizer counted the stored chunks; None until the first chunk.
    tokenizer_model: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    # Model name → the structured-output mode that worked for it (revision 0005).
    output_modes: Mapped[dict[str, str] | None] = mapped_column(JSONDocument)


class Source(TimestampMixin, Base):
    """A text that was ingested, identified by the caller's ``source_id`` (revision 0002)."""

    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("source_id"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(SOURCE_ID_LENGTH))
    title: Mapped[str | None] = mapped_column(String(1024))
    # Hex SHA-256 of the ingested text, to recognise a source seen before.
    content_hash: Mapped[str] = mapped_column(String(64))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument, default=dict)


# Prompts and answers can be long; MySQL's TEXT stops at 64 KiB.
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
# MySQL's FLOAT is single precision; the other backends' float is already 8 bytes (0004).
DoubleFloat = Float().with_variant(mysql.DOUBLE(asdecimal=False), "mysql", "mariadb")


class ContextualHelperVersion(Base):
    """Every helper ever created for a source, the current one included (revision 0003).

    ``contextual_helpers`` holds the current helper of each source; this table
    keeps every version, numbered from 1, with whether a user wrote it, so a
    regeneration or a user's override can be audited and undone.
    """

    __tablename__ = "contextual_helper_versions"
    __table_args__ = (
        CheckConstraint("token_count >= 0", name="token_count_not_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("source_id", "version"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(SOURCE_ID_LENGTH))
    version: Mapped[int] = mapped_column(Integer)
    helper_text: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(Integer)
    is_user_provided: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LLMCall(Base):
    """The audit log: one row per model call, whatever its outcome (revision 0003)."""

    __tablename__ = "llm_calls"
    __table_args__ = (
        CheckConstraint("input_tokens >= 0 AND output_tokens >= 0", name="tokens_not_negative"),
        CheckConstraint("latency_seconds >= 0", name="latency_not_negative"),
        Index(None, "started_at"),
        Index(None, "source_id"),
        Index(None, "operation_id"),
        Index(None, "purpose"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # helper, classify, select, summarize or answer.
    purpose: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # The source the call was about (ingestion, helpers), if any.
    source_id: Mapped[str | None] = mapped_column(String(SOURCE_ID_LENGTH))
    # Groups the calls of one ingestion or one query.
    operation_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    latency_seconds: Mapped[float] = mapped_column(DoubleFloat)
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # ok or error.
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    temperature: Mapped[float | None] = mapped_column(DoubleFloat)
    # native or tool: how the typed output travelled.
    structured_output: Mapped[str] = mapped_column(String(16))
    # Packed (database/_payloads.py): quoted chunk text as references, the rest compressed;
    # rows written before packing hold plain text. audit.load_call_detail gives the text.
    request_text: Mapped[str | None] = mapped_column(LongText)
    response_text: Mapped[str | None] = mapped_column(LongText)
    # The bound sent with the call, and what the model layer noted about it (revision 0007).
    max_tokens: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[list[str] | None] = mapped_column(JSONDocument)


class KeptOutput(Base):
    """A completed model call's typed answer, kept until its source is stored (revision 0007).

    A row whose ``structured_output`` is ``response`` holds one request's model
    response instead, kept as it arrived (see :mod:`memoir_ai.llm.kept`).

    ``key`` is the hash of what determined the call (see
    :func:`memoir_ai.llm.kept.call_key`); a re-run of an interrupted ingestion
    reuses the answer instead of paying for the call again.
    """

    __tablename__ = "kept_outputs"
    __table_args__ = (
        UniqueConstraint("key"),
        Index(None, "source_id"),
        Index(None, "created_at"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(SOURCE_ID_LENGTH))
    # The text being ingested when the call was made (hex SHA-256, as sources.content_hash).
    content_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(NAME_LENGTH))
    structured_output: Mapped[str] = mapped_column(String(16))
    # What the call cost when it was made.
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    output_json: Mapped[str] = mapped_column(LongText)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def check_hierarchy_depth(objects: list[object], hierarchy_depth: int, session: Session) -> None:
    """Refuse categories deeper than the configured depth and chunks filed above a leaf.

    Raises:
        ValidationError: a category's level exceeds ``hierarchy_depth``, or a
            chunk's category is not at level ``hierarchy_depth``.
    """
    for item in objects:
        if isinstance(item, Category) and item.level is not None and item.level > hierarchy_depth:
            raise ValidationError(
                f"Category {item.name!r} would be at level {item.level}, deeper than the "
                f"configured hierarchy depth of {hierarchy_depth}.",
                remedy="file it under a category at most "
                f"{hierarchy_depth - 1} level(s) deep, or use a deeper hierarchy_depth.",
            )
        if isinstance(item, Chunk):
            category = item.category
            if category is None and item.category_id is not None:
                with session.no_autoflush:
                    category = session.get(Category, item.category_id)
            if category is not None and category.level != hierarchy_depth:
                raise ValidationError(
                    f"A chunk of source {item.source_id!r} is filed under {category.name!r} at "
                    f"level {category.level}, which is not a leaf (leaves are at level "
                    f"{hierarchy_depth}).",
                    remedy=f"file every chunk under a category at level {hierarchy_depth}.",
                )


def guard_hierarchy_depth(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """A ``before_flush`` hook for memoir's own sessions: the depth rule, when one is set."""
    depth = session.info.get(HIERARCHY_DEPTH_KEY)
    if isinstance(depth, int):
        check_hierarchy_depth([*session.new, *session.dirty], depth, session)


class CategoryChange(Base):
    """One change a person made to the tree, with the rows before and after (revision 0006).

    ``before`` and ``after`` hold the state of every category and chunk the
    change touched (see :mod:`memoir_ai.database.changes`), so that the change
    can be shown, and undone exactly while those rows still read as ``after``.
    ``front_door`` says where it came from (python, cli, mcp, http).
    """

    __tablename__ = "category_changes"
    __table_args__ = (
        Index(None, "created_at"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # rename, merge, move, move_chunks or delete_empty.
    operation: Mapped[str] = mapped_column(String(32))
    front_door: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    after: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(16))
