"""The flat lexical baseline: BM25 over every stored chunk, answered by the same answer agent.

It answers the question the tree strategies answer, under the same token
budget, with the same answer prompt (:class:`~memoir_ai.query.answer.AnswerPrompt`,
the sources' helpers included) and the same answer call; only the retrieval
differs. The chunks are ranked with BM25 (``bm25s``: Lucene's scoring,
English stop words removed, Snowball stemming when PyStemmer is installed);
those sharing no term with the question (score 0) are left out; the rest go
into the prompt by rank, each that still fits the budget beside those before
it (as PRUNE keeps paths), trying at most the best :data:`MAX_CANDIDATES`.
No category is shown: the retrieval is flat.

``bm25s`` is an optional dependency: ``pip install 'memoir-ai[eval]'``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memoir_ai.errors import ConfigurationError, QueryError, ValidationError
from memoir_ai.llm import prompts
from memoir_ai.query.answer import AnswerPrompt, ask_for_answer

if TYPE_CHECKING:
    from memoir_ai.database.corpus import CorpusChunk
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.llm.records import LLMCallRecord
    from memoir_ai.llm.schemas import CitedAnswer
    from memoir_ai.text.tokens import TokenCounter

__all__ = ["BASELINE_NAME", "FlatAnswer", "FlatBaseline", "ranked_chunks"]

BASELINE_NAME = "bm25"
MAX_CANDIDATES = 1000
"""The most ranked chunks tried for a prompt: past these a budget is full in practice."""


@dataclass(frozen=True)
class FlatAnswer:
    """The baseline's answer to one question: the chunks it showed, the answer and its call."""

    chunks: tuple[CorpusChunk, ...]
    answer: CitedAnswer | None
    record: LLMCallRecord | None
    operation_id: str


class _Index:
    """A BM25 index of texts (bm25s), with the tokenizer settings the queries need too."""

    def __init__(self, texts: Sequence[str]) -> None:
        try:
            import bm25s
        except ImportError:
            raise ConfigurationError(
                "The BM25 baseline needs the bm25s package, which is not installed.",
                remedy="pip install 'memoir-ai[eval]' (or leave the baseline out with "
                "--no-baseline).",
            ) from None
        self._bm25s = bm25s
        self._stemmer = _stemmer()
        tokens = bm25s.tokenize(
            list(texts), stopwords="en", stemmer=self._stemmer, show_progress=False
        )
        self._retriever = bm25s.BM25()
        self._retriever.index(tokens, show_progress=False)
        self._size = len(texts)

    def scores(self, question: str) -> list[float]:
        """The BM25 score of every indexed text for ``question``, in index order."""
        terms = self._bm25s.tokenize(
            [question],
            stopwords="en",
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )[0]
        if not terms:
            return [0.0] * self._size
        return [float(score) for score in self._retriever.get_scores(terms)]


def _stemmer() -> Any:
    """English Snowball stemming when PyStemmer is installed, else none."""
    try:
        import Stemmer
    except ImportError:
        return None
    return Stemmer.Stemmer("english")


def ranked_chunks(
    chunks: Sequence[CorpusChunk], scores: Sequence[float]
) -> list[tuple[CorpusChunk, float]]:
    """Chunks with a positive score, best first; ties by id."""
    pairs = [(chunk, score) for chunk, score in zip(chunks, scores, strict=True) if score > 0]
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0].id))


class FlatBaseline:
    """BM25 over every chunk of a memory, answered under a token budget (see the module)."""

    def __init__(
        self,
        chunks: Sequence[CorpusChunk],
        helpers: Mapping[str, str],
        agents: AgentFactory,
        counter: TokenCounter,
    ) -> None:
        """Index ``chunks``; answers go through ``agents``, prompts are counted by ``counter``.

        Raises:
            ValidationError: the memory holds no chunk.
            ConfigurationError: bm25s is not installed.
        """
        if not chunks:
            raise ValidationError(
                "The memory holds no chunk, so there is nothing to evaluate.",
                remedy="ingest the corpus the dataset is about first (memoir ingest PATHS).",
            )
        self.chunks = tuple(chunks)
        self.helpers = dict(helpers)
        self.agents = agents
        self.counter = counter
        self._index = _Index([chunk.content for chunk in self.chunks])

    def fit(self, question: str, budget: int) -> tuple[list[CorpusChunk], str, int]:
        """The ranked chunks that fit ``budget`` together, with the prompt and its tokens.

        Raises:
            QueryError: chunks match the question but not even the best fits ``budget``.
        """
        prompt = AnswerPrompt(question, self.counter)
        kept: list[CorpusChunk] = []
        sources: set[str] = set()
        used = prompt.base_tokens
        ranked = ranked_chunks(self.chunks, self._index.scores(question))
        for chunk, _ in ranked[:MAX_CANDIDATES]:
            if used >= budget:
                break
            shown = prompts.AnswerChunk(chunk.id, chunk.content)
            extra = prompt.estimated_block_tokens(shown, chunk.token_count)
            if chunk.source_id not in sources and chunk.source_id in self.helpers:
                extra += prompt.helper_tokens(self.helpers[chunk.source_id])
            if used + extra <= budget:
                kept.append(chunk)
                sources.add(chunk.source_id)
                used += extra
        # The sum of the parts is an estimate (tokens may merge where parts join): confirm it
        # with one count of the whole prompt, dropping the last kept chunk while it is over.
        while True:
            text, tokens = self._render(prompt, kept)
            if tokens <= budget or not kept:
                break
            kept.pop()
        if not kept and ranked:
            best = ranked[0][0]
            _, alone = self._render(prompt, [best])
            raise QueryError(
                f"Nothing fits the budget of {budget} tokens: the prompt without chunks takes "
                f"{prompt.base_tokens} tokens, and with the best-ranked chunk {alone}.",
                remedy=f"use --budget {alone} or more.",
            )
        return kept, text, tokens

    def _render(self, prompt: AnswerPrompt, kept: Sequence[CorpusChunk]) -> tuple[str, int]:
        shown = [prompts.AnswerChunk(chunk.id, chunk.content) for chunk in kept]
        sources = sorted({chunk.source_id for chunk in kept})
        helpers = [self.helpers[source] for source in sources if source in self.helpers]
        return prompt.render(shown, helpers), prompt.count(shown, helpers)

    async def answer(self, question: str, budget: int) -> FlatAnswer:
        """Rank, fit and answer ``question``; no chunk in reach means no answer call.

        Raises:
            LLMCallError: the answer call failed for good (its record is attached).
            QueryError: not even the best-ranked chunk fits ``budget``.
        """
        import asyncio

        kept, text, _ = await asyncio.to_thread(self.fit, question, budget)
        operation_id = uuid.uuid4().hex
        if not kept:
            return FlatAnswer((), None, None, operation_id)
        answer, record = await ask_for_answer(
            self.agents, text, [chunk.id for chunk in kept], budget=budget
        )
        return FlatAnswer(tuple(kept), answer, record, operation_id)
