"""The arithmetic of an evaluation: pure functions from what was read and answered to scores.

Definitions (also :data:`~memoir_ai.evaluation.results.DEFINITIONS`):

- **Chunks read** are the chunks given to the answer step: for a tree
  strategy the ``QueryResult.chunks`` (what survived the budget), for the
  BM25 baseline the chunks put in its prompt.
- A chunk **holds** an evidence item when it belongs to the item's source and
  its text (the summary, when the answer step saw a summary) contains the quote,
  both compared with case folded, every run of white space made one space, and
  typographic quotes and dashes read as plain ones (:func:`normalized`).
- **Evidence recall** of an answerable question: evidence items held by a
  chunk read ÷ evidence items. Mean over answerable questions.
- **Citation precision** of an answerable question that cites something: cited
  chunks holding one of its evidence items ÷ cited chunks. Mean over those.
- **Not in memory**: the query found no chunk, or the answer cites none.
- **Answer containment**: for an answerable question with keywords, keywords
  the answer contains (as whole words or phrases, case and spacing ignored) ÷
  keywords; for an unanswerable question, 1 when the outcome was not in memory,
  else 0. Mean over both kinds.
- Calls, tokens, latency and cost per question are means over the questions
  answered (a failed or empty query's calls are not returned to the caller).

Means are over questions (each question weighs the same), ``None`` when no
question qualifies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from memoir_ai.evaluation.dataset import EvalEvidence, EvalQuestion
from memoir_ai.evaluation.results import (
    EvalEvidenceCheck,
    EvalQuestionResult,
    EvalStrategyResult,
    QuestionOutcome,
)

__all__ = [
    "Reading",
    "ReadChunk",
    "contains_phrase",
    "holds",
    "mean",
    "normalized",
    "score_question",
    "summarize_strategy",
]


@dataclass(frozen=True)
class ReadChunk:
    """A chunk given to the answer step: its id, source and the text the answer step saw."""

    id: int
    source_id: str
    text: str


@dataclass(frozen=True)
class Reading:
    """What one strategy did for one question, before scoring."""

    outcome: QuestionOutcome
    answer: str | None = None
    chunks: tuple[ReadChunk, ...] = ()
    cited_chunk_ids: tuple[int, ...] = ()
    error: str | None = None
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_seconds: float = 0.0
    cost_usd: float | None = None


_TYPOGRAPHY = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def normalized(text: str) -> str:
    """``text`` as a person compares it: case, spacing and typography ignored.

    Case is folded, any run of white space is one space, Unicode compatibility
    forms are unified (NFKC), and curly quotes and en or em dashes read as plain ones.
    """
    plain = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY)
    return " ".join(plain.split()).casefold()


def holds(chunk: ReadChunk, evidence: EvalEvidence) -> bool:
    """Whether ``chunk`` holds ``evidence``: same source, and the quote is in its text."""
    return chunk.source_id == evidence.source_id and normalized(evidence.quote) in normalized(
        chunk.text
    )


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether ``phrase`` stands in ``text`` as whole words (case and spacing ignored)."""
    pattern = r"(?<!\w)" + re.escape(normalized(phrase)) + r"(?!\w)"
    return re.search(pattern, normalized(text)) is not None


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values that are not ``None`` (``None`` when there are none)."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


def score_question(question: EvalQuestion, reading: Reading) -> EvalQuestionResult:
    """Score one question's reading (see the module docstring)."""
    checks = tuple(
        EvalEvidenceCheck(
            source_id=item.source_id,
            quote=item.quote,
            found_in=tuple(chunk.id for chunk in reading.chunks if holds(chunk, item)),
        )
        for item in question.evidence
    )
    holding = {chunk_id for check in checks for chunk_id in check.found_in}
    cited = tuple(dict.fromkeys(reading.cited_chunk_ids))
    cited_with_evidence = tuple(chunk_id for chunk_id in cited if chunk_id in holding)
    answer = reading.answer or ""
    found = tuple(k for k in question.answer_keywords if contains_phrase(answer, k))
    missed = tuple(k for k in question.answer_keywords if k not in found)
    not_in_memory = reading.outcome == "nothing_found" or (
        reading.outcome == "answered" and not cited
    )
    recall = sum(check.found for check in checks) / len(checks) if checks else None
    precision = len(cited_with_evidence) / len(cited) if question.answerable and cited else None
    containment: float | None
    if not question.answerable:
        containment = 1.0 if not_in_memory else 0.0
    elif question.answer_keywords:
        containment = len(found) / len(question.answer_keywords)
    else:
        containment = None
    return EvalQuestionResult(
        id=question.id,
        question=question.question,
        answerable=question.answerable,
        outcome=reading.outcome,
        answer=reading.answer,
        error=reading.error,
        chunks_read=tuple(chunk.id for chunk in reading.chunks),
        cited_chunk_ids=cited,
        evidence=checks,
        cited_with_evidence=cited_with_evidence,
        keywords_found=found,
        keywords_missed=missed,
        not_in_memory=not_in_memory,
        evidence_recall=recall,
        citation_precision=precision,
        answer_containment=containment,
        calls=reading.calls,
        input_tokens=reading.input_tokens,
        output_tokens=reading.output_tokens,
        latency_seconds=reading.latency_seconds,
        cost_usd=reading.cost_usd,
    )


def summarize_strategy(
    name: str,
    kind: Literal["tree", "baseline"],
    results: Sequence[EvalQuestionResult],
    *,
    wall_seconds: float,
) -> EvalStrategyResult:
    """The means of one strategy over its questions (see the module docstring)."""
    answered = [result for result in results if result.outcome == "answered"]
    answerable = [result for result in results if result.answerable]
    unanswerable = [result for result in results if not result.answerable]
    with_keywords = [
        result for result in answerable if result.keywords_found or result.keywords_missed
    ]
    costs = [result.cost_usd for result in answered]
    return EvalStrategyResult(
        name=name,
        kind=kind,
        questions=len(results),
        answered=len(answered),
        nothing_found=sum(result.outcome == "nothing_found" for result in results),
        errors=sum(result.outcome == "error" for result in results),
        evidence_recall=mean([result.evidence_recall for result in answerable]),
        citation_precision=mean([result.citation_precision for result in answerable]),
        answer_containment=mean([result.answer_containment for result in results]),
        keyword_containment=mean([result.answer_containment for result in with_keywords]),
        not_in_memory_rate=mean([float(result.not_in_memory) for result in unanswerable]),
        calls_per_question=mean([float(result.calls) for result in answered]),
        input_tokens_per_question=mean([float(result.input_tokens) for result in answered]),
        output_tokens_per_question=mean([float(result.output_tokens) for result in answered]),
        latency_seconds_per_question=mean([result.latency_seconds for result in answered]),
        cost_usd_per_question=None if None in costs else mean(costs),
        wall_seconds=wall_seconds,
        results=tuple(results),
    )
