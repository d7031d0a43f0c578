"""Query result types: frozen, path ranks, public lazy exports."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pydantic
import pytest

import memoir_ai
from memoir_ai.query.results import CategoryPath, PromptLimitingStrategy, QueryStrategy, UsedChunk


def test_query_names_are_exported_lazily() -> None:
    code = (
        "import sys, memoir_ai; before = 'memoir_ai.query.results' in sys.modules; "
        "s = memoir_ai.QueryStrategy; print(before, s.__module__, memoir_ai.QueryResult.__name__)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown == ["False", "memoir_ai.query.results", "QueryResult"]
    assert {"QueryStrategy", "PromptLimitingStrategy", "QueryResult"} <= set(memoir_ai.__all__)


def test_enums_take_their_plain_names() -> None:
    assert [item.value for item in QueryStrategy] == [
        "one_shot",
        "wide_branch",
        "zoom_in",
        "branch_out",
    ]
    assert PromptLimitingStrategy("summarize") is PromptLimitingStrategy.SUMMARIZE


def test_path_rank_is_normalized_and_compared_from_the_root() -> None:
    strong_root = CategoryPath(
        ids=(1, 2), names=("A", "a"), ranked_relevance=(6, 1), choices=(6, 4)
    )
    weak_root = CategoryPath(ids=(3, 4), names=("B", "b"), ranked_relevance=(5, 4), choices=(6, 4))
    assert strong_root.rank_key == (1.0, 0.25)
    assert strong_root.rank_key > weak_root.rank_key
    assert strong_root.label() == "A > a"
    assert strong_root.leaf_id == 2


def test_results_are_frozen() -> None:
    chunk = UsedChunk(
        id=1,
        category_path=("A",),
        relevance=(1,),
        created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        text="text",
        source_id="s",
        token_count=1,
    )
    with pytest.raises(pydantic.ValidationError):
        chunk.text = "changed"  # type: ignore[misc]
