"""ingest_text end to end with the offline model, on SQLite, PostgreSQL and MariaDB.

Each test reads the database afterwards with plain SQL: chunks under leaves at
the configured depth, the source row and its hash, the audit log of the calls.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from memoir_ai import MemoirAI
from memoir_ai.errors import ConfigurationError, ValidationError
from tests.corpus import SUBJECTS, logged_calls

TEXT = "\n\n".join(paragraph for paragraphs in SUBJECTS.values() for paragraph in paragraphs)
OTHER = "\n\n".join(SUBJECTS["cooking"] + SUBJECTS["football"])


def memoir(database_url: str, **settings: Any) -> MemoirAI:
    options: dict[str, Any] = {
        "chunk_min_tokens": 40,
        "chunk_max_tokens": 80,
        "batch_size": 4,
        **settings,
    }
    return MemoirAI(database_url=database_url, **options)


def rows(database_url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()


def test_ingest_files_every_chunk_under_a_leaf_and_audits_every_call(database_url: str) -> None:
    with memoir(database_url) as instance:
        result = instance.ingest_text_sync(TEXT, "subjects.md", metadata={"lang": "en"})
    assert result.status == "created"
    assert result.content_hash == hashlib.sha256(TEXT.encode()).hexdigest()
    assert len(result.chunks) > 5
    assert "".join(chunk.content for chunk in result.chunks) == TEXT
    assert [chunk.position for chunk in result.chunks] == list(range(len(result.chunks)))
    assert all(len(chunk.category_path) == 3 for chunk in result.chunks)

    stored = rows(
        database_url,
        "SELECT c.id, c.position, c.start_offset, c.end_offset, k.level FROM chunks c "
        "JOIN categories k ON k.id = c.category_id WHERE c.source_id = :s ORDER BY c.position",
        s="subjects.md",
    )
    assert [row[0] for row in stored] == [chunk.id for chunk in result.chunks]
    assert {row[4] for row in stored} == {3}
    for row, chunk in zip(stored, result.chunks, strict=True):
        assert TEXT[row[2] : row[3]] == chunk.content

    categories = rows(database_url, "SELECT level, name FROM categories")
    assert len(categories) == len(result.categories_created)
    assert {len(path) for path in result.categories_created} == {1, 2, 3}
    source = rows(database_url, "SELECT content_hash FROM sources WHERE source_id = 'subjects.md'")
    assert source == [(result.content_hash,)]

    calls = [
        (c.purpose, c.model, c.outcome, c.input_tokens, c.request_text, c.response_text)
        + (c.operation_id, c.source_id)
        for c in logged_calls(database_url)
    ]
    assert len(calls) == result.llm_call_count > 0
    assert calls[0][0] == "helper"  # the source is described first, then classified
    assert {call[0] for call in calls[1:]} == {"classify"}
    assert {call[1] for call in calls} == {"offline"}
    assert {call[2] for call in calls} == {"ok"}
    assert sum(call[3] for call in calls) == result.input_tokens > 0
    assert all('Chunk 1:\n"""' in call[4] and '"chunks"' in call[5] for call in calls[1:])
    assert result.contextual_helper and result.contextual_helper in calls[1][4]
    helpers = rows(
        database_url, "SELECT helper_text, is_user_provided, version FROM contextual_helpers"
    )
    assert helpers == [(result.contextual_helper, False, 1)]
    assert {call[6] for call in calls} == {result.operation_id}
    assert {call[7] for call in calls} == {"subjects.md"}
    limits = rows(database_url, "SELECT level, max_categories FROM category_limits ORDER BY level")
    assert limits == [(1, 128), (2, 128), (3, 128)]


def test_same_content_again_is_a_no_op_and_different_content_is_refused(
    database_url: str,
) -> None:
    with memoir(database_url) as instance:
        first = instance.ingest_text_sync(TEXT, "doc")
        again = instance.ingest_text_sync(TEXT, "doc")
        assert again.status == "unchanged"
        assert again.llm_call_count == 0
        assert [c.id for c in again.chunks] == [c.id for c in first.chunks]
        assert [c.category_path for c in again.chunks] == [c.category_path for c in first.chunks]
        with pytest.raises(ValidationError, match="different content") as refused:
            instance.ingest_text_sync(OTHER, "doc")
        assert "replace=True" in str(refused.value)
    assert rows(database_url, "SELECT COUNT(*) FROM chunks") == [(len(first.chunks),)]
    assert rows(database_url, "SELECT COUNT(*) FROM llm_calls") == [(first.llm_call_count,)]


