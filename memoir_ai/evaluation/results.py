"""What ``memoir eval`` reports: per question, per strategy, and the whole run.

Frozen pydantic models (:class:`~memoir_ai.results.PublicResult`); ``memoir eval
--json`` prints ``EvalReport.model_dump(mode="json")``. The definitions of the
scores are in :mod:`memoir_ai.evaluation.scoring` (and :data:`DEFINITIONS`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import computed_field

from memoir_ai.results import PublicResult

__all__ = [
    "DEFINITIONS",
    "EvalEvidenceCheck",
    "EvalQuestionResult",
    "EvalReport",
    "EvalStrategyResult",
    "QuestionOutcome",
]

QuestionOutcome = Literal["answered", "nothing_found", "error"]
"""How a question ended: an answer, the memory found no chunk for it, or a failure."""

DEFINITIONS: dict[str, str] = {
    "chunks read": "the chunks given to the answer step (after the budget was applied).",
    "evidence recall": "per answerable question, the share of its evidence quotes found in a "
    "chunk read of the same source (case, spacing and curly quotes ignored); mean over "
    "answerable questions.",
    "citation precision": "per answerable question that cites, the share of cited chunks that "
    "hold one of its evidence quotes; mean over those questions.",
    "answer containment": "per answerable question with keywords, the share of keywords the "
    "answer contains (whole words, case ignored); per unanswerable question 1 if it was "
    "answered 'not in memory', else 0; mean over both.",
    "not in memory": "an answer that cites no chunk, or a query that found no chunk; the right "
    "outcome for an unanswerable question, scored as the share of them.",
    "calls, tokens, latency, cost": "per question, means over the questions that were "
    "answered; latency from the question's start to its answer, waits for a free model slot "
    "included; cost in USD from liteLLM's bundled prices, unknown (null) for models without one.",
}
"""One line per figure of the report, shown by the CLI table, the HTML report and the docs."""


class EvalEvidenceCheck(PublicResult):
    """One evidence item of a question, and the chunks read that hold its quote."""

    source_id: str
    quote: str
    found_in: tuple[int, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def found(self) -> bool:
        """Whether a chunk read holds the quote."""
        return bool(self.found_in)


class EvalQuestionResult(PublicResult):
    """How one strategy did on one question: what it read, cited and answered, and the scores.

    A score is ``None`` where it does not apply (see :data:`DEFINITIONS`).
    """

    id: str
    question: str
    answerable: bool
    outcome: QuestionOutcome
    answer: str | None
    error: str | None = None
    chunks_read: tuple[int, ...]
    cited_chunk_ids: tuple[int, ...]
    evidence: tuple[EvalEvidenceCheck, ...]
    cited_with_evidence: tuple[int, ...]
    keywords_found: tuple[str, ...]
    keywords_missed: tuple[str, ...]
    not_in_memory: bool
    evidence_recall: float | None
    citation_precision: float | None
    answer_containment: float | None
    calls: int
    input_tokens: int
    output_tokens: int
    latency_seconds: float
    cost_usd: float | None


class EvalStrategyResult(PublicResult):
    """One strategy (or the BM25 baseline) over the whole dataset: mean scores and costs.

    ``wall_seconds`` is the time the strategy took for all questions, run
    concurrently; the per-question figures are means (see :data:`DEFINITIONS`).
    """

    name: str
    kind: Literal["tree", "baseline"]
    questions: int
    answered: int
    nothing_found: int
    errors: int
    evidence_recall: float | None
    citation_precision: float | None
    answer_containment: float | None
    keyword_containment: float | None
    not_in_memory_rate: float | None
    calls_per_question: float | None
    input_tokens_per_question: float | None
    output_tokens_per_question: float | None
    latency_seconds_per_question: float | None
    cost_usd_per_question: float | None
    wall_seconds: float
    results: tuple[EvalQuestionResult, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tokens_per_question(self) -> float | None:
        """Input and output tokens per answered question."""
        if self.input_tokens_per_question is None or self.output_tokens_per_question is None:
            return None
        return self.input_tokens_per_question + self.output_tokens_per_question


class EvalReport(PublicResult):
    """A whole ``memoir eval`` run: the settings, and one result per strategy and baseline."""

    dataset: str
    database_url: str
    model: str
    max_token_budget: int
    limit: int
    max_concurrency: int
    questions: int
    answerable: int
    unanswerable: int
    multi_source: int
    strategies: tuple[EvalStrategyResult, ...]
    warnings: tuple[str, ...] = ()

    def strategy(self, name: str) -> EvalStrategyResult:
        """The result of the strategy (or baseline) called ``name``.

        Raises:
            KeyError: no strategy of that name was run.
        """
        for result in self.strategies:
            if result.name == name:
                return result
        raise KeyError(name)
