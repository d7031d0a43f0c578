"""``memoir category …``, ``memoir chunk move`` and ``memoir tidy`` on a SQLite file.

Each command's JSON must be the dump of what the Python API's history holds (front
door ``cli``); confirmations must leave the tree untouched when declined; the
tree is checked with plain SQL, and the curate calls of ``memoir tidy`` are
counted in the audit log against the sibling groups counted in SQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from tests.corpus import rows
from tests.maintenance_tree import build_tree, check_rules, snapshot


def _run(url: str, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, ["--db", url, *args], input=stdin)


def _json(url: str, *args: str) -> Any:
    result = _run(url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_category_commands_change_record_and_undo(sqlite_url: str) -> None:
    url = sqlite_url
    chunks = build_tree(url)
    original = snapshot(url)
    declined = _run(url, "category", "merge", "Half & Moon", "Moon & Half", stdin="n\n")
    assert declined.exit_code == 1 and "Cancelled" in declined.stdout
    assert snapshot(url) == original

    refused = _run(url, "category", "rename", "Phases", "Phase")
    assert refused.exit_code == 1
    assert "names 2 categories" in refused.stderr and "Fix:" in refused.stderr
    assert "Traceback" not in refused.stderr

    made = [
        _json(url, "category", "rename", "Astronomy > Moon & Half > Tides", "Tide"),
        _json(url, "category", "merge", "Half & Moon", "Astronomy > Moon & Half", "--yes"),
        _json(url, "category", "move", "Space > Planets", "Astronomy"),
        _json(url, "chunk", "move", str(chunks["d1"]), "--to", "Planets > Jupiter"),
        _json(url, "category", "delete-empty", "--yes"),
    ]
    with MemoirAI(database_url=url) as memoir:
        history = [change.model_dump(mode="json") for change in memoir.category_changes()]
    assert made == history == _json(url, "category", "history")
    assert {change["front_door"] for change in made} == {"cli"}
    shown = _run(url, "tree", "--ids")
    assert f"Jupiter (2 chunks) [id {made[3]['after']['chunks'][0]['category_id']}]" in shown.stdout
    check_rules(url)

    listed = _run(url, "category", "history")
    assert listed.exit_code == 0 and "Merged 'Astronomy > Half & Moon'" in listed.stdout
    for change in reversed(made):
        undone = _run(url, "category", "undo", "--yes")
        assert undone.exit_code == 0 and f"Undid change {change['id']}" in undone.stdout
    assert snapshot(url) == original
    nothing = _run(url, "category", "undo", "--yes")
    assert nothing.exit_code == 1 and "no change to undo" in nothing.stderr


def _sibling_groups(url: str) -> int:
    """Parents (and the top level) with two or more children, counted in SQL."""
    return len(
        rows(url, "SELECT parent_key FROM categories GROUP BY parent_key HAVING COUNT(*) > 1")
    )


def test_tidy_proposes_near_duplicates_and_applies_the_reviewed_plan(
    sqlite_url: str, tmp_path: Path
) -> None:
    url = sqlite_url
    build_tree(url)
    original = snapshot(url)
    groups = _sibling_groups(url)
    plan = _json(url, "tidy")
    assert snapshot(url) == original  # proposing changes nothing
    assert [(p["source_path"], p["into_path"]) for p in plan["proposals"]] == [
        (["Astronomy", "Half & Moon"], ["Astronomy", "Moon & Half"])
    ]
    assert "same words" in plan["proposals"][0]["reason"]
    assert plan["calls"] == groups
    logged = rows(
        url,
        "SELECT COUNT(*), SUM(input_tokens) FROM llm_calls "
        "WHERE purpose = 'curate' AND operation_id = :op",
        op=plan["operation_id"],
    )
    assert logged == [(groups, plan["input_tokens"])]

    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(plan), "utf-8")
    shown = _run(url, "tidy")
    assert "Half & Moon (id" in shown.stdout and "same words" in shown.stdout
    applied = _json(url, "tidy", "--apply", "--plan", str(saved), "--yes")
    assert [change["operation"] for change in applied["applied"]] == ["merge"]
    assert applied["skipped"] == []
    names = {name for _, name, _, _ in snapshot(url)[0]}
    assert "Half & Moon" not in names
    check_rules(url)
    again = _json(url, "tidy", "--apply", "--plan", str(saved), "--yes")
    assert again["applied"] == [] and "no category with id" in again["skipped"][0]["reason"]


def _memoir(url: str, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    """The installed command with a real pipe for stdin (CliRunner echoes input to stdout)."""
    command = [sys.executable, "-m", "memoir_ai.cli.main", "--db", url, *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120)


def test_confirmation_with_json_asks_on_stderr_and_keeps_stdout_one_document(
    sqlite_url: str,
) -> None:
    url = sqlite_url
    build_tree(url)
    applied = _memoir(url, "tidy", "--apply", "--json", stdin="y\n")
    assert applied.returncode == 0, applied.stderr
    assert "Apply these 1 merge(s)?" in applied.stderr
    assert [change["operation"] for change in json.loads(applied.stdout)["applied"]] == ["merge"]

    declined = _memoir(url, "category", "undo", "--json", stdin="n\n")
    assert declined.returncode == 1 and declined.stdout == ""
    assert "Cancelled: nothing was changed." in declined.stderr
    undone = _memoir(url, "category", "undo", "--json", stdin="y\n")
    assert undone.returncode == 0 and "Undo the most recent change" in undone.stderr
    assert json.loads(undone.stdout)["operation"] == "merge"
