"""The built-in ``offline`` model: a deterministic stand-in for an LLM, made of word counts.

It is **not** a language model and does not understand text. It exists so the
whole library (ingestion, traversal, budgets, answers) can be tried, demonstrated
and tested on a machine with no key, no network and no model weights. It is a
pydantic-ai :class:`~pydantic_ai.models.function.FunctionModel`, so it runs the
very same agents, prompts and output schemas as a real provider.

How it answers, by purpose (read from the output schema it is given and the
typed inputs of :mod:`memoir_ai.llm.inputs` the request carries, never the prose):

- **helper**: title from the detected title, first header or file name; author
  from a ``by …``/``Author:`` line; date from an ISO date in the text; topic
  from the most frequent content words; summary from the opening sentences.
- **classify**: each chunk gets a keyword profile (word frequencies, stop words
  removed), blended with the source description near the top of the tree. An
  existing category is reused when its name's words carry enough of that
  weight; otherwise a new name is made from the two heaviest keywords. Names
  listed as the only allowed ones (a full level) are always respected.
- **select**: candidates ranked by the weight of the question's words in their
  names and descriptions; ties keep the listed order.
- **summarize**: the sentences that carry most of a chunk's keywords, in their
  original order, within the character target (never over it).
- **answer**: extractive: the sentences sharing most words with the question,
  citing the chunks they come from.
- **curate**: siblings whose names have the same content words ("Linux & Util"
  and "Util & Linux"), or share a name word and most of their chunks' content
  words, are proposed for merging (see :mod:`~memoir_ai.llm._offline_curate`).

Same prompt, same answer: there is no randomness and no state between calls.
``latency_seconds`` makes every call take a fixed time, for benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memoir_ai.llm import _lexical as lexical
from memoir_ai.llm import prompts
from memoir_ai.llm._offline_request import OfflineRequest, parse_request
from memoir_ai.llm._subjects import subject_of, subject_weight

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage, ModelResponse
    from pydantic_ai.models.function import AgentInfo, FunctionModel

__all__ = ["OFFLINE_MODEL_NAME", "OfflineResponder", "offline_model"]

OFFLINE_MODEL_NAME = "offline"
NAME_WORDS = 2
REUSE_MIN_SCORE = 0.02
TOP_LEVEL_SOURCE_WEIGHT = 2.0
REUSE_MIN_SHARE = 0.25
# How many siblings a level holds before reuse gets easier: a person filing
# notes keeps a handful of drawers per shelf instead of one per note. Past
# the soft size the bar to reuse falls with the crowd; past twice that any
# overlap is enough; past four times a new name is made only when forced.
SOFT_SIBLINGS_TOP = 12
SOFT_SIBLINGS_DEEPER = 6
ANSWER_SENTENCES = 3
SUMMARY_CHARS = 600
MIN_SENTENCE_WORDS = 4


def offline_model(latency_seconds: float = 0.0) -> FunctionModel:
    """The ``offline`` stand-in model, optionally taking ``latency_seconds`` per call."""
    from pydantic_ai.models.function import FunctionModel

    return FunctionModel(OfflineResponder(latency_seconds), model_name=OFFLINE_MODEL_NAME)


@dataclass(frozen=True)
class OfflineResponder:
    """The function behind the offline model: one request in, one typed answer out."""

    latency_seconds: float = 0.0

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        """Answer a request in the form the agent expects (an output tool call or JSON text)."""
        from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart

        if self.latency_seconds > 0:
            await asyncio.sleep(self.latency_seconds)
        request = parse_request(messages, info)
        answer = respond(request)
        if request.tool_name is not None:
            return ModelResponse(parts=[ToolCallPart(request.tool_name, answer)])
        if request.schema is None:
            return ModelResponse(parts=[TextPart(str(answer.get("answer", "")))])
        return ModelResponse(parts=[TextPart(json.dumps(answer, ensure_ascii=False))])


def respond(request: OfflineRequest) -> dict[str, Any]:
    """The answer object for a parsed request."""
    match request.kind:
        case "helper":
            return _helper(request)
        case "classify":
            return {"chunks": _classify(request)}
        case "classify_paths":
            return {"chunks": _classify_paths(request)}
        case "select":
            return {"categories": _select(request)}
        case "summarize":
            return {"summaries": _summarize(request)}
        case "curate":
            from memoir_ai.llm._offline_curate import propose_merges

            return {"merges": propose_merges(request.siblings)}
        case _:
            return _answer(request)


# --- helper -------------------------------------------------------------------------------

_AUTHOR = re.compile(r"(?im)^\s*(?:author\s*:|by)\s+([^\n,;]{2,80})$")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{4}-\d{2})\b")
_DATE_LINE = re.compile(r"(?im)^\s*date\s*:\s*(\d{4}(?:-\d{2}){0,2})\b")


def _helper(request: OfflineRequest) -> dict[str, Any]:
    excerpt = request.excerpt
    title = request.title or (request.headers[0] if request.headers else None)
    if not title and request.file_name:
        title = re.sub(r"[_\-]+", " ", request.file_name.rsplit(".", 1)[0]).strip().title()
    author_match = _AUTHOR.search(excerpt[:2000])
    date_match = _DATE_LINE.search(excerpt[:2000]) or _ISO_DATE.search(excerpt[:2000])
    keywords = lexical.profile(excerpt)
    topic_words = [keywords.spelling(stem) for stem in keywords.top(4)]
    opening = " ".join(_body_sentences(excerpt, [title or "", *request.headers])[:2])
    summary = lexical.truncate(opening, SUMMARY_CHARS)
    if topic_words:
        summary = f"{summary} Key terms: {', '.join(topic_words)}.".strip()
    return {
        "title": lexical.truncate(title or "unknown", _limit("title")),
        "author": lexical.truncate(author_match.group(1).strip(), _limit("author"))
        if author_match
        else "unknown",
        "date": date_match.group(1) if date_match else "unknown",
        "topic": lexical.truncate(", ".join(topic_words) or "unknown", _limit("topic")),
        "summary": lexical.truncate(summary or "unknown", _limit("summary")),
    }


def _limit(field_name: str) -> int:
    """The longest value the helper's output type admits for ``field_name``."""
    from pydantic.fields import FieldInfo

    from memoir_ai.llm.schemas import GeneratedHelper

    info: FieldInfo = GeneratedHelper.model_fields[field_name]
    return next(int(item.max_length) for item in info.metadata if hasattr(item, "max_length"))


