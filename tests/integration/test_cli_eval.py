"""``memoir eval``: the JSON is the EvalReport's dump, the HTML a self-contained page of charts.

The memory holds three of the samples, filed by the offline model; the dataset
has one-chunk, two-source and unanswerable questions. What the report says it
read is checked against the chunks in the database, independently of the harness.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memoir_ai import EvalReport, MemoirAI
from memoir_ai.cli.main import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SOURCES = (
    "astronomy/moon-phases.md",
    "astronomy/planets-and-telescopes.md",
    "baking/sourdough-starter.md",
)
QUESTIONS = [
    {
        "id": "earthshine",
        "question": "What is earthshine?",
        "evidence": [
            {
                "source_id": "astronomy/moon-phases.md",
                "quote": "sunlight reflected from the Earth's clouds and oceans",
            }
        ],
        "answer_keywords": ["reflected"],
    },
    {
        "id": "hooch",
        "question": "What is the grey liquid called hooch on a sourdough starter?",
        "evidence": [
            {"source_id": "baking/sourdough-starter.md", "quote": "is alcohol made by hungry yeast"}
        ],
        "answer_keywords": ["alcohol"],
    },
    {
        "id": "phases",
        "question": "Why does the Moon have phases, and which planet shows phases like it?",
        "evidence": [
            {"source_id": "astronomy/moon-phases.md", "quote": "from a changing angle"},
            {"source_id": "astronomy/planets-and-telescopes.md", "quote": "Venus shows phases"},
        ],
        "answer_keywords": ["Venus"],
    },
    {"id": "<b>dragons</b>", "question": "How many <b>dragons</b> live on Mars?"},
]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("eval") / "memoir.db"
    with MemoirAI(database_url=f"sqlite:///{path}") as memoir:
        for source in SOURCES:
            memoir.ingest_text_sync((SAMPLES / source).read_text("utf-8"), source_id=source)
    return path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dataset") / "questions.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n", encoding="utf-8")
    return path


def _run(database: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", f"sqlite:///{database}", "eval", *args])


def _flat(text: str) -> str:
    return " ".join(text.split()).lower()


def test_json_and_html_reports(database: Path, dataset: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    printed = _run(
        database, str(dataset), "-s", "one_shot", "-s", "wide_branch", "--budget", "2500",
        "--json", "--html", str(page),
    )  # fmt: skip
    assert printed.exit_code == 0, printed.output
    document = json.loads(printed.stdout)
    report = EvalReport.model_validate(document)
    assert report.model_dump(mode="json") == document  # the JSON is exactly the model's dump
    assert [s.name for s in report.strategies] == ["one_shot", "wide_branch", "bm25"]
    assert (report.questions, report.answerable, report.unanswerable) == (4, 3, 1)
    assert report.multi_source == 1 and report.max_token_budget == 2500
    assert report.model == "offline"

    # What the report says each strategy read and found, checked against the database.
    with MemoirAI(database_url=f"sqlite:///{database}") as memoir:
        for strategy in report.strategies:
            assert strategy.cost_usd_per_question is None  # the offline model has no price
            for result in strategy.results:
                assert set(result.cited_chunk_ids) <= set(result.chunks_read)
                chunks = [memoir.get_chunk(chunk_id) for chunk_id in result.chunks_read]
                for check in result.evidence:
                    holding = tuple(
                        chunk.id
                        for chunk in chunks
                        if chunk.source_id == check.source_id
                        and _flat(check.quote) in _flat(chunk.content)
                    )
                    assert check.found_in == holding
                found = [check.found for check in result.evidence]
                if found:
                    assert result.evidence_recall == sum(found) / len(found)
                keywords = [k for k in result.keywords_found + result.keywords_missed]
                for keyword in keywords:
                    assert (keyword in result.keywords_found) == (
                        keyword.lower() in (result.answer or "").lower()
                    )
            recalls = [r.evidence_recall for r in strategy.results if r.answerable]
            assert strategy.evidence_recall == pytest.approx(sum(recalls) / len(recalls))

    html = page.read_text("utf-8")
    charts = re.findall(r'<figure id="chart-([a-z_]+)">', html)
    assert charts == [
        "evidence_recall",
        "citation_precision",
        "answer_containment",
        "not_in_memory_rate",
        "calls_per_question",
        "tokens_per_question",
        "latency_seconds_per_question",
        "cost_usd_per_question",
    ]
    assert html.count("<svg") == len(charts)
    assert html.count("<rect") >= len(charts) * 3 - 3  # a bar per strategy (cost: unknown)
    for fetched in ("http://", "https://", "<script", "src=", "<link"):
        assert fetched not in html  # nothing is loaded from anywhere
    assert "&lt;b&gt;dragons&lt;/b&gt;" in html and "<b>dragons" not in html


def test_the_table(database: Path, dataset: Path) -> None:
    printed = _run(database, str(dataset), "--strategy", "zoom_in", "--no-baseline")
    assert printed.exit_code == 0, printed.output
    rows = [line for line in printed.stdout.splitlines() if "zoom_in" in line]
    assert len(rows) == 1 and "unknown" in rows[0]
    assert "bm25" not in printed.stdout
    assert "4 questions (3 answerable, 1 from several sources, 1 unanswerable)" in printed.stdout
    assert "evidence recall: " in printed.stdout


def test_bm25_alone_scores_only_the_baseline(database: Path, dataset: Path) -> None:
    printed = _run(database, str(dataset), "--strategy", "bm25", "--json")
    assert printed.exit_code == 0, printed.output
    report = json.loads(printed.stdout)
    assert [strategy["name"] for strategy in report["strategies"]] == ["bm25"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["missing.jsonl"], 1, "There is no dataset file"),
        (["DATASET", "--strategy", "sideways"], 2, "sideways"),
        (["DATASET", "--budget", "0"], 2, "--budget"),
        (["DATASET", "-s", "bm25", "--no-baseline"], 1, "that --no-baseline leaves out"),
        (["DATASET", "--html", "/nonexistent-folder/r.html", "-s", "one_shot"], 1, "--html"),
    ],
)
def test_mistakes_are_one_line(
    database: Path, dataset: Path, args: list[str], code: int, message: str
) -> None:
    printed = _run(database, *[str(dataset) if a == "DATASET" else a for a in args])
    assert printed.exit_code == code, printed.output
    assert message in printed.output
