"""The installed ``memoir`` command, end to end on a real SQLite file.

ingest the samples → tree → query (human and ``--json``) → log → delete a
source → ``db validate``, each step a fresh process as a user would run it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"

pytestmark = pytest.mark.slow


def _memoir_command() -> list[str]:
    script = Path(sys.executable).parent / "memoir"
    if script.exists():
        return [str(script)]
    found = shutil.which("memoir")
    return [found] if found else [sys.executable, "-m", "memoir_ai.cli.main"]


def _run(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["COLUMNS"] = "200"
    return subprocess.run(
        [*_memoir_command(), *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_whole_life_cycle_through_the_installed_command(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "samples")

    ingested = _run(tmp_path, "ingest", "samples")
    assert ingested.returncode == 0, ingested.stderr
    assert "8 source(s) stored, 0 failed" in ingested.stdout
    assert (tmp_path / "memoir.db").exists()  # the default database, in the working directory
    assert "Traceback" not in ingested.stderr

    tree = json.loads(_run(tmp_path, "tree", "--json").stdout)
    assert tree["chunk_count"] >= 8
    subjects = {root["name"]: root["total_chunks"] for root in tree["roots"]}
    assert sum(subjects.values()) == tree["chunk_count"]
    assert len(subjects) < 8  # two texts on a subject share a category

    answer = _run(tmp_path, "query", "Why does the Moon have phases?", "-s", "wide_branch")
    assert answer.returncode == 0, answer.stderr
    assert "Citations:" in answer.stdout
    result = json.loads(
        _run(
            tmp_path, "query", "Why does the Moon have phases?", "-s", "wide_branch", "--json"
        ).stdout
    )
    assert result["cited_chunk_ids"]
    cited = [chunk for chunk in result["chunks"] if chunk["cited"]]
    assert any(chunk["source_id"] == "astronomy/moon-phases.md" for chunk in cited)
    assert all(len(chunk["category_path"]) == 3 for chunk in cited)

    shown = _run(tmp_path, "show", str(cited[0]["id"]))
    assert shown.returncode == 0 and " > ".join(cited[0]["category_path"]) in shown.stdout

    log = _run(tmp_path, "log")
    assert log.returncode == 0
    for purpose in ("helper", "classify", "select", "answer"):
        assert purpose in log.stdout
    assert "Total: " in log.stdout

    deleted = _run(tmp_path, "sources", "delete", "astronomy/moon-phases.md", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    sources = json.loads(_run(tmp_path, "sources", "--json").stdout)
    assert "astronomy/moon-phases.md" not in [row["source_id"] for row in sources]
    assert len(sources) == 7
    after = json.loads(_run(tmp_path, "tree", "--json").stdout)
    assert after["chunk_count"] == tree["chunk_count"] - 3  # moon-phases.md is three chunks

    validated = _run(tmp_path, "db", "validate")
    assert validated.returncode == 0, validated.stderr
    assert "is valid" in validated.stdout


def test_user_mistakes_are_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'memoir.db'}"
    cases = [
        (["--db", database, "tree"], "There is no memoir database"),
        (["--db", database, "ingest", "-"], "needs a source id"),
        (["--db", "nosuch://x", "ingest", str(SAMPLES / "trade")], "Error:"),
        (["--db", database, "--model", "nonsense", "ingest", str(SAMPLES / "trade")], "Error:"),
    ]
    for args, expected in cases:
        result = _run(tmp_path, *args, stdin="")
        assert result.returncode == 1, (args, result.stderr)
        assert expected in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len([line for line in result.stderr.splitlines() if line.startswith("Error:")]) >= 1