def _body_sentences(excerpt: str, headings: Sequence[str]) -> list[str]:
    """Sentences of running text: no byline, date line, heading or fragment of a few words."""
    skip = {heading.strip().casefold() for heading in headings}
    found = []
    for sentence in lexical.sentences(excerpt):
        if _AUTHOR.match(sentence) or _DATE_LINE.match(sentence):
            continue
        if sentence.lstrip("# ").casefold() in skip or len(sentence.split()) < MIN_SENTENCE_WORDS:
            continue
        found.append(sentence)
    return found


# --- classification -----------------------------------------------------------------------


def _level_profile(chunk: str, helper: lexical.Profile, level: int, depth: int) -> lexical.Profile:
    """A chunk's profile, blended with its source's near the top of the tree.

    Level 1 leans on what the whole source is about (so that chunks of one
    subject stay together); the last level on the chunk alone.
    """
    factor = (
        TOP_LEVEL_SOURCE_WEIGHT if depth <= 1 or level == 1 else 0.5 * (depth - level) / (depth - 1)
    )
    return lexical.profile(chunk).plus(helper, factor)


def _choose(
    weights: lexical.Profile,
    existing: Sequence[str],
    allow_new: bool,
    exclude: set[str],
    level: int = 1,
) -> str:
    """Reuse the best existing name when it fits (or must), else make a new one.

    At level 1 a clear broad subject (see :mod:`~memoir_ai.llm._subjects`) is
    reused when it exists and named when nothing existing fits, so texts on one
    subject share a top-level category even when they share few words.
    """
    subject = subject_of(weights) if level == 1 else None
    if subject is not None and subject in existing:
        return subject
    scores = [lexical.name_score(name, weights) for name in existing]
    best = max(range(len(existing)), key=lambda index: (scores[index], -index), default=None)
    fresh_stems = weights.top(NAME_WORDS, exclude=exclude)
    fresh_score = sum(weights.weights[stem] for stem in fresh_stems)
    if best is not None:
        soft = SOFT_SIBLINGS_TOP if level == 1 else SOFT_SIBLINGS_DEEPER
        crowd = len(existing)
        share = REUSE_MIN_SHARE * min(1.0, soft / crowd)
        fits = scores[best] >= max(REUSE_MIN_SCORE * min(1.0, soft / crowd), share * fresh_score)
        crowded = (crowd >= 2 * soft and scores[best] > 0) or crowd >= 4 * soft
        if fits or crowded or not allow_new or not fresh_stems:
            return existing[best]
    if subject is not None and allow_new:
        return subject
    if not fresh_stems:
        return "General"
    name = " & ".join(weights.spelling(stem).capitalize() for stem in fresh_stems)
    for candidate in existing:
        if candidate.casefold() == name.casefold():
            return candidate
    return name


