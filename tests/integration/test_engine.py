"""The engine on every backend: session settings, verified connections, transactions."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.errors import DatabaseError


@pytest.fixture
def manager(database_url: str) -> DatabaseManager:
    db = DatabaseManager(MemoirAIConfig(database_url=database_url))
    yield db  # type: ignore[misc]
    db.dispose()


def test_transactions_commit_on_success_and_roll_back_on_error(manager: DatabaseManager) -> None:
    with manager.connect() as connection, connection.begin():
        connection.execute(text("CREATE TABLE engine_probe (id INTEGER PRIMARY KEY, note TEXT)"))
    with manager.transaction() as session:
        session.execute(text("INSERT INTO engine_probe (id, note) VALUES (1, 'kept')"))
    with pytest.raises(DatabaseError) as raised, manager.transaction() as session:
        session.execute(text("INSERT INTO engine_probe (id, note) VALUES (2, 'rolled back')"))
        session.execute(text("INSERT INTO engine_probe (id, note) VALUES (1, 'duplicate')"))
    # Translated once, by class or code; the driver's error stays chained.
    assert raised.value.kind == "constraint"
    assert isinstance(raised.value.__cause__, IntegrityError)
    with manager.session() as session:
        notes = session.execute(text("SELECT note FROM engine_probe ORDER BY id")).scalars().all()
    assert notes == ["kept"]


def test_foreign_keys_are_enforced_on_every_backend(manager: DatabaseManager) -> None:
    with manager.connect() as connection, connection.begin():
        connection.execute(text("CREATE TABLE fk_parent (id INTEGER PRIMARY KEY)"))
        connection.execute(
            text(
                "CREATE TABLE fk_child (id INTEGER PRIMARY KEY, "
                "parent_id INTEGER REFERENCES fk_parent (id))"
            )
        )
    with (
        pytest.raises(DatabaseError, match="rule the database enforces"),
        manager.transaction() as session,
    ):
        session.execute(text("INSERT INTO fk_child (id, parent_id) VALUES (1, 42)"))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_uses_foreign_keys_a_busy_timeout_and_wal_once_a_writer_asks(
    manager: DatabaseManager,
) -> None:
    with manager.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "delete"
        timeout_ms = manager.config.db_connect_timeout * 1000
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == timeout_ms
    manager.prefer_wal()
    with manager.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_reading_a_memory_leaves_its_sqlite_file_byte_for_byte(tmp_path: Path) -> None:
    """A reader never switches the file to WAL (a write): a rollback-journal file stays one."""
    import hashlib

    from memoir_ai import MemoirAI

    db = tmp_path / "memoir.db"
    with MemoirAI(database_url=f"sqlite:///{db}") as memoir:
        memoir.ingest_text_sync("The Moon has phases because we see its lit half.", "moon.md")
    with sqlite3.connect(db) as connection:  # as another tool may have left it
        connection.execute("PRAGMA journal_mode = DELETE")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with MemoirAI(database_url=f"sqlite:///{db}") as memoir:
        assert memoir.get_category_tree().roots
        assert [source.source_id for source in memoir.list_sources()] == ["moon.md"]
        assert memoir.llm_calls()
        memoir.get_database_info()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not (tmp_path / "memoir.db-wal").exists()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@pytest.mark.parametrize("backend", ["mysql"])
def test_mysql_sessions_are_utf8mb4_and_strict(manager: DatabaseManager) -> None:
    with manager.connect() as connection:
        sql_mode, charset = connection.execute(
            text("SELECT @@SESSION.sql_mode, @@SESSION.character_set_connection")
        ).one()
        connection.execute(text("CREATE TABLE strict_probe (name VARCHAR(3))"))
        with pytest.raises(Exception, match="too long"):
            connection.execute(text("INSERT INTO strict_probe VALUES ('four')"))
        emoji = connection.execute(text("SELECT CAST('🦉' AS CHAR)")).scalar()
    assert "STRICT_ALL_TABLES" in sql_mode and "STRICT_TRANS_TABLES" in sql_mode
    assert charset == "utf8mb4"
    assert emoji == "🦉"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_sessions_are_named(manager: DatabaseManager) -> None:
    with manager.connect() as connection:
        assert connection.execute(text("SHOW application_name")).scalar() == "memoir-ai"


@pytest.mark.parametrize(
    ("plain", "resolved"),
    [("postgresql", "postgresql+psycopg"), ("mysql", "mysql+pymysql")],
)
def test_plain_server_urls_use_our_drivers(plain: str, resolved: str) -> None:
    from tests.servers import server_url

    backend = "postgresql" if plain == "postgresql" else "mysql"
    url = server_url(backend).replace(resolved, plain, 1)
    db = DatabaseManager(MemoirAIConfig(database_url=url))
    try:
        db.check_connection()
        assert db.engine.url.drivername == resolved
    finally:
        db.dispose()


def test_a_read_only_sqlite_file_is_refused_before_connecting(tmp_path: Path) -> None:
    path = tmp_path / "memoir.db"
    sqlite3.connect(path).close()
    path.chmod(stat.S_IRUSR)
    if os.access(path, os.W_OK):
        pytest.skip("running as root: a read-only mode does not stop root from writing")
    with pytest.raises(DatabaseError, match="read-only"):
        DatabaseManager(MemoirAIConfig(database_url=f"sqlite:///{path}")).check_connection()


def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not SQLite " * 100)
    manager = DatabaseManager(MemoirAIConfig(database_url=f"sqlite:///{path}"))
    with pytest.raises(DatabaseError, match="not a database") as raised:
        manager.check_connection()
    assert "SQLite" in raised.value.remedy


def test_a_borrowed_engine_is_left_open_and_an_owned_one_is_disposed(sqlite_url: str) -> None:
    from memoir_ai.database.engine import create_database_engine
    from memoir_ai.database.migration_manager import MigrationManager

    config = MemoirAIConfig(database_url=sqlite_url)
    engine = create_database_engine(config)
    pool = engine.pool  # Engine.dispose() replaces the pool
    with MigrationManager(config, engine=engine) as migrations:
        migrations.initialize_database()
        assert migrations.engine is engine
    borrowed = DatabaseManager(config, engine=engine)
    with borrowed.session() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    borrowed.dispose()
    assert engine.pool is pool
    engine.dispose()

    owned = MigrationManager(config)
    own_engine = owned.engine
    own_pool = own_engine.pool
    owned.close()
    assert own_engine.pool is not own_pool
