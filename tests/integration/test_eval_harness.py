"""The arithmetic of ``evaluate`` on a tiny memory whose scores are worked out by hand (SQLite).

Three one-chunk sources in a one-level tree (Apples, Boats, Comets), filed and
queried by a rule-based fake model that reads only the typed inputs of each
request:

- select: the candidates named in the question (``apple`` → Apples, ...) first,
  then the others, in the order offered; as many as asked.
- answer: cite each shown chunk that shares a word of 5+ letters with the
  question; the answer is the cited texts (or "Not in memory." citing none).

The expected scores below are worked out by hand from these rules and texts
(see the comments), not by the harness; the calls are counted by the fake.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel

from memoir_ai import MemoirAI
from memoir_ai.evaluation import EvalReport, evaluate_sync, parse_dataset
from memoir_ai.llm.inputs import (
    AnswerInputs,
    ClassificationInputs,
    PathClassificationInputs,
    SelectionInputs,
)
from tests.fakes import inputs_of, respond_with

TEXTS = {
    "a.txt": "Apples ripen in the orchard. The apple harvest is in autumn.",
    "b.txt": "Boats sail on the river. The ferry leaves at noon for the orchard landing.",
    "c.txt": "Comets have icy tails. Halley returns every 76 years.",
}
CATEGORY = {"a.txt": "Apples", "b.txt": "Boats", "c.txt": "Comets"}
DATASET = [
    '{"id": "q1", "question": "When is the apple harvest in the orchard?", '
    '"evidence": [{"source_id": "a.txt", "quote": "harvest is  in AUTUMN"}], '
    '"answer_keywords": ["autumn"]}',
    '{"id": "q2", "question": "When do boats leave, and when is the apple harvest?", '
    '"evidence": [{"source_id": "a.txt", "quote": "harvest is in autumn"}, '
    '{"source_id": "b.txt", "quote": "leaves at noon"}], '
    '"answer_keywords": ["autumn", "noon", "midnight"]}',
    '{"id": "q3", "question": "What about dragons?"}',
    '{"id": "q4", "question": "Which comets return?", '
    '"evidence": [{"source_id": "c.txt", "quote": "Halley returns every 76 years"}]}',
]


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z]+", text.lower()) if len(word) >= 5}


class RuleModel:
    """The fake model of the module docstring; counts calls per (purpose, question)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        inputs: Any = inputs_of(messages)
        if isinstance(inputs, ClassificationInputs | PathClassificationInputs):
            named = [
                (chunk.id, next(c for f, c in CATEGORY.items() if TEXTS[f] == chunk.text))
                for chunk in inputs.chunks
            ]
            key = "category" if isinstance(inputs, ClassificationInputs) else "path"
            return respond_with(
                info,
                {
                    "chunks": [
                        {"id": i, key: name if key == "category" else [name]} for i, name in named
                    ]
                },
            )
        if isinstance(inputs, SelectionInputs):
            self.calls["select", inputs.query] += 1
            names = [candidate.name for candidate in inputs.candidates]
            asked = inputs.query.lower()
            ordered = [n for n in names if n.lower()[:-1] in asked]
            ordered += [n for n in names if n not in ordered]
            chosen = ordered[: min(inputs.count, len(names))]
            return respond_with(
                info,
                {
                    "categories": [
                        {"name": name, "ranked_relevance": len(chosen) - index}
                        for index, name in enumerate(chosen)
                    ]
                },
            )
        assert isinstance(inputs, AnswerInputs), inputs
        self.calls["answer", inputs.query] += 1
        cited = [c for c in inputs.chunks if _words(c.text) & _words(inputs.query)]
        answer = " ".join(c.text for c in cited) or "Not in memory."
        return respond_with(info, {"answer": answer, "cited_chunk_ids": [c.id for c in cited]})

    def calls_for(self, question: str) -> int:
        return sum(count for (_, asked), count in self.calls.items() if asked == question)


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[MemoirAI, RuleModel, dict[str, int]]:
    rules = RuleModel()
    memoir = MemoirAI(
        database_url=f"sqlite:///{tmp_path / 'tiny.db'}",
        llm=FunctionModel(rules, model_name="rules"),
        hierarchy_depth=1,
        auto_source_identification=False,
        chunk_min_tokens=5,
        chunk_max_tokens=100,
        max_token_budget=4000,
    )
    ids = {}
    for name, text in TEXTS.items():
        stored = memoir.ingest_text_sync(text, source_id=name)
        assert len(stored.chunks) == 1
        ids[name] = stored.chunks[0].id
    return memoir, rules, ids


