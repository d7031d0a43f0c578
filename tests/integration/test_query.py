"""query end to end with the offline model over trees built by MemoirAI.ingest_text, on 3 backends.

Each test reads the database afterwards with plain SQL: the chunks of the
chosen leaves in created_at/id order, and the audit log of the query's calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memoir_ai import MemoirAI
from memoir_ai.database.chunks import ChunkCursor, read_leaf_chunks
from memoir_ai.database.models import Category, Chunk
from memoir_ai.errors import DatabaseError
from memoir_ai.query import NoResultsError, QueryResult, QueryStrategy
from tests.corpus import SETTINGS, build_memory, logged_calls, rows

NASTY = 'Robert\'); DROP TABLE chunks;-- "Ünïcödé" 100% _x_ \\ 東京'


def memoir(database_url: str, **settings: Any) -> MemoirAI:
    return MemoirAI(database_url=database_url, **{**SETTINGS, "temperature": 0.0, **settings})


def question_for(path: tuple[str, ...]) -> str:
    words = [word for name in path for word in name.replace("&", " ").split()]
    return "Tell me about " + " ".join(words) + "?"


def leaf_chunk_ids(database_url: str, leaf_id: int) -> list[int]:
    found = rows(
        database_url,
        "SELECT id FROM chunks WHERE category_id = :leaf ORDER BY created_at, id",
        leaf=leaf_id,
    )
    return [row[0] for row in found]


def check_audit(database_url: str, result: QueryResult) -> None:
    logged = rows(
        database_url,
        "SELECT purpose, model, input_tokens, output_tokens, temperature "
        "FROM llm_calls WHERE operation_id = :op ORDER BY id",
        op=result.operation_id,
    )
    assert [row[0] for row in logged] == [call.purpose.value for call in result.llm_calls]
    assert [row[2] for row in logged] == [call.input_tokens for call in result.llm_calls]
    assert {row[4] for row in logged} == {0.0}
    assert logged[-1][0] == "answer"
    answer = logged_calls(database_url, result.operation_id)[-1].response_text
    assert answer is not None and '"cited_chunk_ids"' in answer


def test_one_shot_follows_the_question_to_one_leaf_and_cites_its_chunks(database_url: str) -> None:
    with memoir(database_url) as instance:
        ingested = build_memory(instance)
        target = next(chunk for chunk in ingested[1].chunks)  # a cooking chunk
        result = instance.query_sync(question_for(target.category_path))

    assert [path.names for path in result.paths] == [target.category_path]
    leaf = result.paths[0].leaf_id
    assert [chunk.id for chunk in result.chunks] == leaf_chunk_ids(database_url, leaf)
    assert target.id in {chunk.id for chunk in result.chunks}
    assert all(chunk.category_path == target.category_path for chunk in result.chunks)
    assert all(isinstance(chunk.created_at, dt.datetime) for chunk in result.chunks)
    assert set(result.cited_chunk_ids) <= {chunk.id for chunk in result.chunks}
    assert result.answer
    assert result.strategy is QueryStrategy.ONE_SHOT
    assert result.temperature == 0.0
    assert result.prompt_tokens <= result.max_token_budget == 40000
    assert result.llm_calls[-1].purpose.value == "answer"
    assert all(call.model == "offline" for call in result.llm_calls)
    assert result.total_latency_seconds >= max(c.latency_seconds for c in result.llm_calls)
    assert result.llm_calls[-1].output is not None
    assert list(result.llm_calls[-1].output.cited_chunk_ids) == list(result.cited_chunk_ids)  # type: ignore[attr-defined]
    check_audit(database_url, result)


def test_wider_strategies_read_more_leaves_in_a_deterministic_order(database_url: str) -> None:
    question = "Which planets and stars, which football players, which castles?"
    with memoir(database_url) as instance:
        build_memory(instance)
        results = {
            strategy: instance.query_sync(question, strategy=strategy)
            for strategy in ("one_shot", "wide_branch", "zoom_in", "branch_out")
        }
        again = instance.query_sync(question, strategy="zoom_in")
    assert len(results["one_shot"].paths) == 1
    for strategy, result in results.items():
        ids = [path.ids for path in result.paths]
        assert ids == sorted(ids), strategy
        assert len({path.leaf_id for path in result.paths}) == len(ids)
        assert all(len(path.ids) == 3 for path in result.paths)
        chunk_ids = [chunk.id for chunk in result.chunks]
        expected = [
            cid for path in result.paths for cid in leaf_chunk_ids(database_url, path.leaf_id)
        ]
        assert chunk_ids == expected, strategy
        check_audit(database_url, result)
    # Per level in all: wide_branch keeps 3; zoom_in 6, 4, then 2; branch_out 6, 8, then 10
    # (capped by what exists under the chosen parents).
    assert len(results["wide_branch"].paths) == 3
    assert len(results["zoom_in"].paths) == 2
    assert len(results["branch_out"].paths) > len(results["wide_branch"].paths)
    assert len(results["branch_out"].paths) <= 10
    assert [p.ids for p in again.paths] == [p.ids for p in results["zoom_in"].paths]
    assert again.answer == results["zoom_in"].answer


def test_untrusted_text_and_an_empty_leaf_change_nothing(database_url: str) -> None:
    with memoir(database_url) as instance:
        build_memory(instance, ("cooking",))
        engine = instance.database.engine
        with Session(engine) as session, session.begin():
            root = session.scalars(select(Category).where(Category.level == 1)).first()
            assert root is not None
            middle = Category(name=NASTY, level=2, parent_id=root.id, parent_level=1)
            session.add(middle)
            session.flush()
            session.add(Category(name=NASTY, level=3, parent_id=middle.id, parent_level=2))
        before = rows(database_url, "SELECT count(*) FROM chunks")[0][0]
        result = instance.query_sync(
            f"{NASTY} and the tomato sauce?", strategy="wide_branch", strategy_params={"n": 5}
        )
    after = rows(database_url, "SELECT count(*) FROM chunks")[0][0]
    assert before == after > 0
    # A branch with no chunk below it is never offered to the model, so never chosen.
    assert result.trace is not None
    offered = [
        name for level in result.trace.levels for step in level.steps for name in step.candidates
    ]
    assert offered and NASTY not in offered
    assert not [item for item in result.dropped_paths if NASTY in item.path.names]
    assert result.chunks  # the other paths answered
    assert NASTY not in [path.names[1] for path in result.paths]


def test_nothing_found_is_a_query_error_with_the_dropped_paths(database_url: str) -> None:
    with memoir(database_url) as instance:
        # A question never creates the database it reads: it names the way to make one.
        with pytest.raises(DatabaseError, match="ingest|memoir db init"):
            instance.query_sync("anything?")
        instance.database.create_tables()
        with pytest.raises(NoResultsError, match="no chunk"):
            instance.query_sync("anything?")
        build_memory(instance, ("football",))
        with Session(instance.database.engine) as session, session.begin():
            session.execute(Chunk.__table__.delete())
        with pytest.raises(NoResultsError, match="no chunk") as caught:
            instance.query_sync("football players?", strategy="wide_branch")
    assert caught.value.dropped_paths == ()
    assert "ingest" in caught.value.remedy
    logged = rows(database_url, "SELECT count(*) FROM llm_calls WHERE purpose = 'select'")
    assert logged[0][0] == 0  # only empty categories: nothing to choose, no call paid


def test_leaf_pages_keep_created_at_then_id_order(database_url: str) -> None:
    with memoir(database_url) as instance:
        build_memory(instance, ("astronomy",))
        engine = instance.database.engine
        stamp = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        with Session(engine) as session, session.begin():
            leaf = session.scalars(select(Category).where(Category.level == 3)).first()
            assert leaf is not None
            leaf_id = leaf.id
            # Rows inserted newest first, with ties: the order must be created_at, then id.
            for position, minutes in enumerate([5, 5, 1, 3, 1, 5, 0]):
                session.add(
                    Chunk(
                        content=f"extra {position} {NASTY}",
                        token_count=3,
                        category_id=leaf_id,
                        source_id="pages",
                        position=position,
                        start_offset=0,
                        end_offset=1,
                        metadata_={},
                        created_at=stamp + dt.timedelta(minutes=minutes),
                    )
                )
        with Session(engine) as session:
            everything = read_leaf_chunks(session, leaf_id)
            keys = [(chunk.created_at, chunk.id) for chunk in everything]
            assert keys == sorted(keys)
            assert everything[0].created_at == stamp
            total = session.scalar(select(func.count()).where(Chunk.category_id == leaf_id))
            assert len(everything) == total
            by_offset = [
                chunk
                for start in range(0, len(everything), 3)
                for chunk in read_leaf_chunks(session, leaf_id, limit=3, offset=start)
            ]
            by_cursor: list[Any] = []
            cursor = None
            while True:
                page = read_leaf_chunks(session, leaf_id, limit=3, after=cursor)
                if not page:
                    break
                by_cursor += page
                cursor = ChunkCursor.after(page[-1])
        assert by_offset == everything == by_cursor
        limited = instance.query_sync(question_for(("extra",)), limit=2)
    assert all(
        len([c for c in limited.chunks if c.category_path == p.names]) <= 2 for p in limited.paths
    )


def test_async_and_sync_give_the_same_answer(sqlite_url: str) -> None:
    with memoir(sqlite_url) as instance:
        build_memory(instance, ("medieval", "cooking"))
        synced = instance.query_sync("castles and knights?", strategy="wide_branch")
        awaited = asyncio.run(instance.query("castles and knights?", strategy="wide_branch"))
    assert awaited.answer == synced.answer
    assert [c.id for c in awaited.chunks] == [c.id for c in synced.chunks]
    assert awaited.operation_id != synced.operation_id


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"query_text": "   "}, "question is empty"),
        ({"max_token_budget": 0}, "max_token_budget must be a positive"),
        ({"limit": 0}, "limit \\(chunks per path\\)"),
        ({"prompt_limiting_strategy": "truncate"}, "Unknown prompt limiting strategy"),
        ({"strategy": "zoom_in", "strategy_params": {"n": 0}}, "strategy_params\\['n'\\]"),
    ],
)
def test_bad_arguments_are_clear_errors_before_any_call(
    sqlite_url: str, options: dict[str, Any], message: str
) -> None:
    from memoir_ai.errors import ValidationError

    arguments = {"query_text": "stars?", **options}
    with memoir(sqlite_url) as instance, pytest.raises(ValidationError, match=message) as caught:
        instance.query_sync(**arguments)
    assert caught.value.remedy
    # Refused before the database was even opened: no model call, no file created.
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_a_database_of_another_depth_is_refused(sqlite_url: str) -> None:
    from memoir_ai.errors import ConfigurationError

    with memoir(sqlite_url) as instance:
        build_memory(instance, ("football",))
    with (
        memoir(sqlite_url, hierarchy_depth=2) as instance,
        pytest.raises(ConfigurationError, match="3 levels deep") as caught,
    ):
        instance.query_sync("football?")
    assert "hierarchy_depth=3" in caught.value.remedy


def test_a_database_opens_with_the_depth_it_records(sqlite_url: str) -> None:
    """Built 4 levels deep; opened later with no depth given, it reads and answers 4 deep."""
    with memoir(sqlite_url, hierarchy_depth=4) as instance:
        build_memory(instance, ("football",))
    with MemoirAI(database_url=sqlite_url, **SETTINGS) as instance:
        assert "hierarchy_depth" not in instance.config.model_fields_set
        levels = {node.level for _, node in instance.get_category_tree().walk()}
        result = instance.query_sync("football players?")
        info = instance.get_database_info()
    assert max(levels) == 4 and info.hierarchy_depth == 4
    assert result.chunks and all(len(chunk.category_path) == 4 for chunk in result.chunks)