def test_replace_swaps_the_content_and_prunes_what_only_it_used(database_url: str) -> None:
    with memoir(database_url) as instance:
        instance.ingest_text_sync(TEXT, "doc")
        kept = instance.ingest_text_sync(SUBJECTS["medieval"][0], "other")
        replaced = instance.ingest_text_sync(OTHER, "doc", replace=True)
    assert replaced.status == "replaced"
    stored = rows(database_url, "SELECT id FROM chunks WHERE source_id = 'doc' ORDER BY position")
    assert [row[0] for row in stored] == [chunk.id for chunk in replaced.chunks]
    assert rows(database_url, "SELECT content_hash FROM sources WHERE source_id = 'doc'") == [
        (hashlib.sha256(OTHER.encode()).hexdigest(),)
    ]
    # The other source is untouched, and no category is left empty.
    assert len(rows(database_url, "SELECT id FROM chunks WHERE source_id = 'other'")) == len(
        kept.chunks
    )
    empty_leaves = rows(
        database_url,
        "SELECT k.id FROM categories k WHERE k.level = 3 AND NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.category_id = k.id)",
    )
    assert empty_leaves == []
    childless = rows(
        database_url,
        "SELECT k.id FROM categories k WHERE k.level < 3 AND NOT EXISTS "
        "(SELECT 1 FROM categories c WHERE c.parent_id = k.id)",
    )
    assert childless == []


def test_a_conflicting_depth_is_refused_before_any_model_call(database_url: str) -> None:
    with memoir(database_url) as instance:
        instance.ingest_text_sync(TEXT, "doc")
    with (
        memoir(database_url, hierarchy_depth=2) as instance,
        pytest.raises(ConfigurationError, match="3 levels deep"),
    ):
        instance.ingest_text_sync(OTHER, "other")
    assert rows(database_url, "SELECT COUNT(*) FROM sources") == [(1,)]


def test_payloads_are_left_out_when_configured(sqlite_url: str) -> None:
    with memoir(sqlite_url, record_llm_payloads=False) as instance:
        result = instance.ingest_text_sync(OTHER, "doc")
    calls = rows(sqlite_url, "SELECT request_text, response_text, input_tokens FROM llm_calls")
    assert len(calls) == result.llm_call_count
    assert all(call[0] is None and call[1] is None and call[2] > 0 for call in calls)


def test_async_and_sync_give_the_same_result(tmp_path: Any) -> None:
    with memoir(f"sqlite:///{tmp_path / 'a.db'}") as instance:
        synchronous = instance.ingest_text_sync(TEXT, "doc")
    with memoir(f"sqlite:///{tmp_path / 'b.db'}") as instance:
        asynchronous = asyncio.run(instance.ingest_text(TEXT, "doc"))
    assert [c.category_path for c in synchronous.chunks] == [
        c.category_path for c in asynchronous.chunks
    ]
    assert synchronous.categories_created == asynchronous.categories_created


@pytest.mark.parametrize("bad", ["", "   \n"])
def test_empty_text_and_source_id_are_validation_errors(sqlite_url: str, bad: str) -> None:
    with memoir(sqlite_url) as instance:
        with pytest.raises(ValidationError, match="Fix:"):
            instance.ingest_text_sync(bad, "doc")
        with pytest.raises(ValidationError, match="source id"):
            instance.ingest_text_sync(TEXT, bad)


def test_a_user_helper_is_used_in_every_prompt_and_stored(sqlite_url: str) -> None:
    helper = "Notes on four unrelated subjects, written for a school quiz."
    with memoir(sqlite_url) as instance:
        result = instance.ingest_text_sync(TEXT, "doc", contextual_helper=helper)
    calls = [(call.purpose, call.request_text) for call in logged_calls(sqlite_url)]
    assert {call[0] for call in calls} == {"classify"}  # no helper call
    assert all(helper in call[1] for call in calls)
    assert result.contextual_helper == helper
    stored = rows(sqlite_url, "SELECT helper_text, is_user_provided FROM contextual_helpers")
    assert stored == [(helper, True)]


def test_no_helper_call_when_auto_identification_is_off(sqlite_url: str) -> None:
    with memoir(sqlite_url, auto_source_identification=False) as instance:
        result = instance.ingest_text_sync(TEXT, "doc")
    assert result.contextual_helper is None
    assert {record.purpose.value for record in result.llm_calls} == {"classify"}


