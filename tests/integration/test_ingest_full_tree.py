"""The tree says when it is full, and a full tree costs no more calls than a free one.

Calls are counted as the model receives them (a FunctionModel around the
offline stand-in) and as each result reports them; warnings as they are logged
and as ``memoir ingest`` prints them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app
from memoir_ai.ingest.fill import is_nearly_full, level_fill
from memoir_ai.llm.inputs import PathClassificationInputs
from memoir_ai.llm.offline import OfflineResponder
from memoir_ai.results import LevelFill
from tests.fakes import answer_from_schema, inputs_of, respond_with, schema_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TEXTS = [path.read_text("utf-8") for path in sorted(SAMPLES.rglob("*.md"))]
SETTINGS: dict[str, Any] = {
    "chunk_min_tokens": 40,
    "chunk_max_tokens": 80,
    "auto_source_identification": False,
}
TIGHT = {1: 2, 2: 4, 3: 6}


class CountingOffline:
    """The offline stand-in, counting the calls it answers."""

    def __init__(self) -> None:
        self.responder = OfflineResponder()
        self.calls = 0

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.calls += 1
        return await self.responder(messages, info)


def _calls_per_source(url: str, limits: Any, mode: str) -> list[int]:
    counting = CountingOffline()
    calls = []
    with MemoirAI(
        database_url=url,
        llm=FunctionModel(counting),
        max_categories_per_level=limits,
        path_assignment=mode,
        **SETTINGS,
    ) as memoir:
        for index, text in enumerate(TEXTS):
            before = counting.calls
            result = memoir.ingest_text_sync(text, f"s{index}")
            assert result.llm_call_count == counting.calls - before
            calls.append(result.llm_call_count)
        fill = level_fill(
            {level: 0 for level in TIGHT}, {level: limit for level, limit in TIGHT.items()}
        )
        assert all(not entry.full for entry in fill)
    return calls


@pytest.mark.parametrize("mode", ["auto", "level_by_level"])
def test_once_the_tree_is_full_a_source_costs_no_more_calls_than_on_a_free_tree(
    tmp_path: Path, mode: str
) -> None:
    free = _calls_per_source(f"sqlite:///{tmp_path / 'free.db'}", 128, mode)
    full = _calls_per_source(f"sqlite:///{tmp_path / 'full.db'}", TIGHT, mode)
    # The tight tree is full after the first sources; from then on compare source by source.
    assert sum(full[2:]) <= sum(free[2:])


def test_chunks_a_full_level_refused_go_again_together(sqlite_url: str) -> None:
    names = ["Harbour", "Lantern", "Orchard", "Granite", "Willow", "Meadow", "Copper", "Thistle"]
    phase = {"first": True}
    calls = {"count": 0}

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls["count"] += 1
        given = inputs_of(messages)
        if isinstance(given, PathClassificationInputs):
            chunks = [
                {
                    "id": chunk.id,
                    "path": ["Trade", "Ports", "Ships" if phase["first"] else names[chunk.id]],
                }
                for chunk in given.chunks
            ]
            return respond_with(info, {"chunks": chunks})
        return respond_with(info, answer_from_schema(schema_of(info)))

    with MemoirAI(
        database_url=sqlite_url,
        llm=FunctionModel(model),
        path_assignment="whole_path",
        batch_size=5,
        max_categories_per_level=2,  # after the first source: room for one more leaf
        **SETTINGS,
    ) as memoir:
        memoir.ingest_text_sync(TEXTS[0], "first")
        phase["first"] = False
        calls["count"] = 0
        second = memoir.ingest_text_sync(TEXTS[6][:1500], "second")
    assert len(second.chunks) >= 3
    batches = -(-len(second.chunks) // 5)
    # One whole-path call a batch; the answers want a new leaf each, and the one slot
    # left takes the first. The others go again together, level by level: 3 calls in
    # all, not 3 per refused chunk.
    assert calls["count"] == second.llm_call_count == batches + 3
    leaves = {chunk.category_path[-1] for chunk in second.chunks}
    assert len(leaves - {"Ships"}) == 1


def test_a_full_level_is_said_once_per_run_with_the_remedy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'memoir.db'}"
    with caplog.at_level(logging.WARNING, logger="memoir_ai.ingest.fill"):
        with MemoirAI(database_url=url, max_categories_per_level=TIGHT, **SETTINGS) as memoir:
            for index, text in enumerate(TEXTS):
                memoir.ingest_text_sync(text, f"s{index}")
        said = [r.getMessage() for r in caplog.records if r.name == "memoir_ai.ingest.fill"]
        levels = [message.split()[1] for message in said]
        assert sorted(levels) == sorted(set(levels))  # each level once
        assert "3" in levels
        for message in said:
            assert "MEMOIR_MAX_CATEGORIES_PER_LEVEL=" in message and "merge" in message
        caplog.clear()
        with MemoirAI(database_url=url, max_categories_per_level=TIGHT, **SETTINGS) as memoir:
            memoir.ingest_text_sync(TEXTS[0] + "\n\nOne more line.", "again")
        # A new run says it again, before classifying.
        assert [r for r in caplog.records if r.name == "memoir_ai.ingest.fill"]


def test_memoir_ingest_prints_each_full_level_once(tmp_path: Path) -> None:
    env = {"MEMOIR_MAX_CATEGORIES_PER_LEVEL": '{"1": 2, "2": 4, "3": 6}'}
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{tmp_path / 'memoir.db'}", "ingest", str(SAMPLES)], env=env
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "of the category tree is" in line]
    assert lines and len(lines) == len({line.split()[2] for line in lines})
    assert any("Level 3 of the category tree is full (6 of 6 categories)" in line for line in lines)


def test_level_fill_counts_every_level_and_says_when_it_is_nearly_full() -> None:
    fill = level_fill({1: 2, 3: 110}, {1: 2, 2: 16, 3: 128})
    assert fill == (
        LevelFill(level=1, categories=2, limit=2),
        LevelFill(level=2, categories=0, limit=16),
        LevelFill(level=3, categories=110, limit=128),
    )
    assert [entry.full for entry in fill] == [True, False, False]
    assert [is_nearly_full(entry) for entry in fill] == [True, False, False]
    assert is_nearly_full(LevelFill(level=3, categories=116, limit=128))
    assert is_nearly_full(LevelFill(level=1, categories=3, limit=4))
