"""Destructive downgrades ask first, and an upgrade rebuilds what a downgrade dropped.

Two samples are ingested with the offline model. ``db downgrade 0001`` would
drop ``sources``, ``contextual_helper_versions`` and ``llm_calls``: it is
refused without ``--yes``, counting the rows. After ``--yes`` and ``db
upgrade``, ``memoir sources`` lists the sources of the chunks again (with the
hash of the very text that was ingested, so re-ingesting finds nothing to do)
and the helper history holds the helpers that survived in
``contextual_helpers``.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from memoir_ai.cli.main import app
from tests._schema_tools import HEAD

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "astronomy"


def memoir(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", url, "--model", "offline", *args])


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def test_downgrade_asks_and_upgrade_backfills(database_url: str) -> None:
    ingested = memoir(database_url, "ingest", str(SAMPLES))
    assert ingested.exit_code == 0, ingested.stderr
    sources_before = json.loads(memoir(database_url, "sources", "--json").stdout)
    assert len(sources_before) == 2
    helpers = _rows(database_url, "SELECT source_id, version, helper_text FROM contextual_helpers")
    calls = _rows(database_url, "SELECT COUNT(*) FROM llm_calls")[0][0]

    refused = memoir(database_url, "db", "downgrade", "0001")
    assert refused.exit_code == 1
    assert "--yes" in refused.stderr
    assert f"{2 + 2 + calls} rows would be deleted" in refused.stderr
    assert "sources (2 rows)" in refused.stderr and f"llm_calls ({calls} rows)" in refused.stderr
    assert _rows(database_url, "SELECT version_num FROM memoir_alembic_version") == [(HEAD,)]

    assert memoir(database_url, "db", "downgrade", "0001", "--yes").exit_code == 0
    upgraded = memoir(database_url, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.stderr

    sources_after = json.loads(memoir(database_url, "sources", "--json").stdout)
    # The title is what ingestion knew of the file, kept with the source row only (chunk
    # metadata is the caller's own), so a source rebuilt from its chunks has none.
    keys = ("source_id", "chunk_count", "token_count", "helper_version")
    assert [{k: s[k] for k in keys} for s in sources_after] == [
        {k: s[k] for k in keys} for s in sources_before
    ]
    history = _rows(
        database_url,
        "SELECT source_id, version, helper_text FROM contextual_helper_versions ORDER BY source_id",
    )
    assert history == sorted(helpers)

    again = memoir(database_url, "ingest", str(SAMPLES))
    assert again.exit_code == 0, again.stderr
    assert again.stdout.count("unchanged") == 2  # same text, same hash: nothing re-filed
    assert "0 LLM call(s)" in again.stdout
