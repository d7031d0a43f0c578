"""A deleted chunk or category id is never handed out again on SQLite (revision 0008).

Citations name chunk ids and links name category ids, so after ``memoir
sources delete`` the next ``memoir ingest`` must not store other text under an
id that was deleted. Plain ``INTEGER PRIMARY KEY`` takes ``max(id) + 1`` and
reused them; the ids are read back with the sqlite3 module, not memoir-ai.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import insert
from typer.testing import CliRunner

from memoir_ai.cli.main import app
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.database.models import CategoryChange, Source, utcnow
from tests._schema_tools import config_for, insert_tree, plain_engine

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _memoir(database: Path, *args: str) -> None:
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args])
    assert result.exit_code == 0, result.output + result.stderr


def _ids(database: Path) -> tuple[set[int], set[int]]:
    """The chunk ids and the category ids, as the file holds them."""
    with sqlite3.connect(database) as connection:
        chunks = {row[0] for row in connection.execute("SELECT id FROM chunks")}
        categories = {row[0] for row in connection.execute("SELECT id FROM categories")}
    return chunks, categories


def _delete_then_ingest(database: Path, source_id: str) -> None:
    """Delete ``source_id`` (holding the highest ids), ingest another text: no id comes back."""
    chunks_before, categories_before = _ids(database)
    _memoir(database, "sources", "delete", source_id, "--yes")
    chunks_kept, categories_kept = _ids(database)
    deleted_chunks = chunks_before - chunks_kept
    deleted_categories = categories_before - categories_kept
    assert max(chunks_before) in deleted_chunks
    assert max(categories_before) in deleted_categories

    _memoir(database, "ingest", str(SAMPLES / "trade" / "hanseatic-league.md"))

    chunks_after, categories_after = _ids(database)
    new_chunks = chunks_after - chunks_kept
    new_categories = categories_after - categories_kept
    assert new_chunks and new_categories
    assert not new_chunks & deleted_chunks, sorted(new_chunks & deleted_chunks)
    assert not new_categories & deleted_categories, sorted(new_categories & deleted_categories)
    assert min(new_chunks) > max(chunks_before)
    assert min(new_categories) > max(categories_before)


def test_ids_of_a_deleted_source_are_not_reused_by_the_next_ingest(tmp_path: Path) -> None:
    database = tmp_path / "memoir.db"
    _memoir(database, "ingest", str(SAMPLES / "baking" / "sourdough-starter.md"))
    _memoir(database, "ingest", str(SAMPLES / "astronomy" / "moon-phases.md"))
    with sqlite3.connect(database) as connection:
        (newest_source,) = connection.execute(
            "SELECT source_id FROM chunks ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert newest_source.endswith("moon-phases.md")

    _delete_then_ingest(database, newest_source)


def test_a_database_upgraded_with_rows_stops_reusing_ids(tmp_path: Path) -> None:
    """Made at revision 0007 with rows, upgraded by ``memoir db init``: ids go on from the top."""
    database = tmp_path / "old.db"
    url = f"sqlite:///{database}"
    with MigrationManager(config_for(url)) as manager:
        manager.upgrade("0007")
    engine = plain_engine(url)
    try:
        with engine.begin() as connection:
            insert_tree(connection)
            connection.execute(
                insert(Source.__table__).values(source_id="book-1", content_hash="0" * 64)
            )
            # A delete-empty before the upgrade removed category 40, the history still names it.
            gone = {"id": 40, "name": "Gone", "level": 1, "parent_id": None, "path": ["Gone"]}
            connection.execute(
                insert(CategoryChange.__table__).values(
                    operation="delete_empty",
                    front_door="cli",
                    summary="Deleted 1 empty category",
                    before={"categories": [gone], "chunks": []},
                    after={"categories": [], "chunks": []},
                    created_at=utcnow(),
                )
            )
    finally:
        engine.dispose()
    rows_before = _ids(database)
    assert max(rows_before[1]) < 40

    _memoir(database, "db", "init")

    assert _ids(database) == rows_before
    with sqlite3.connect(database) as connection:
        sequence = dict(connection.execute("SELECT name, seq FROM sqlite_sequence"))
    assert sequence == {"chunks": max(rows_before[0]), "categories": 40}
    _delete_then_ingest(database, "book-1")
    assert min(_ids(database)[1]) > 40


def test_a_mis_stamped_database_without_autoincrement_is_repaired_through_0008(
    tmp_path: Path,
) -> None:
    """0007 and 0008 hold the same names: only the id column tells them apart on SQLite."""
    database = tmp_path / "stamped.db"
    with MigrationManager(config_for(f"sqlite:///{database}")) as manager:
        manager.upgrade("0007")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE memoir_alembic_version SET version_num = '0001'")

    _memoir(database, "db", "upgrade")

    with sqlite3.connect(database) as connection:
        tables = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"))
    assert "AUTOINCREMENT" in tables["chunks"] and "AUTOINCREMENT" in tables["categories"]
