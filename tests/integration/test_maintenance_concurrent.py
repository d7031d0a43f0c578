"""A change to the tree while another writer ingests: both finish, and the tree stays whole.

One thread ingests sources whose chunks go under "Astronomy > Half & Moon" and
"Space > Planets"; another, with a MemoirAI (and engine) of its own, keeps
merging "Half & Moon" into "Moon & Half" and moving "Planets" between parents.
Both take the same lock in the same order, so neither fails or deadlocks; the
ingestion files its chunks by name into the tree as the changes left it. The
end state is checked with plain SQL on every backend.
"""

from __future__ import annotations

import contextlib
import threading

from memoir_ai import CategoryNotFoundError, MemoirAI, TreeChangeError
from tests.corpus import rows
from tests.maintenance_tree import SETTINGS, build_tree, check_rules, filer, source_text

SOURCES = 8
ROUNDS = 6


def test_changes_during_an_ingestion_leave_a_consistent_tree(database_url: str) -> None:
    url = database_url
    build_tree(url)
    failures: list[BaseException] = []
    changes: list[str] = []

    def ingest() -> None:
        try:
            with MemoirAI(database_url=url, llm=filer(), **SETTINGS) as memoir:
                for index in range(SOURCES):
                    path = (
                        ("Astronomy", "Half & Moon", "Phases")
                        if index % 2
                        else ("Space", "Planets", "Jupiter")
                    )
                    memoir.ingest_text_sync(
                        source_text(f"c{index}", path), f"c{index}", contextual_helper="Notes."
                    )
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    def correct() -> None:
        try:
            with MemoirAI(database_url=url, **SETTINGS) as memoir:
                for index in range(ROUNDS):
                    parent = "Astronomy" if index % 2 == 0 else "Space"
                    # Either may find nothing to do: the ingestion has not (re)created it yet.
                    with contextlib.suppress(CategoryNotFoundError, TreeChangeError):
                        changes.append(
                            memoir.merge_categories(
                                "Astronomy > Half & Moon", "Astronomy > Moon & Half"
                            ).operation
                        )
                    with contextlib.suppress(CategoryNotFoundError, TreeChangeError):
                        changes.append(memoir.move_category("Planets", parent).operation)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    threads = [threading.Thread(target=ingest), threading.Thread(target=correct)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert "merge" in changes and "move" in changes
    check_rules(url)
    stored = rows(url, "SELECT COUNT(*) FROM chunks WHERE source_id LIKE 'c%'")
    assert stored == [(SOURCES,)]  # every source of the ingestion kept its one chunk
    with MemoirAI(database_url=url) as memoir:
        assert len(memoir.category_changes()) == len(changes)