def test_the_same_source_ingested_twice_at_once_is_stored_once(database_url: str) -> None:
    # The second waits for the first's claim on "doc", then finds its rows: unchanged.
    async def twice(instance: MemoirAI) -> list[Any]:
        return list(
            await asyncio.gather(
                instance.ingest_text(TEXT, "doc"), instance.ingest_text(TEXT, "doc")
            )
        )

    with memoir(database_url) as instance:
        results = asyncio.run(twice(instance))
    digest = hashlib.sha256(TEXT.encode()).hexdigest()
    assert sorted(result.status for result in results) == ["created", "unchanged"]
    assert [result.content_hash for result in results] == [digest, digest]
    assert results[0].chunks == results[1].chunks
    assert rows(database_url, "SELECT COUNT(*) FROM sources") == [(1,)]
    assert rows(database_url, "SELECT COUNT(*) FROM chunks") == [(len(results[0].chunks),)]
    # Only the first paid; every call it made is audited.
    created, unchanged = sorted(results, key=lambda result: result.status)
    assert unchanged.llm_call_count == 0 and created.llm_call_count > 0
    assert rows(database_url, "SELECT COUNT(*) FROM llm_calls") == [(created.llm_call_count,)]


def test_a_source_id_names_the_same_source_with_or_without_surrounding_spaces(
    sqlite_url: str,
) -> None:
    helper = "Notes on four unrelated subjects, written for a school quiz."
    with memoir(sqlite_url) as instance:
        result = instance.ingest_text_sync(TEXT, "  doc\n", contextual_helper=helper)
        again = instance.ingest_text_sync(TEXT, "doc")
        stored_helper = instance.get_contextual_helper("doc")
    assert result.source_id == "doc"
    assert again.status == "unchanged"
    assert stored_helper is not None and stored_helper.helper_text == helper
    assert rows(sqlite_url, "SELECT source_id FROM sources") == [("doc",)]


def test_an_over_long_user_helper_is_refused_before_any_model_call(sqlite_url: str) -> None:
    with (
        memoir(sqlite_url) as instance,
        pytest.raises(ValidationError, match="tokens long") as refused,
    ):
        instance.ingest_text_sync(TEXT, "doc", contextual_helper="word " * 400)
    assert "at most 300 tokens" in str(refused.value)
    assert rows(sqlite_url, "SELECT COUNT(*) FROM llm_calls") == [(0,)]
    assert rows(sqlite_url, "SELECT COUNT(*) FROM chunks") == [(0,)]


def test_the_source_row_keeps_a_title_given_found_or_from_the_file_name(sqlite_url: str) -> None:
    with memoir(sqlite_url) as instance:
        instance.ingest_text_sync("# Bread at Home\n\n" + OTHER, "found")
        instance.ingest_text_sync(
            TEXT, "given", title="  The Given Title ", metadata={"title": "the user's own"}
        )
        instance.ingest_text_sync(OTHER + " More.", "named", file_name="tide_tables.md")
    titles = dict(rows(sqlite_url, "SELECT source_id, title FROM sources"))
    assert titles == {
        "found": "Bread at Home",
        "given": "The Given Title",
        "named": "tide tables",
    }
    # Metadata is the caller's own data, stored as given (on the chunks too).
    chunk_metadata = rows(
        sqlite_url, "SELECT DISTINCT metadata FROM chunks WHERE source_id = 'given'"
    )
    assert [json.loads(str(row[0])) for row in chunk_metadata] == [{"title": "the user's own"}]


def test_the_database_remembers_the_model_whose_tokenizer_counted_its_chunks(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from memoir_ai.llm.offline import offline_model

    with memoir(sqlite_url) as instance:
        instance.ingest_text_sync(OTHER, "first")
    settings = "SELECT hierarchy_depth, tokenizer_model FROM memoir_settings"
    assert rows(sqlite_url, settings) == [(3, "offline")]
    # Chunks counted by another model's tokenizer later: the first record stays, with a warning.
    with (
        caplog.at_level("WARNING"),
        memoir(sqlite_url, model="openai:gpt-4o", llm=offline_model()) as other,
    ):
        other.ingest_text_sync(TEXT, "second")
    assert rows(sqlite_url, settings) == [(3, "offline")]
    assert "counted with the tokenizer of offline; now using openai:gpt-4o" in caplog.text
