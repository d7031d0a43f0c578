"""Validation sees everything the database enforces: CHECKs, generated columns, uniques, FKs.

Someone drops the CHECK constraints of ``categories`` and ``chunks``, the
generated ``parent_key`` expression, a unique constraint and a foreign key
behind memoir-ai's back. Validation must fail and name each one; a database
in that state without a version table must not be adopted. On PostgreSQL and
MariaDB the drops are real ``ALTER TABLE`` statements on a migrated database;
SQLite cannot drop a constraint in place, so there the same tables are built
without them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, Table, text

from memoir_ai.database._schema_compare import VERSION_TABLE
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.database.models import Base
from memoir_ai.errors import MigrationError
from tests._schema_tools import config_for, plain_engine

DROPPED_CHECKS = {
    "categories": ["ck_categories_level_range", "ck_categories_parent_matches_level"],
    "chunks": [
        "ck_chunks_offsets_ordered",
        "ck_chunks_position_not_negative",
        "ck_chunks_token_count_not_negative",
    ],
}
UNIQUE = "uq_chunks_source_id_position"
FOREIGN_KEY = "fk_chunks_category_id_categories"

POSTGRES_DROPS = [
    *(f"ALTER TABLE {t} DROP CONSTRAINT {c}" for t, cs in DROPPED_CHECKS.items() for c in cs),
    "ALTER TABLE categories ALTER COLUMN parent_key DROP EXPRESSION",
    f"ALTER TABLE chunks DROP CONSTRAINT {UNIQUE}",
    f"ALTER TABLE chunks DROP CONSTRAINT {FOREIGN_KEY}",
]
MARIADB_DROPS = [
    *(f"ALTER TABLE {t} DROP CONSTRAINT {c}" for t, cs in DROPPED_CHECKS.items() for c in cs),
    "ALTER TABLE categories MODIFY parent_key INTEGER NULL",
    f"ALTER TABLE chunks DROP INDEX {UNIQUE}",
    f"ALTER TABLE chunks DROP FOREIGN KEY {FOREIGN_KEY}",
]


def _weakened_models() -> MetaData:
    """The models without those CHECKs, the generated expression, the unique and the FK."""
    weakened = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        copy = table.to_metadata(weakened)
        if table.name not in ("categories", "chunks"):
            continue
        for constraint in list(copy.constraints):
            if isinstance(constraint, CheckConstraint) or constraint.name in (UNIQUE, FOREIGN_KEY):
                copy.constraints.discard(constraint)
        for fk in [fk for fk in copy.foreign_keys if fk.constraint.name == FOREIGN_KEY]:
            fk.parent.foreign_keys.discard(fk)
    categories = weakened.tables["categories"]
    plain = Table("categories", MetaData(), Column("parent_key", Integer))
    categories._columns.replace(plain.c.parent_key._copy())  # noqa: SLF001
    return weakened


def _drop_behind_memoirs_back(url: str, backend: str) -> None:
    engine = plain_engine(url)
    try:
        with engine.begin() as connection:
            if backend == "sqlite":
                Base.metadata.drop_all(connection)
                _weakened_models().create_all(connection)
                return
            for statement in POSTGRES_DROPS if backend == "postgresql" else MARIADB_DROPS:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def weakened(database_url: str, backend: str) -> Iterator[MigrationManager]:
    with MigrationManager(config_for(database_url)) as manager:
        manager.initialize_database()
        assert manager.validate_database_schema().is_valid
        _drop_behind_memoirs_back(database_url, backend)
        yield manager


def test_each_dropped_rule_is_reported_by_name(weakened: MigrationManager) -> None:
    report = weakened.validate_database_schema()

    assert not report.is_valid
    for table, checks in DROPPED_CHECKS.items():
        for check in checks:
            assert f"{table}: missing check constraint {check}" in report.problems
        assert set(checks) <= set(report.table(table).missing_constraints)
    generated = [
        line for line in report.problems if line.startswith("categories: column parent_key")
    ]
    assert generated and "is not generated" in generated[0] and "coalesce" in generated[0]
    assert f"chunks: missing unique constraint {UNIQUE} (source_id, position)" in report.problems
    assert f"chunks: missing foreign key {FOREIGN_KEY} (category_id)" in report.problems
    assert f"{UNIQUE} (source_id, position)" in report.table("chunks").missing_constraints
    assert "memoir db reset --yes" in report.remedy


def test_a_weakened_schema_is_not_adopted(weakened: MigrationManager) -> None:
    with weakened.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {VERSION_TABLE}"))

    with pytest.raises(MigrationError) as refused:
        weakened.initialize_database()

    message = str(refused.value)
    assert "no version table" in message
    assert "categories: missing check constraint ck_categories_level_range" in message
    assert "column parent_key is not generated" in message
    assert weakened.get_current_revision() is None  # nothing was stamped
