"""Running an evaluation: every question through each strategy, then the BM25 baseline.

1. Read the corpus once (every chunk, the sources' helpers) and check the
   dataset against it: an evidence source the memory does not hold is refused
   before any model call; a quote that lies in no single stored chunk (it
   crosses a chunk boundary, or is misquoted) is reported as a warning, since
   no strategy can find it.
2. For each strategy in turn, ask every question through
   :meth:`MemoirAI.query <memoir_ai.memoir.MemoirAI.query>`, up to
   ``concurrency`` questions at once (the model calls themselves stay within
   the memory's ``max_concurrency``), and time the whole strategy.
3. The BM25 baseline (:mod:`~memoir_ai.evaluation.baseline`) answers the same
   questions under the same budget with the same answer agent; its calls go
   to the audit log as the queries' do.
4. Score each question and average (:mod:`~memoir_ai.evaluation.scoring`).

A question whose query found nothing or failed (the model failed for good, the
question is refused) is scored as such and the run goes on; a dataset that
does not fit the memory, a setting the memory refuses, or a database failure
stops it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from memoir_ai.errors import LLMError, QueryError, ValidationError
from memoir_ai.evaluation.dataset import EvalDataset, EvalQuestion
from memoir_ai.evaluation.results import EvalReport, EvalStrategyResult
from memoir_ai.evaluation.scoring import ReadChunk, Reading, normalized, score_question
from memoir_ai.evaluation.scoring import summarize_strategy as summarize
from memoir_ai.llm.pricing import model_cost
from memoir_ai.query.results import NoResultsError, QueryStrategy
from memoir_ai.query.wording import API_WORDING, QueryWording

if TYPE_CHECKING:
    from memoir_ai.database.corpus import CorpusChunk
    from memoir_ai.evaluation.baseline import FlatBaseline
    from memoir_ai.llm.records import LLMCallRecord
    from memoir_ai.memoir import MemoirAI

__all__ = ["ALL_STRATEGIES", "evaluate", "evaluate_sync"]

logger = logging.getLogger(__name__)

ALL_STRATEGIES: tuple[QueryStrategy, ...] = tuple(QueryStrategy)
Progress = Callable[[str, int, int], None]
"""Called as ``progress(strategy, questions_done, questions)`` after each question."""


@dataclass(frozen=True)
class _Corpus:
    chunks: tuple[CorpusChunk, ...]
    helpers: dict[str, str]


async def evaluate(
    memoir: MemoirAI,
    dataset: EvalDataset,
    *,
    strategies: Sequence[QueryStrategy | str] = ALL_STRATEGIES,
    baseline: bool = True,
    max_token_budget: int | None = None,
    limit: int = 10,
    concurrency: int | None = None,
    wording: QueryWording = API_WORDING,
    progress: Progress | None = None,
) -> EvalReport:
    """Answer every question of ``dataset`` with each strategy (and BM25), and score them.

    ``max_token_budget`` (the memory's by default) bounds every answer prompt,
    the baseline's too; ``limit`` is the most chunks a query reads per path;
    ``concurrency`` (the memory's ``max_concurrency`` by default) is the most
    questions in flight. See the module docstring for what stops the run.

    Raises:
        ValidationError: an unknown strategy, a bad budget, limit or concurrency,
            or evidence from a source the memory does not hold.
        ConfigurationError: the baseline is asked for and bm25s is not installed.
        DatabaseError: the memory cannot be read.
    """
    chosen = _strategies(strategies, wording, baseline=baseline)
    budget = memoir.config.max_token_budget if max_token_budget is None else max_token_budget
    in_flight = memoir.config.max_concurrency if concurrency is None else concurrency
    _check_positive(wording.budget_name, budget, wording.budget(4000))
    _check_positive(wording.limit_name, limit, wording.limit(10))
    _check_positive("concurrency", in_flight, "a number of questions at once, e.g. 8")
    questions = dataset.questions
    corpus = await asyncio.to_thread(_read_corpus, memoir)
    warnings = [*dataset.warnings, *_check_evidence(dataset, corpus.chunks)]
    for warning in warnings:
        logger.warning("%s", warning)
    flat = await asyncio.to_thread(_baseline, memoir, corpus) if baseline else None
    results: list[EvalStrategyResult] = []
    for strategy in chosen:

        async def tree(question: EvalQuestion, strategy: QueryStrategy = strategy) -> Reading:
            return await _tree_reading(memoir, question, strategy, budget, limit, wording)

        results.append(await _run(strategy.value, "tree", questions, tree, in_flight, progress))
    if flat is not None:
        from memoir_ai.evaluation.baseline import BASELINE_NAME

        async def lexical(question: EvalQuestion) -> Reading:
            return await _flat_reading(memoir, flat, question, budget)

        results.append(
            await _run(BASELINE_NAME, "baseline", questions, lexical, in_flight, progress)
        )
    return EvalReport(
        dataset=dataset.name,
        database_url=memoir.database.masked_url,
        model=memoir.agents.model_name,
        max_token_budget=budget,
        limit=limit,
        max_concurrency=in_flight,
        questions=len(questions),
        answerable=sum(question.answerable for question in questions),
        unanswerable=sum(not question.answerable for question in questions),
        multi_source=sum(
            len({item.source_id for item in question.evidence}) > 1 for question in questions
        ),
        strategies=tuple(results),
        warnings=tuple(warnings),
    )


def evaluate_sync(
    memoir: MemoirAI,
    dataset: EvalDataset,
    *,
    strategies: Sequence[QueryStrategy | str] = ALL_STRATEGIES,
    baseline: bool = True,
    max_token_budget: int | None = None,
    limit: int = 10,
    concurrency: int | None = None,
    wording: QueryWording = API_WORDING,
    progress: Progress | None = None,
) -> EvalReport:
    """:func:`evaluate` for synchronous code (see :func:`memoir_ai._sync.run_sync`)."""
    from memoir_ai._sync import run_sync

    return run_sync(
        evaluate(
            memoir,
            dataset,
            strategies=strategies,
            baseline=baseline,
            max_token_budget=max_token_budget,
            limit=limit,
            concurrency=concurrency,
            wording=wording,
            progress=progress,
        )
    )


async def _run(
    name: str,
    kind: Literal["tree", "baseline"],
    questions: Sequence[EvalQuestion],
    read: Callable[[EvalQuestion], Awaitable[Reading]],
    in_flight: int,
    progress: Progress | None,
) -> EvalStrategyResult:
    """Every question through ``read``, ``in_flight`` at a time; scored, in dataset order."""
    gate = asyncio.Semaphore(in_flight)
    done = 0

    async def one(question: EvalQuestion) -> Reading:
        nonlocal done
        async with gate:
            reading = await read(question)
        done += 1
        if progress is not None:
            progress(name, done, len(questions))
        return reading

    started = time.perf_counter()
    readings = await asyncio.gather(*(one(question) for question in questions))
    wall = time.perf_counter() - started
    scored = [
        score_question(question, reading)
        for question, reading in zip(questions, readings, strict=True)
    ]
    logger.info("%s: %d question(s) in %.2f s.", name, len(questions), wall)
    return summarize(name, kind, scored, wall_seconds=wall)


async def _tree_reading(
    memoir: MemoirAI,
    question: EvalQuestion,
    strategy: QueryStrategy,
    budget: int,
    limit: int,
    wording: QueryWording,
) -> Reading:
    started = time.perf_counter()
    try:
        result = await memoir.query(
            question.question, strategy, max_token_budget=budget, limit=limit, wording=wording
        )
    except NoResultsError as error:
        if any(path.reason == "over_budget" for path in error.dropped_paths):
            # Chunks were found but none fitted: the budget failed, not the memory.
            return Reading("error", error=str(error), latency_seconds=time.perf_counter() - started)
        return Reading("nothing_found", latency_seconds=time.perf_counter() - started)
    except (QueryError, LLMError, ValidationError) as error:  # this question's own failure
        return Reading("error", error=str(error), latency_seconds=time.perf_counter() - started)
    return _answered(
        result.answer,
        [
            ReadChunk(chunk.id, chunk.source_id, chunk.summary or chunk.text)
            for chunk in result.chunks
        ],
        result.cited_chunk_ids,
        result.llm_calls,
        time.perf_counter() - started,
    )


async def _flat_reading(
    memoir: MemoirAI, flat: FlatBaseline, question: EvalQuestion, budget: int
) -> Reading:
    from memoir_ai.llm.records import LLMCallError

    started = time.perf_counter()
    try:
        answered = await flat.answer(question.question, budget)
    except LLMCallError as error:
        await asyncio.to_thread(_record, memoir, [error.record], None)
        return Reading("error", error=str(error), latency_seconds=time.perf_counter() - started)
    except QueryError as error:  # not even the best-ranked chunk fits the budget
        return Reading("error", error=str(error), latency_seconds=time.perf_counter() - started)
    if answered.answer is None or answered.record is None:
        return Reading("nothing_found", latency_seconds=time.perf_counter() - started)
    await asyncio.to_thread(_record, memoir, [answered.record], answered.operation_id)
    return _answered(
        answered.answer.answer,
        [ReadChunk(chunk.id, chunk.source_id, chunk.content) for chunk in answered.chunks],
        tuple(answered.answer.cited_chunk_ids),
        [answered.record],
        time.perf_counter() - started,
    )


def _answered(
    answer: str,
    chunks: Sequence[ReadChunk],
    cited: Sequence[int],
    calls: Sequence[LLMCallRecord],
    latency: float,
) -> Reading:
    """The reading of an answered question, with what its calls spent."""
    costs = [
        model_cost(
            call.model,
            calls=1,
            reused_calls=0,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
        ).usd
        for call in calls
    ]
    return Reading(
        "answered",
        answer=answer,
        chunks=tuple(chunks),
        cited_chunk_ids=tuple(dict.fromkeys(cited)),
        calls=len(calls),
        input_tokens=sum(call.input_tokens for call in calls),
        output_tokens=sum(call.output_tokens for call in calls),
        latency_seconds=latency,
        cost_usd=None if None in costs else sum(cost for cost in costs if cost is not None),
    )


def _record(memoir: MemoirAI, records: Sequence[LLMCallRecord], operation_id: str | None) -> None:
    """Write the baseline's calls to the audit log, as a query writes its own."""
    from memoir_ai.database.calls import record_operation_calls

    record_operation_calls(
        memoir.database,
        records,
        doing="recording the calls of the BM25 baseline",
        operation_id=operation_id,
        keep_payloads=memoir.config.record_llm_payloads,
    )


def _read_corpus(memoir: MemoirAI) -> _Corpus:
    from memoir_ai.database.corpus import corpus_chunks, corpus_helpers

    memoir.list_sources()  # opens the memory for reading: a missing or old schema is refused
    chunks = memoir.database.run(corpus_chunks, doing="reading the chunks to evaluate")
    helpers = memoir.database.run(corpus_helpers, doing="reading the sources' helpers")
    return _Corpus(tuple(chunks), helpers)


def _baseline(memoir: MemoirAI, corpus: _Corpus) -> FlatBaseline:
    from memoir_ai.evaluation.baseline import FlatBaseline
    from memoir_ai.text.tokens import get_token_counter

    counter = get_token_counter(memoir.config.model_name)
    return FlatBaseline(corpus.chunks, corpus.helpers, memoir.agents, counter)


def _strategies(
    strategies: Sequence[QueryStrategy | str], wording: QueryWording, *, baseline: bool
) -> tuple[QueryStrategy, ...]:
    """The strategies asked for, each once; none is fine when the baseline runs alone."""
    if isinstance(strategies, str) or not (strategies or baseline):
        raise ValidationError(
            "No strategy to evaluate.",
            remedy=f"name one or more of {', '.join(s.value for s in QueryStrategy)}.",
        )
    chosen: list[QueryStrategy] = []
    for strategy in strategies:
        try:
            value = QueryStrategy(strategy)
        except ValueError:
            raise ValidationError(
                f"Unknown strategy {strategy!r}.",
                remedy=f"use {wording.strategy('one_shot')} or another of "
                f"{', '.join(s.value for s in QueryStrategy)}.",
            ) from None
        if value not in chosen:
            chosen.append(value)
    return tuple(chosen)


def _check_positive(name: str, value: object, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            f"{name} must be a positive whole number, got {value!r}.",
            remedy=f"pass e.g. {example}.",
        )


def _check_evidence(dataset: EvalDataset, chunks: Sequence[CorpusChunk]) -> list[str]:
    """Refuse evidence from unknown sources or quoting text they lack; warn of split quotes."""
    questions = dataset.questions
    texts: dict[str, list[str]] = {}
    for chunk in chunks:
        texts.setdefault(chunk.source_id, []).append(normalized(chunk.content))
    missing = sorted(
        {
            (question.id, item.source_id)
            for question in questions
            for item in question.evidence
            if item.source_id not in texts
        },
        key=lambda pair: (dataset.lines.get(pair[0], 0), pair),
    )
    if missing:
        shown = "; ".join(
            f"{dataset.where(question_id)}: {source!r}{_did_you_mean(source, texts)}"
            for question_id, source in missing[:5]
        )
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        stored = ", ".join(repr(source) for source in sorted(texts)[:5])
        raise ValidationError(
            f"The dataset names evidence sources the memory does not hold ({shown}{more}).",
            remedy="use the source ids the memory holds (memoir sources lists them; e.g. "
            f"{stored or 'none: ingest the corpus first'}), or ingest the missing sources.",
        )
    # A source's chunks, in order, cover its text: a quote found nowhere in them is a typo
    # (refused), one found only across two chunks can never be read whole (a warning).
    raw: dict[str, list[str]] = {}
    for chunk in chunks:
        raw.setdefault(chunk.source_id, []).append(chunk.content)
    whole = {source: normalized("".join(parts)) for source, parts in raw.items()}
    absent = [
        (question.id, item)
        for question in questions
        for item in question.evidence
        if normalized(item.quote) not in whole[item.source_id]
    ]
    if absent:
        shown = "; ".join(
            f"{dataset.where(question_id)}: {item.quote!r} in {item.source_id!r}"
            for question_id, item in absent[:5]
        )
        more = f" and {len(absent) - 5} more" if len(absent) > 5 else ""
        raise ValidationError(
            f"The dataset quotes text its evidence sources do not hold ({shown}{more}).",
            remedy="copy each quote from its source as stored (memoir sources chunks SOURCE_ID "
            "shows the text), or name the source that holds it.",
        )
    warnings = []
    for question in questions:
        for item in question.evidence:
            quote = normalized(item.quote)
            if not any(quote in text for text in texts[item.source_id]):
                warnings.append(
                    f"{dataset.where(question.id)}: no single chunk of {item.source_id!r} "
                    f"holds the quote {item.quote!r}, so no strategy can find it (it may "
                    f"cross a chunk boundary: quote text within one chunk; memoir sources chunks "
                    f"{item.source_id} shows them)"
                )
    return warnings


def _did_you_mean(source: str, stored: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` for a stored id that ends like ``source`` or is spelt alike."""
    import difflib

    tail = source.rsplit("/", 1)[-1]
    alike = [known for known in stored if known.rsplit("/", 1)[-1] == tail]
    alike = alike or difflib.get_close_matches(source, list(stored), n=1, cutoff=0.8)
    return f" (did you mean {sorted(alike)[0]!r}?)" if alike else ""
