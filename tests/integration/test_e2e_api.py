"""The whole life cycle through the Python API, on every backend, sync and async.

Ingest the shipped samples with the offline model, browse the tree, the
sources, one chunk and the call log, regenerate a helper, delete a source and
check that the schema is still valid; then run the same scenario through the
async methods and compare the trees (the parity test).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from memoir_ai import MemoirAI, ValidationError
from memoir_ai.results import CategoryTree

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_FILES = sorted(SAMPLES.rglob("*.md"))


def _texts() -> list[tuple[str, str]]:
    return [(str(path.relative_to(SAMPLES)), path.read_text("utf-8")) for path in SAMPLE_FILES]


def _shape(tree: CategoryTree) -> list[tuple[tuple[str, ...], int, int]]:
    return [(path, node.level, node.total_chunks) for path, node in tree.walk()]


def test_samples_cover_several_subjects_twice() -> None:
    subjects = {path.parent.name for path in SAMPLE_FILES}
    assert len(subjects) >= 3
    assert all(sum(p.parent.name == s for p in SAMPLE_FILES) >= 2 for s in subjects)
    for path in SAMPLE_FILES:
        assert 150 <= len(path.read_text("utf-8").split()) <= 1000, path


def test_life_cycle_through_the_sync_api(database_url: str) -> None:
    with MemoirAI(database_url=database_url) as memoir:
        results = [memoir.ingest_text_sync(text, source_id=sid) for sid, text in _texts()]
        assert {result.status for result in results} == {"created"}

        tree = memoir.get_category_tree()
        stored_chunks = sum(len(result.chunks) for result in results)
        assert tree.chunk_count == stored_chunks
        assert all(node.level == len(path) for path, node in tree.walk())
        assert all(len(path) == 3 for path in tree.leaf_paths())
        first = results[0].chunks[0]
        assert first.category_path in tree.leaf_paths()

        sources = memoir.list_sources()
        assert [source.source_id for source in sources] == [sid for sid, _ in _texts()]
        assert all(source.chunk_count >= 1 and source.helper_version == 1 for source in sources)

        chunk = memoir.get_chunk(first.id)
        assert chunk.category_path == first.category_path
        assert chunk.source_id == results[0].source_id
        original = _texts()[0][1]
        assert chunk.content == original[chunk.start_offset : chunk.end_offset]

        calls = memoir.llm_calls()
        totals = memoir.llm_call_totals()
        assert totals.calls == len(calls) == sum(result.llm_call_count for result in results)
        assert totals.input_tokens == sum(call.input_tokens for call in calls)
        assert [call.id for call in memoir.llm_calls(limit=2)] == [call.id for call in calls[-2:]]
        own = memoir.llm_calls(source_id=results[0].source_id)
        assert {call.purpose for call in own} >= {"helper", "classify"}

        regenerated = memoir.regenerate_contextual_helper_sync(results[0].source_id)
        assert regenerated.version == 2 and not regenerated.is_user_provided
        assert memoir.llm_call_totals().calls == totals.calls + 1

        info = memoir.get_database_info()
        assert info.schema_valid and info.current_revision == info.head_revision
        assert info.pending_migrations == ()
        assert (info.source_count, info.chunk_count) == (len(results), stored_chunks)
        assert info.category_count == tree.category_count
        assert info.model == "offline"

        # The id is taken the way ingestion takes it: surrounding spaces do not matter.
        removed = memoir.delete_source(f"  {results[0].source_id} ")
        assert removed == len(results[0].chunks)
        after = memoir.get_category_tree()
        assert after.chunk_count == stored_chunks - removed
        assert all(node.total_chunks > 0 for _, node in after.walk())  # empty ones pruned
        assert memoir.get_contextual_helper(results[0].source_id) is None
        with pytest.raises(ValidationError, match="no chunk with id"):
            memoir.get_chunk(first.id)
        with pytest.raises(ValidationError, match="no source 'astronomy/moon-phases.md'"):
            memoir.delete_source(results[0].source_id)
        assert memoir.get_database_info().schema_valid


def test_sync_and_async_build_the_same_tree(tmp_path: Path) -> None:
    texts = _texts()
    with MemoirAI(database_url=f"sqlite:///{tmp_path / 'sync.db'}") as memoir:
        for source_id, text in texts:
            memoir.ingest_text_sync(text, source_id=source_id)
        sync_tree = memoir.get_category_tree()
        sync_helper = memoir.regenerate_contextual_helper_sync(texts[1][0])

    async def scenario() -> tuple[CategoryTree, str]:
        with MemoirAI(database_url=f"sqlite:///{tmp_path / 'async.db'}") as memoir:
            for source_id, text in texts:
                await memoir.ingest_text(text, source_id=source_id)
            helper = await memoir.regenerate_contextual_helper(texts[1][0])
            return memoir.get_category_tree(), helper.helper_text

    async_tree, async_helper = asyncio.run(scenario())
    assert _shape(async_tree) == _shape(sync_tree)
    assert async_helper == sync_helper.helper_text


def test_sync_twin_works_inside_a_running_loop(tmp_path: Path) -> None:
    source_id, text = _texts()[0]

    async def notebook_cell() -> int:
        with MemoirAI(database_url=f"sqlite:///{tmp_path / 'nb.db'}") as memoir:
            result = memoir.ingest_text_sync(text, source_id=source_id)
            return len(result.chunks)

    assert asyncio.run(notebook_cell()) >= 1


def test_database_info_reports_an_uninitialized_database_without_creating_it(
    tmp_path: Path,
) -> None:
    with MemoirAI(database_url=f"sqlite:///{tmp_path / 'new.db'}") as memoir:
        info = memoir.get_database_info()
    assert not info.schema_valid
    assert info.current_revision is None
    assert info.pending_migrations and info.pending_migrations[-1] == info.head_revision
    assert info.row_counts == {}


def test_log_limit_must_be_positive(tmp_path: Path) -> None:
    with (
        MemoirAI(database_url=f"sqlite:///{tmp_path / 'm.db'}") as memoir,
        pytest.raises(ValidationError, match="limit must be a positive"),
    ):
        memoir.llm_calls(limit=0)
