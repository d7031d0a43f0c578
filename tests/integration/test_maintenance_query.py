"""After corrections, queries cite chunks with their new paths, and an emptied leaf is a drop.

The query runs on the offline model over the test tree; its citations are
compared with the paths read in SQL, and ``memoir query --trace`` must draw the
leaf emptied by a chunk move as dropped, with its reason.
"""

from __future__ import annotations

from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from tests.corpus import rows
from tests.maintenance_tree import build_tree


def _sql_path(url: str, chunk_id: int) -> tuple[str, ...]:
    ((category_id,),) = rows(url, "SELECT category_id FROM chunks WHERE id = :id", id=chunk_id)
    names: list[str] = []
    current = category_id
    while current is not None:
        ((name, parent),) = rows(
            url, "SELECT name, parent_id FROM categories WHERE id = :id", id=current
        )
        names.append(name)
        current = parent
    return tuple(reversed(names))


def test_citations_follow_the_corrections_and_an_emptied_leaf_is_never_offered(
    sqlite_url: str,
) -> None:
    url = sqlite_url
    chunks = build_tree(url)
    with MemoirAI(database_url=url) as memoir:
        memoir.merge_categories("Astronomy > Half & Moon", "Astronomy > Moon & Half")
        memoir.rename_category("Astronomy > Moon & Half", "Moon")
        result = memoir.query_sync("sky notes Moon phases?", strategy="wide_branch")
        assert result.chunks
        for used in result.chunks:
            assert used.category_path == _sql_path(url, used.id)
            assert memoir.get_chunk(used.id).category_path == used.category_path
        memoir.move_chunks([chunks["j1"]], "Cooking > Bread > Dough")
    traced = CliRunner().invoke(
        app, ["--db", url, "query", "Jupiter?", "-s", "wide_branch", "--trace"]
    )
    assert traced.exit_code == 0, traced.output
    # The leaf the move emptied is not a candidate any more: the walk cannot end there.
    assert "── Jupiter" not in traced.stdout and "── Dough" in traced.stdout
    with MemoirAI(database_url=url) as memoir:
        trace = memoir.query_sync("Jupiter?", strategy="wide_branch").trace
    assert trace is not None
    offered = {name for level in trace.levels for step in level.steps for name in step.candidates}
    assert offered and "Jupiter" not in offered
