"""``memoir query``: readable answer with citations, the stable ``--json`` shape, option errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
QUESTION = "Why does the Moon have phases?"
TOP_KEYS = {
    "query",
    "answer",
    "cited_chunk_ids",
    "chunks",
    "paths",
    "dropped_paths",
    "llm_calls",
    "total_latency_seconds",
    "strategy",
    "prompt_limiting_strategy",
    "max_token_budget",
    "prompt_tokens",
    "summarized",
    "operation_id",
}
CHUNK_KEYS = {
    "id",
    "source_id",
    "category_path",
    "relevance",
    "created_at",
    "token_count",
    "cited",
    "text",
    "summary",
}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("query") / "memoir.db"
    with MemoirAI(database_url=f"sqlite:///{path}") as memoir:
        for sample in sorted(SAMPLES.rglob("*.md")):
            memoir.ingest_text_sync(
                sample.read_text("utf-8"), source_id=sample.relative_to(SAMPLES).as_posix()
            )
    return path


def _run(database: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args])


def test_json_has_the_stable_shape(database: Path) -> None:
    result = _run(database, "query", QUESTION, "--strategy", "wide_branch", "--n", "2", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == TOP_KEYS
    assert document["query"] == QUESTION and document["strategy"] == "wide_branch"
    assert document["answer"]
    assert document["chunks"] and all(set(chunk) == CHUNK_KEYS for chunk in document["chunks"])
    ids = {chunk["id"] for chunk in document["chunks"]}
    assert set(document["cited_chunk_ids"]) <= ids
    assert {c["id"] for c in document["chunks"] if c["cited"]} == set(document["cited_chunk_ids"])
    assert all(len(chunk["category_path"]) == 3 for chunk in document["chunks"])
    assert all(len(path["path"]) == 3 for path in document["paths"])
    assert {call["purpose"] for call in document["llm_calls"]} >= {"select", "answer"}
    assert document["prompt_tokens"] <= document["max_token_budget"] == 40000


def test_readable_output_cites_chunks_with_their_paths(database: Path) -> None:
    result = _run(database, "query", QUESTION, "-s", "wide_branch")
    assert result.exit_code == 0
    document = json.loads(_run(database, "query", QUESTION, "-s", "wide_branch", "--json").stdout)
    assert result.stdout.startswith(document["answer"].strip())
    for chunk in document["chunks"]:
        if chunk["cited"]:
            assert f"[{chunk['id']}] {' > '.join(chunk['category_path'])}" in result.stdout
    assert "LLM call(s)" in result.stdout


def test_budget_and_limiting_options_reach_the_query(database: Path) -> None:
    result = _run(
        database, "query", QUESTION, "--budget", "5000", "--summarize", "--limit", "1", "--json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["max_token_budget"] == 5000
    assert document["prompt_limiting_strategy"] == "summarize"
    assert len(document["chunks"]) <= 1


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["query", "x", "--n", "3"], 1, "do not apply to one_shot"),
        (["query", "   "], 1, "The question is empty"),
        (["query", "x", "--strategy", "sideways"], 2, "'sideways' is not one of"),
        (["query", "x", "--budget", "0"], 2, "--budget"),
        (["query", QUESTION, "--budget", "120"], 1, "Error:"),
    ],
)
def test_mistakes_are_one_readable_line(
    database: Path, args: list[str], code: int, expected: str
) -> None:
    result = _run(database, *args)
    assert result.exit_code == code
    assert expected in result.stderr
    assert "Traceback" not in result.output
    if code == 1:
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and " Fix: " in errors[0]
