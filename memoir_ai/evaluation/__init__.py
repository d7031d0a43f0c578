"""Measuring a memory: does the tree find the text that answers a question, and at what cost?

``memoir eval DATASET.jsonl`` and :func:`evaluate` ask every question of a
dataset (:mod:`~memoir_ai.evaluation.dataset`) with each query strategy and
with a flat BM25 baseline under the same token budget
(:mod:`~memoir_ai.evaluation.baseline`), and score evidence recall, citation
precision and answer containment, with the calls, tokens, latency and cost of
each question (:mod:`~memoir_ai.evaluation.scoring`). The report
(:class:`~memoir_ai.evaluation.results.EvalReport`) prints as a table, JSON or
an HTML page (:mod:`~memoir_ai.evaluation.html`).
"""

from __future__ import annotations

from memoir_ai.evaluation.dataset import (
    EvalDataset,
    EvalEvidence,
    EvalQuestion,
    load_dataset,
    parse_dataset,
)
from memoir_ai.evaluation.results import (
    DEFINITIONS,
    EvalEvidenceCheck,
    EvalQuestionResult,
    EvalReport,
    EvalStrategyResult,
)
from memoir_ai.evaluation.runner import ALL_STRATEGIES, evaluate, evaluate_sync

__all__ = [
    "ALL_STRATEGIES",
    "DEFINITIONS",
    "EvalDataset",
    "EvalEvidence",
    "EvalEvidenceCheck",
    "EvalQuestion",
    "EvalQuestionResult",
    "EvalReport",
    "EvalStrategyResult",
    "evaluate",
    "evaluate_sync",
    "load_dataset",
    "parse_dataset",
]
