"""Correcting the tree on every backend: each operation's rules, the history, exact undo.

The tree is built by a real ingestion (a fake model files each chunk under the
path its text names). Every promise is checked with plain SQL on a connection
of the test's own (:func:`tests.maintenance_tree.snapshot`, :func:`check_rules`):
parents one level up, depth, unique sibling names, chunks on leaves, sources
keeping their chunks, and undo restoring the very rows of before.
"""

from __future__ import annotations

import pytest

from memoir_ai import CategoryNotFoundError, MemoirAI, TreeChangeError, ValidationError
from tests.corpus import rows
from tests.maintenance_tree import (
    SETTINGS,
    build_tree,
    check_rules,
    filer,
    snapshot,
    source_text,
)


def _id(url: str, *path: str) -> int:
    with MemoirAI(database_url=url) as memoir:
        for node_path, node in memoir.get_category_tree().walk():
            if node_path == path:
                return node.id
    raise AssertionError(path)


def test_every_operation_keeps_the_rules_and_undo_restores_the_rows(database_url: str) -> None:
    url = database_url
    chunks = build_tree(url)
    original = snapshot(url)
    with MemoirAI(database_url=url, **SETTINGS) as memoir:
        # Paths: full, partial when unique; ambiguous and unknown ones are refused.
        renamed = memoir.rename_category("Astronomy > Moon & Half > Tides", "Tide")
        assert renamed.operation == "rename" and renamed.front_door == "python"
        with pytest.raises(CategoryNotFoundError) as ambiguous:
            memoir.rename_category("Phases", "Phase")
        assert ambiguous.value.ambiguous and len(ambiguous.value.candidates) == 2
        assert "Astronomy > Half & Moon > Phases" in str(ambiguous.value)
        with pytest.raises(CategoryNotFoundError, match="No category has the path"):
            memoir.rename_category("Astronomy > Sun", "Star")
        with pytest.raises(CategoryNotFoundError, match="no category with id 999"):
            memoir.rename_category(999, "Star")
        with pytest.raises(TreeChangeError, match="already has that name") as taken:
            memoir.rename_category("Half & Moon > Phases", "Eclipses")
        assert taken.value.conflict
        with pytest.raises(ValidationError, match="cannot be a category name"):
            memoir.rename_category("Tide", "   ")
        with pytest.raises(ValidationError, match="separates the names of a path"):
            memoir.rename_category("Tide", "Sea > Tide")

        # Merge: same level only; children merged by name, chunks moved, source removed.
        with pytest.raises(TreeChangeError, match="same level"):
            memoir.merge_categories("Astronomy > Half & Moon", "Space")
        merged = memoir.merge_categories("Astronomy > Half & Moon", "Astronomy > Moon & Half")
        assert merged.chunks_moved == 1  # p1; Eclipses moves whole, with its chunk
        # Move: one level up only, names free under the new parent; depths kept.
        with pytest.raises(TreeChangeError, match="must be at level 2"):
            memoir.move_category("Space > Planets > Jupiter", "Cooking")
        with pytest.raises(TreeChangeError, match="top-level"):
            memoir.move_category("Space", "Cooking")
        moved = memoir.move_category("Space > Planets", "Astronomy")
        # Chunks: only to a leaf at the configured depth.
        with pytest.raises(TreeChangeError, match="only under leaves"):
            memoir.move_chunks([chunks["d1"]], "Astronomy > Moon & Half")
        with pytest.raises(ValidationError, match="no chunk with id 4242"):
            memoir.move_chunks([4242], "Cooking > Bread > Dough")
        refiled = memoir.move_chunks([chunks["d1"]], "Astronomy > Planets > Jupiter")
        assert "Left empty: Cooking > Bread > Dough" in refiled.summary
        deleted = memoir.delete_empty_categories()
        assert deleted is not None and memoir.delete_empty_categories() is None
        # Counts every category deleted; names the tops of the emptied subtrees.
        gone = {c.id for c in deleted.before.categories} - {c.id for c in deleted.after.categories}
        assert deleted.summary.startswith(f"Deleted {len(gone)} empty")
        assert "Cooking" in deleted.summary and "with everything below" in deleted.summary

    # The independent measure: what the database holds now.
    names = {(name, level) for _, name, level, _ in snapshot(url)[0]}
    # Emptied by the merge, the move and the chunk move, then deleted.
    assert not names & {("Half & Moon", 2), ("Space", 1), ("Cooking", 1), ("Bread", 2)}
    phases = _id(url, "Astronomy", "Moon & Half", "Phases")
    placed = dict(snapshot(url)[1])
    assert [placed[chunks[key]] for key in ("m1", "m2", "p1")] == [phases] * 3
    assert placed[chunks["e1"]] == _id(url, "Astronomy", "Moon & Half", "Eclipses")
    assert (
        placed[chunks["d1"]] == placed[chunks["j1"]] == _id(url, "Astronomy", "Planets", "Jupiter")
    )
    check_rules(url)

    with MemoirAI(database_url=url) as memoir:
        history = memoir.category_changes()
        assert [c.id for c in history] == [renamed.id, merged.id, moved.id, refiled.id, deleted.id]
        assert [c.operation for c in history] == [
            "rename", "merge", "move", "move_chunks", "delete_empty"
        ]  # fmt: skip
        for _ in history:
            memoir.undo_last_change()
        with pytest.raises(TreeChangeError, match="no change to undo"):
            memoir.undo_last_change()
        assert all(c.undone_at is not None for c in memoir.category_changes())
    assert snapshot(url) == original  # every id, name, parent and chunk as it was
    check_rules(url)


def test_undo_is_refused_once_rows_changed_and_changes_nothing(database_url: str) -> None:
    url = database_url
    limits = {"max_categories_per_level": {1: 3, 2: 10, 3: 10}}
    build_tree(url, **limits)
    with MemoirAI(database_url=url, llm=filer(), **SETTINGS, **limits) as memoir:
        memoir.merge_categories("Astronomy > Half & Moon", "Astronomy > Moon & Half")
        memoir.delete_source("p1")  # its chunk was moved by the merge
        before = snapshot(url)
        with pytest.raises(TreeChangeError, match="chunk .* was deleted since") as refused:
            memoir.undo_last_change()
        assert refused.value.conflict and "Fix:" in str(refused.value)
        assert snapshot(url) == before

        # A full level: undoing would bring back a level-1 category over its limit.
        memoir.merge_categories("Cooking", "Space")
        memoir.ingest_text_sync(
            source_text("n1", ("Music", "Jazz", "Piano")), "n1", contextual_helper="Notes."
        )
        before = snapshot(url)
        with pytest.raises(TreeChangeError, match="over its limit of 3"):
            memoir.undo_last_change()
        assert snapshot(url) == before
    check_rules(url)


def test_an_undo_meets_a_name_taken_meanwhile(sqlite_url: str) -> None:
    build_tree(sqlite_url)
    with MemoirAI(database_url=sqlite_url, llm=filer(), **SETTINGS) as memoir:
        memoir.merge_categories("Space", "Cooking")
        # An ingestion files a chunk under a new "Space": the name the undo needs.
        memoir.ingest_text_sync(
            source_text("s2", ("Space", "Stars", "Sun")), "s2", contextual_helper="Notes."
        )
        with pytest.raises(TreeChangeError, match="two categories named 'Space'"):
            memoir.undo_last_change()
    check_rules(sqlite_url)
    assert rows(sqlite_url, "SELECT COUNT(*) FROM categories WHERE name = 'Space'") == [(1,)]