def _path_stems(path: Sequence[str]) -> set[str]:
    return {stem for name in path for stem in lexical.name_stems(name)}


def _classify(request: OfflineRequest) -> list[dict[str, Any]]:
    helper = lexical.profile(" ".join(request.helpers))
    existing = list(request.allowed or request.existing)
    allow_new = request.allowed is None
    exclude = _path_stems(request.parent_path)
    answers = []
    for chunk_id, text in request.chunks:
        weights = _level_profile(text, helper, request.level, request.depth)
        name = _choose(weights, existing, allow_new, exclude, request.level)
        if name not in existing:
            existing.append(name)
        answers.append({"id": chunk_id, "category": name})
    return answers


def _classify_paths(request: OfflineRequest) -> list[dict[str, Any]]:
    helper = lexical.profile(" ".join(request.helpers))
    tree = request.tree
    answers = []
    for chunk_id, text in request.chunks:
        node = tree
        path: list[str] = []
        for level in range(1, request.depth + 1):
            weights = _level_profile(text, helper, level, request.depth)
            full = level in request.full_levels
            names = list(node) or (_names_at(tree, level) if full else [])
            name = _choose(weights, names, not full or not names, _path_stems(path), level)
            path.append(name)
            node = node.setdefault(name, {})
        answers.append({"id": chunk_id, "path": path})
    return answers


def _names_at(tree: prompts.Outline, level: int) -> list[str]:
    nodes = [tree]
    for _ in range(level - 1):
        nodes = [child for node in nodes for child in node.values()]
    return list(dict.fromkeys(name for node in nodes for name in node))


# --- selection, summaries, answers --------------------------------------------------------


def _select(request: OfflineRequest) -> list[dict[str, Any]]:
    question = lexical.profile(request.question)
    candidates = request.candidates
    scores = []
    for index, name in enumerate(candidates):
        description = request.descriptions.get(name, "")
        score = lexical.name_score(name, question) + subject_weight(name, question)
        if description:
            score += 0.5 * lexical.name_score(description, question)
        scores.append((-score, index))
    chosen = [candidates[index] for _, index in sorted(scores)[: request.count]]
    return [
        {"name": name, "ranked_relevance": len(chosen) - position}
        for position, name in enumerate(chosen)
    ]


def _summarize(request: OfflineRequest) -> list[dict[str, Any]]:
    question = lexical.profile(request.question)
    answers = []
    for chunk_id, text, target in request.summary_targets():
        answers.append({"id": chunk_id, "summary": _summary(text, target, question)})
    return answers


def _summary(text: str, target: int, question: lexical.Profile) -> str:
    """The heaviest sentences, in their original order, within ``target`` characters."""
    if target <= 0:
        return ""
    parts = lexical.sentences(text)
    weights = lexical.profile(text).plus(question, 1.0).weights
    ranked = lexical.best_sentences(parts, weights, len(parts))
    chosen: list[int] = []
    used = 0
    for index in ranked:
        extra = len(parts[index]) + (1 if chosen else 0)
        if used + extra <= target:
            chosen.append(index)
            used += extra
    if not chosen:
        first = parts[ranked[0]] if ranked else " ".join(text.split())
        return lexical.truncate(first, target)
    return " ".join(parts[index] for index in sorted(chosen))


def _answer(request: OfflineRequest) -> dict[str, Any]:
    question = lexical.profile(request.question)
    allowed = set(request.allowed_ids) if request.allowed_ids is not None else None
    located: list[tuple[int, str]] = []
    for chunk_id, text in request.chunks:
        if allowed is None or chunk_id in allowed:
            located.extend(
                (chunk_id, sentence)
                for sentence in lexical.sentences(text)
                if not sentence.startswith("#")  # a heading names a topic, it answers nothing
            )
    best = sorted(
        lexical.best_sentences(
            [sentence for _, sentence in located], question.weights, ANSWER_SENTENCES
        )
    )
    if not best:
        return {
            "answer": "None of the retrieved chunks shares a content word with the question.",
            "cited_chunk_ids": [],
        }
    cited = list(dict.fromkeys(located[index][0] for index in best))
    return {
        "answer": " ".join(located[index][1] for index in best),
        "cited_chunk_ids": cited,
    }
