"""``memoir query``: readable answer with citations, ``--json`` = the API result's dump, errors
that name the command's options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memoir_ai import MemoirAI, ValidationError
from memoir_ai.cli.main import app
from memoir_ai.errors import MemoirAIError

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
    "temperature",
    "trace",
    "llm_call_count",
    "costs",
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


VOLATILE = {"operation_id", "total_latency_seconds", "latency_seconds", "started_at"}


def _stable(data: Any) -> Any:
    """``data`` without what differs between two runs of the same query (ids, times)."""
    if isinstance(data, dict):
        return {key: _stable(value) for key, value in data.items() if key not in VOLATILE}
    if isinstance(data, list):
        return [_stable(item) for item in data]
    return data


def test_json_is_the_api_results_dump(database: Path) -> None:
    printed = _run(database, "query", QUESTION, "-s", "zoom_in", "--n", "3", "--json")
    assert printed.exit_code == 0, printed.output
    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        result = memoir.query_sync(QUESTION, strategy="zoom_in", strategy_params={"n": 3})
    document = json.loads(printed.stdout)
    assert _stable(document) == _stable(result.model_dump(mode="json"))
    assert set(document["llm_calls"][0]) >= {"purpose", "model", "started_at", "output"}
    assert document["llm_calls"][-1]["output"]["cited_chunk_ids"] == document["cited_chunk_ids"]


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
    assert all(len(path["names"]) == 3 for path in document["paths"])
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
        (["query", "x", "--n", "3"], 1, "--n does not apply to --strategy one_shot"),
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


API_WORDS = ("max_token_budget", "prompt_limiting_strategy", "query_text", "strategy_params")
CLI_CASES = [
    # (CLI arguments, the same query through the API, what the CLI names, what the API names)
    (
        ["--budget", "120"],
        {"max_token_budget": 120},
        ["Nothing fits --budget 120", "use --budget ", "lower --limit", "--summarize"],
        ["Nothing fits max_token_budget=120", "prompt_limiting_strategy='summarize'"],
    ),
    (
        ["--summarize", "--budget", "100"],
        {"prompt_limiting_strategy": "summarize", "max_token_budget": 100},
        ["--budget 100 is too small", "--limiting prune"],
        ["max_token_budget=100 is too small", "prompt_limiting_strategy='prune'"],
    ),
    (
        ["-s", "zoom_in", "--n", "200"],
        {"strategy": "zoom_in", "strategy_params": {"n": 200}},
        ["--n for --strategy zoom_in must be", "pass e.g. --n 6"],
        ["strategy_params['n'] for strategy='zoom_in'", "strategy_params={'n': 6}"],
    ),
    (
        ["--n2", "1"],
        {"strategy_params": {"n2": 1}},
        ["--n2 does not apply to --strategy one_shot"],
        ["strategy_params['n2'] does not apply"],
    ),
]


@pytest.mark.parametrize(("args", "options", "cli_words", "api_words"), CLI_CASES)
def test_errors_name_the_options_on_the_cli_and_the_parameters_in_the_api(
    database: Path,
    args: list[str],
    options: dict[str, Any],
    cli_words: list[str],
    api_words: list[str],
) -> None:
    shown = _run(database, "query", QUESTION, *args)
    assert shown.exit_code == 1, shown.output
    for words in cli_words:
        assert words in shown.stderr
    for words in (*API_WORDS, "{'n'", "PRUNE", "SUMMARIZE", "limit="):
        assert words not in shown.stderr
    with (
        MemoirAI(database_url=f"sqlite:///{database}") as memoir,
        pytest.raises(MemoirAIError) as caught,
    ):
        memoir.query_sync(QUESTION, **options)
    for words in api_words:
        assert words in str(caught.value)
    assert "--" not in str(caught.value)


def test_an_empty_question_names_the_argument_on_the_cli_and_the_parameter_in_the_api(
    database: Path,
) -> None:
    shown = _run(database, "query", "  ")
    assert "the QUESTION argument" in shown.stderr and "query_text" not in shown.stderr
    with (
        MemoirAI(database_url=f"sqlite:///{database}") as memoir,
        pytest.raises(ValidationError, match="query_text"),
    ):
        memoir.query_sync("  ")
