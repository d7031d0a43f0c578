"""pytest-alembic's four standard tests through its documented fixtures, and Alembic by hand.

pytest-alembic hands ``env.py`` an Engine (``alembic_engine``) in
``config.attributes["connection"]``; the packaged ``env.py`` must accept it,
as it accepts a Connection (MigrationManager) or a URL (``-x url=...``).
With no URL at all it refuses rather than create ``./memoir.db``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_alembic import tests as standard
from pytest_alembic.runner import MigrationContext
from sqlalchemy import Engine, inspect, text

from memoir_ai.database.migration_manager import MIGRATIONS_DIR, MigrationManager
from tests._schema_tools import HEAD, config_for, plain_engine

ALEMBIC_INI = MIGRATIONS_DIR / "alembic.ini"


@pytest.fixture
def alembic_config() -> dict[str, str]:
    return {"file": str(ALEMBIC_INI)}


@pytest.fixture
def alembic_engine(database_url: str) -> Iterator[Engine]:
    engine = plain_engine(database_url)
    yield engine
    engine.dispose()


def test_single_head_revision(alembic_runner: MigrationContext) -> None:
    standard.test_single_head_revision(alembic_runner)


def test_upgrade(alembic_runner: MigrationContext) -> None:
    standard.test_upgrade(alembic_runner)


def test_model_definitions_match_ddl(alembic_runner: MigrationContext) -> None:
    standard.test_model_definitions_match_ddl(alembic_runner)


def test_up_down_consistency(alembic_runner: MigrationContext) -> None:
    standard.test_up_down_consistency(alembic_runner)


def _alembic(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ALEMBIC_INI), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_alembic_by_hand_with_x_url(database_url: str, tmp_path: Path) -> None:
    upgraded = _alembic(tmp_path, "-x", f"url={database_url}", "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    with MigrationManager(config_for(database_url)) as manager:
        assert manager.get_current_revision() == HEAD
        assert manager.validate_database_schema().is_valid
    assert list(tmp_path.iterdir()) == []


def test_alembic_without_a_url_refuses_instead_of_creating_memoir_db(tmp_path: Path) -> None:
    refused = _alembic(tmp_path, "upgrade", "head")
    assert refused.returncode != 0
    assert "No database to migrate: pass -x url=" in refused.stdout + refused.stderr
    assert list(tmp_path.iterdir()) == []  # no ./memoir.db


@pytest.mark.parametrize("backend", ["mysql"])
def test_audit_floats_are_double_precision_on_mariadb(database_url: str) -> None:
    with MigrationManager(config_for(database_url)) as manager:
        manager.initialize_database()
    engine = plain_engine(database_url)
    latency = 1234.567890123
    try:
        with engine.begin() as connection:
            types = {
                c["name"]: str(c["type"]) for c in inspect(connection).get_columns("llm_calls")
            }
            assert types["latency_seconds"] == "DOUBLE" and types["temperature"] == "DOUBLE"
            connection.execute(
                text(
                    "INSERT INTO llm_calls (purpose, model, started_at, latency_seconds, "
                    "input_tokens, output_tokens, requests, attempts, outcome, temperature, "
                    "structured_output) VALUES ('answer', 'm', '2026-01-01', :latency, 1, 1, 1, "
                    "1, 'ok', 0.7, 'native')"
                ),
                {"latency": latency},
            )
            stored = connection.execute(text("SELECT latency_seconds FROM llm_calls")).scalar()
    finally:
        engine.dispose()
    assert stored == latency  # FLOAT would give back 1234.57


def test_leaf_reads_are_index_ordered(sqlite_url: str) -> None:
    with MigrationManager(config_for(sqlite_url)) as manager:
        manager.initialize_database()
    engine = plain_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            plan = " ".join(
                str(row[-1])
                for row in connection.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id, content FROM chunks WHERE category_id = 3 "
                        "ORDER BY created_at, id LIMIT 10"
                    )
                )
            )
    finally:
        engine.dispose()
    assert "ix_chunks_category_id_created_at_id" in plan
    assert "TEMP B-TREE" not in plan
