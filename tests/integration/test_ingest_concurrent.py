"""Two processes ingesting the same folder at once pay for it once, on every backend.

Each worker is a real process that ingests every file of the folder in order,
as ``memoir ingest`` does, through a model that takes a little time per call.
A barrier (not a clock) makes them start together. The measure is the audit
log: the calls of the two concurrent runs, by purpose, against those of one
run alone into a fresh database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from memoir_ai import MemoirAIConfig
from memoir_ai.database.migration_manager import MigrationManager

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"

WORKER = textwrap.dedent(
    """
    import logging, pathlib, sys, time
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    from memoir_ai import MemoirAI
    from memoir_ai.llm.offline import offline_model

    url, folder, barrier, name = sys.argv[1:5]
    memoir = MemoirAI(database_url=url, llm=offline_model(0.05), chunk_min_tokens=40,
                      chunk_max_tokens=80, batch_size=3)
    memoir.get_database_info()
    if barrier != "none":
        barrier = pathlib.Path(barrier)
        barrier.mkdir(exist_ok=True)
        (barrier / name).touch()
        while len(list(barrier.iterdir())) < 2:
            time.sleep(0.01)
    for path in sorted(pathlib.Path(folder).rglob("*.md")):
        result = memoir.ingest_text_sync(
            path.read_text("utf-8"), path.relative_to(folder).as_posix(), origin=str(path)
        )
        print(result.status, result.source_id, result.llm_call_count, flush=True)
    memoir.close()
    """
)


def _calls(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT purpose, COUNT(*) FROM llm_calls GROUP BY purpose")
            )
            return {str(purpose): int(count) for purpose, count in rows}
    finally:
        engine.dispose()


def _start(tmp_path: Path, url: str, barrier: str, name: str) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(script), url, str(SAMPLES), barrier, name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return out, err


def _new_database(backend: str, tmp_path: Path, name: str) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / name}.db", None
    from tests.servers import create_server_database

    url, database = create_server_database(backend)
    return url, database


@pytest.mark.slow
def test_two_runs_of_one_folder_at_once_cost_what_one_run_costs(
    backend: str, tmp_path: Path
) -> None:
    from tests.servers import drop_server_database

    alone_url, alone_db = _new_database(backend, tmp_path, "alone")
    both_url, both_db = _new_database(backend, tmp_path, "both")
    try:
        for url in (alone_url, both_url):
            with MigrationManager(MemoirAIConfig(database_url=url)) as manager:
                manager.initialize_database()
        _finish(_start(tmp_path, alone_url, "none", "alone"))
        one_run = _calls(alone_url)

        barrier = str(tmp_path / "barrier")
        workers = [_start(tmp_path, both_url, barrier, name) for name in ("first", "second")]
        outputs = [_finish(worker) for worker in workers]
        two_runs = _calls(both_url)
    finally:
        for database in (alone_db, both_db):
            if database is not None:
                drop_server_database(backend, database)

    files = len(list(SAMPLES.rglob("*.md")))
    assert one_run["helper"] == files and one_run["classify"] > files
    # Every source was paid for once: the two runs together cost exactly one run.
    assert two_runs == one_run
    statuses = [line.split()[0] for out, _ in outputs for line in out.splitlines()]
    assert sorted(statuses) == ["created"] * files + ["unchanged"] * files
    # The runs did overlap: one of them waited for a source the other was ingesting.
    assert any("is being ingested elsewhere; waiting" in err for _, err in outputs)
