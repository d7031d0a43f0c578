"""The tree says how full each level is: get_category_tree, get_database_info, memoir tree."""

from __future__ import annotations

from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from tests.corpus import SETTINGS, SUBJECTS, rows

LIMITS = {1: 2, 2: 3, 3: 4}


def test_level_fill_is_shown_wherever_the_tree_is(sqlite_url: str) -> None:
    with MemoirAI(
        database_url=sqlite_url,
        max_categories_per_level=LIMITS,
        auto_source_identification=False,
        **SETTINGS,
    ) as memoir:
        for name in ("astronomy", "cooking", "football"):
            memoir.ingest_text_sync("\n\n".join(SUBJECTS[name]), f"{name}.md")
        tree = memoir.get_category_tree()
        info = memoir.get_database_info()
    counted = dict(rows(sqlite_url, "SELECT level, COUNT(*) FROM categories GROUP BY level"))
    assert [(f.level, f.categories, f.limit) for f in tree.levels] == [
        (level, counted.get(level, 0), limit) for level, limit in LIMITS.items()
    ]
    assert info.level_fill == tree.levels
    assert any(fill.full for fill in tree.levels)  # three subjects, two top-level places

    shown = CliRunner().invoke(
        app,
        ["--db", sqlite_url, "tree"],
        env={"MEMOIR_MAX_CATEGORIES_PER_LEVEL": '{"1": 2, "2": 3, "3": 4}'},
    )
    assert shown.exit_code == 0, shown.stderr
    last = shown.stdout.strip().splitlines()[-1]
    expected = ", ".join(
        f"{f.level}: {f.categories} of {f.limit}" + (" (full)" if f.full else "")
        for f in tree.levels
    )
    assert last.startswith("Levels: ") and all(part in last for part in expected.split(", "))