def _run(memoir: MemoirAI, strategies: list[str], baseline: bool) -> EvalReport:
    dataset = parse_dataset(DATASET, name="tiny")
    return evaluate_sync(memoir, dataset, strategies=strategies, baseline=baseline, concurrency=2)


def _figures(report: EvalReport, name: str) -> dict[str, Any]:
    result = report.strategy(name)
    return {
        "recall": result.evidence_recall,
        "precision": result.citation_precision,
        "containment": result.answer_containment,
        "keywords": result.keyword_containment,
        "not_in_memory": result.not_in_memory_rate,
        "answered": result.answered,
        "nothing_found": result.nothing_found,
        "errors": result.errors,
    }


def test_one_shot_scores_match_the_hand_count(tiny: tuple[MemoirAI, RuleModel, dict]) -> None:
    memoir, rules, ids = tiny
    with memoir:
        report = _run(memoir, ["one_shot"], baseline=False)
    # q1 reads and cites a: recall 1, precision 1, "autumn" found: 1.
    # q2 reads a only (Apples is offered first): recall 1/2, precision 1, keywords 1/3.
    # q3 reads a, shares no long word: not in memory, containment 1.
    # q4 reads and cites c: recall 1, precision 1, no keywords (containment n/a).
    assert _figures(report, "one_shot") == pytest.approx(
        {
            "recall": (1 + 0.5 + 1) / 3,
            "precision": 1.0,
            "containment": (1 + 1 / 3 + 1) / 3,
            "keywords": (1 + 1 / 3) / 2,
            "not_in_memory": 1.0,
            "answered": 4,
            "nothing_found": 0,
            "errors": 0,
        }
    )
    results = {result.id: result for result in report.strategy("one_shot").results}
    assert results["q2"].chunks_read == (ids["a.txt"],)
    assert [check.found for check in results["q2"].evidence] == [True, False]
    assert results["q2"].keywords_found == ("autumn",)
    assert results["q2"].keywords_missed == ("noon", "midnight")
    assert results["q3"].not_in_memory and results["q3"].evidence_recall is None
    assert results["q4"].answer_containment is None
    # The calls each question made, as the fake counted them.
    for result in results.values():
        assert result.calls == rules.calls_for(result.question) > 0
        assert result.cost_usd is None  # "rules" has no price: unknown, not 0
    assert report.strategy("one_shot").cost_usd_per_question is None


def test_wide_branch_and_bm25_scores_match_the_hand_count(
    tiny: tuple[MemoirAI, RuleModel, dict],
) -> None:
    memoir, rules, ids = tiny
    with memoir:
        report = _run(memoir, ["wide_branch"], baseline=True)
    # wide_branch reads a, b and c for every question.
    # q1 cites a and b ("orchard" is in b): precision 1/2; recall 1; containment 1.
    # q2 cites a and b, both evidence: precision 1; recall 1; "autumn", "noon": 2/3.
    # q3 cites nothing: not in memory. q4 cites c: precision 1, recall 1.
    expected_wide = {
        "recall": 1.0,
        "precision": (0.5 + 1 + 1) / 3,
        "containment": (1 + 2 / 3 + 1) / 3,
        "keywords": (1 + 2 / 3) / 2,
        "not_in_memory": 1.0,
        "answered": 4,
        "nothing_found": 0,
        "errors": 0,
    }
    assert _figures(report, "wide_branch") == pytest.approx(expected_wide)
    # BM25 reads only chunks sharing a stemmed term: q1 a, b (orchard); q2 a, b (boat,
    # leave); q3 none, so no answer call (not in memory); q4 c. The same scores follow,
    # with q3 found nothing instead of answered.
    assert _figures(report, "bm25") == pytest.approx(
        {**expected_wide, "answered": 3, "nothing_found": 1}
    )
    flat = {result.id: result for result in report.strategy("bm25").results}
    assert set(flat["q1"].chunks_read) == {ids["a.txt"], ids["b.txt"]}
    assert flat["q3"].outcome == "nothing_found" and flat["q3"].calls == 0
    assert flat["q4"].chunks_read == (ids["c.txt"],)
    # Each answered question made one answer call (wide_branch's own calls are counted too).
    assert report.strategy("bm25").calls_per_question == 1.0
    total = sum(
        result.calls for name in ("wide_branch", "bm25") for result in report.strategy(name).results
    )
    assert total == sum(rules.calls.values())
    # The baseline's answer calls reach the audit log beside the queries' (4 + 3 answers).
    with memoir:
        logged = [memoir.llm_call(c.id) for c in memoir.llm_calls() if c.purpose == "answer"]
    assert len(logged) == 7
    assert len({call.operation_id for call in logged}) == 7


