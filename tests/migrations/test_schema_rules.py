"""The rules of the category tree, enforced by the database itself (Core inserts, no ORM).

Each rejection must come from the backend (an integrity error naming the
constraint where the backend names it), on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, insert, select, text

from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.database.models import (
    HIERARCHY_DEPTH_KEY,
    Category,
    CategoryLimit,
    Chunk,
    ContextualHelper,
)
from memoir_ai.errors import ValidationError
from tests._schema_tools import assert_rejected, config_for, insert_tree

categories = Category.__table__


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    with MigrationManager(config_for(database_url)) as manager:
        manager.initialize_database()
        with manager.engine.connect() as connection, connection.begin():
            yield connection


def test_duplicate_root_names_are_rejected(connection: Connection) -> None:
    insert_tree(connection)
    assert_rejected(
        connection,
        insert(categories).values(name="Science", level=1),
        "uq_categories_parent_key_name",
    )


def test_duplicate_sibling_names_are_rejected_but_cousins_may_share(connection: Connection) -> None:
    ids = insert_tree(connection)
    assert_rejected(
        connection,
        insert(categories).values(
            name="Physics", level=2, parent_id=ids["science"], parent_level=1
        ),
        "uq_categories_parent_key_name",
    )
    other_root = connection.execute(
        insert(categories).values(name="Art", level=1)
    ).inserted_primary_key[0]
    connection.execute(
        insert(categories).values(name="Physics", level=2, parent_id=other_root, parent_level=1)
    )
    # A child may carry its parent's name, and a root may share a name with a deeper node.
    connection.execute(
        insert(categories).values(name="Optics", level=1),
    )


def test_names_compare_exactly_on_every_backend(connection: Connection) -> None:
    """ "Café", "cafe" and "CAFE" are three siblings, whatever the server's default collation."""
    for name in ("Café", "cafe", "CAFE", "Cafe"):
        connection.execute(insert(categories).values(name=name, level=1))
    names = connection.execute(select(categories.c.name).order_by(categories.c.id)).scalars()
    assert list(names) == ["Café", "cafe", "CAFE", "Cafe"]