def test_evidence_from_a_source_the_memory_lacks_is_refused_before_any_call(
    tiny: tuple[MemoirAI, RuleModel, dict],
) -> None:
    from memoir_ai.errors import ValidationError

    memoir, rules, _ = tiny
    dataset = parse_dataset(
        [
            '{"question": "Apples?", "evidence": [{"source_id": "z.txt", "quote": "x"}]}',
            '{"question": "Boats?", "evidence": [{"source_id": "docs/b.txt", "quote": "x"}]}',
        ]
    )
    with memoir, pytest.raises(ValidationError, match="z.txt") as raised:
        evaluate_sync(memoir, dataset)
    assert "a.txt" in raised.value.remedy
    assert "line 2 (line-2): 'docs/b.txt' (did you mean 'b.txt'?)" in raised.value.message
    assert raised.value.message.index("line 1 (") < raised.value.message.index("line 2 (")
    assert not rules.calls


def test_a_quote_its_source_does_not_hold_anywhere_is_refused_before_any_call(
    tiny: tuple[MemoirAI, RuleModel, dict],
) -> None:
    from memoir_ai.errors import ValidationError

    memoir, rules, _ = tiny
    dataset = parse_dataset(
        [
            '{"id": "ok", "question": "Apples?", '
            '"evidence": [{"source_id": "a.txt", "quote": "apple harvest"}]}',
            '{"id": "typo", "question": "Boats?", '
            '"evidence": [{"source_id": "b.txt", "quote": "ferry leaves at midnight"}]}',
        ]
    )
    with memoir, pytest.raises(ValidationError, match="ferry leaves at midnight") as raised:
        evaluate_sync(memoir, dataset)
    assert "line 2 (typo)" in raised.value.message and "apple" not in raised.value.message
    assert raised.value.remedy
    assert not rules.calls


def test_a_question_the_query_refuses_is_an_error_and_the_run_goes_on(
    tiny: tuple[MemoirAI, RuleModel, dict],
) -> None:
    memoir, _, _ = tiny
    long = "apple " * 5000  # over the 20,000 characters a question may have
    dataset = parse_dataset(
        [f'{{"id": "long", "question": "{long}"}}', '{"id": "ok", "question": "apple harvest?"}']
    )
    with memoir:
        report = evaluate_sync(memoir, dataset, strategies=["one_shot"], baseline=False)
    refused, answered = report.strategy("one_shot").results
    assert refused.outcome == "error" and "20000" in (refused.error or "")
    assert refused.answer_containment == 0.0  # unanswerable, and not answered "not in memory"
    assert answered.outcome == "answered"
    assert report.strategy("one_shot").errors == 1


def test_a_budget_no_chunk_fits_is_an_error_never_a_right_not_in_memory(
    tiny: tuple[MemoirAI, RuleModel, dict],
) -> None:
    memoir, _, _ = tiny
    dataset = parse_dataset(DATASET, name="tiny")
    with memoir:
        report = evaluate_sync(
            memoir, dataset, strategies=["one_shot"], baseline=True, max_token_budget=60
        )
    for name in ("one_shot", "bm25"):
        results = {result.id: result for result in report.strategy(name).results}
        for question in ("q1", "q2", "q4"):  # chunks match them: only the budget is in the way
            assert results[question].outcome == "error", (name, question)
            assert "budget" in (results[question].error or "").lower()
            assert results[question].answer_containment in (0.0, None)
        assert report.strategy(name).errors >= 3