@pytest.mark.parametrize("backend", ["mysql"])
def test_names_compare_exactly_on_a_case_insensitive_mariadb_database(database_url: str) -> None:
    """A user's database whose default collation ignores case and accents changes nothing."""
    from sqlalchemy.engine import make_url

    from memoir_ai.database.engine import create_database_engine

    name = make_url(database_url).database
    engine = create_database_engine(config_for(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                text(f"ALTER DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
            )
    finally:
        engine.dispose()
    with MigrationManager(config_for(database_url)) as manager:
        manager.initialize_database()
        assert manager.validate_database_schema().is_valid
        with manager.engine.begin() as connection:
            for category in ("Café", "cafe", "CAFE"):
                connection.execute(insert(categories).values(name=category, level=1))
            assert_rejected(
                connection,
                insert(categories).values(name="cafe", level=1),
                "uq_categories_parent_key_name",
            )


@pytest.mark.parametrize("level", [0, 101, -3])
def test_level_out_of_range_is_rejected(connection: Connection, level: int) -> None:
    assert_rejected(
        connection, insert(categories).values(name="X", level=level), "ck_categories_level_range"
    )


def test_level_one_with_a_parent_is_rejected(connection: Connection) -> None:
    ids = insert_tree(connection)
    for parent_level in (0, 1, None):
        assert_rejected(
            connection,
            insert(categories).values(
                name="X", level=1, parent_id=ids["science"], parent_level=parent_level
            ),
            "ck_categories_parent_matches_level",
        )


def test_deeper_level_without_a_parent_is_rejected(connection: Connection) -> None:
    assert_rejected(
        connection,
        insert(categories).values(name="X", level=2),
        "ck_categories_parent_matches_level",
    )


def test_wrong_parent_level_is_rejected(connection: Connection) -> None:
    ids = insert_tree(connection)
    # Claims its parent is at level 2, but Science is at level 1: the composite key says no.
    assert_rejected(
        connection,
        insert(categories).values(name="X", level=3, parent_id=ids["science"], parent_level=2),
        "fk_categories_parent_id_parent_level_categories",
    )
    # Skipping a level is caught by the CHECK before the key is even looked at.
    assert_rejected(
        connection,
        insert(categories).values(name="X", level=3, parent_id=ids["science"], parent_level=1),
        "ck_categories_parent_matches_level",
    )
    # A parent level left NULL must not slip past the foreign key.
    assert_rejected(
        connection,
        insert(categories).values(name="X", level=2, parent_id=ids["science"], parent_level=None),
        "ck_categories_parent_matches_level",
    )
    # A parent that does not exist at all.
    assert_rejected(
        connection,
        insert(categories).values(name="X", level=2, parent_id=999_999, parent_level=1),
        "fk_categories_parent_id_parent_level_categories",
    )


def test_chunk_and_helper_rules(connection: Connection) -> None:
    ids = insert_tree(connection)
    chunk = dict(
        content="x", token_count=1, category_id=ids["optics"], source_id="s", position=0,
        start_offset=5, end_offset=9,
    )  # fmt: skip
    connection.execute(insert(Chunk.__table__).values(**chunk))
    assert_rejected(
        connection, insert(Chunk.__table__).values(**chunk), "uq_chunks_source_id_position"
    )
    assert_rejected(
        connection,
        insert(Chunk.__table__).values({**chunk, "position": 1, "end_offset": 4}),
        "ck_chunks_offsets_ordered",
    )
    assert_rejected(
        connection,
        insert(Chunk.__table__).values({**chunk, "position": 2, "category_id": 999_999}),
        "fk_chunks_category_id_categories",
    )
    helper = dict(source_id="book-1", helper_text="again", token_count=1, is_user_provided=False)
    assert_rejected(
        connection,
        insert(ContextualHelper.__table__).values(**helper),
        "uq_contextual_helpers_source_id",
    )
    assert_rejected(
        connection,
        insert(CategoryLimit.__table__).values(level=3, max_categories=0),
        "ck_category_limits_max_categories_positive",
    )


def test_timestamps_are_utc_with_microseconds(connection: Connection) -> None:
    moment = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    connection.execute(
        insert(categories).values(name="T", level=1, created_at=moment, updated_at=moment)
    )
    stored = connection.execute(select(categories.c.created_at)).scalar_one()
    assert stored == moment
    assert stored.tzinfo == dt.UTC
    assert stored.microsecond == 123456


def test_the_orm_refuses_depth_beyond_the_configuration(database_url: str) -> None:

    with MigrationManager(config_for(database_url)) as manager:
        manager.initialize_database()
        memoir_sessions = DatabaseManager(config_for(database_url), engine=manager.engine)
        with memoir_sessions.session() as session:
            session.info[HIERARCHY_DEPTH_KEY] = 2
            root = Category(name="Root", level=1)
            leaf = Category(name="Leaf", parent=root)
            session.add_all([root, leaf])
            session.flush()
            assert (leaf.level, leaf.parent_level, leaf.parent_id) == (2, 1, root.id)
            session.add(Category(name="Too deep", parent=leaf))
            with pytest.raises(ValidationError, match="deeper than the configured hierarchy depth"):
                session.flush()
            session.rollback()

        with memoir_sessions.session() as session:
            session.info[HIERARCHY_DEPTH_KEY] = 2
            root = Category(name="Root", level=1)
            session.add(root)
            session.flush()
            session.add(
                Chunk(content="x", token_count=1, category=root, source_id="s", position=0,
                      start_offset=0, end_offset=1)
            )  # fmt: skip
            with pytest.raises(ValidationError, match="not a leaf"):
                session.flush()


def test_the_depth_guard_stays_out_of_a_host_applications_sessions(sqlite_url: str) -> None:
    """memoir's before_flush hook is on its own sessions, not on SQLAlchemy's Session class."""
    from sqlalchemy.orm import Session

    with MigrationManager(config_for(sqlite_url)) as manager:
        manager.initialize_database()
        DatabaseManager(config_for(sqlite_url), engine=manager.engine).check_connection()
        with Session(manager.engine, info={HIERARCHY_DEPTH_KEY: 1}) as session:
            root = Category(name="Root", level=1)
            session.add_all([root, Category(name="Child", parent=root)])
            session.flush()  # the host's session: no memoir rule runs here
            session.rollback()
