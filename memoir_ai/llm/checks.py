"""Checks of what a model wrote that a schema cannot express: category names and invented facts.

**Category names** (every classification call): a name must be a short subject
label, not a placeholder copied from a prompt ("level 1 name"), not a
sentence, not the opening words of its chunk, at most
:data:`~memoir_ai.llm.schemas.MAX_CATEGORY_NAME_LENGTH` characters, without
sentence punctuation. The first answer that breaks a rule is sent back once
with the reasons (:class:`pydantic_ai.ModelRetry`); what is still wrong after
that is repaired by :func:`shorten_name`, deterministically, so a small model
cannot fail an ingestion over a name. Names that already exist in the tree
are the tree's own and are never touched.

**Source descriptions** (every helper call): an author or a date that appears
neither in the text shown nor in the source's names was invented; it is
replaced by ``unknown`` and flagged in the log and in the call's record.

Both read the typed inputs the request carries (see :mod:`~memoir_ai.llm.inputs`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from memoir_ai.llm import inputs as typed
from memoir_ai.llm.schemas import MAX_CATEGORY_NAME_LENGTH, GeneratedHelper

if TYPE_CHECKING:
    from pydantic_ai import RunContext

__all__ = [
    "MAX_NAME_WORDS",
    "check_category_names",
    "check_helper",
    "invented_facts",
    "name_problems",
    "shorten_name",
]

logger = logging.getLogger(__name__)

OutputT = TypeVar("OutputT", bound=BaseModel)

MAX_NAME_WORDS = 4
SENTENCE_WORDS = 6  # a "name" this long is a sentence, whatever its punctuation
COPY_MIN_WORDS = 3
UNKNOWN = "unknown"
FALLBACK_NAME = "General"
_SENTENCE_PUNCTUATION = re.compile(r"[.!?;:\n]")
_TRIM = " \t\"'`*#_-–—,/\\()[]{}<>"
_PLACEHOLDER = re.compile(
    r"^(?:(?:sub[- ]?)?(?:level|category|name|topic|title|label|path)"
    r"(?:\s*(?:\d+|n|x))?(?:\s+name)?|example|placeholder|n/?a|tbd|none|null|x{2,}|\W*)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"\d{4}")


def name_problems(name: str, chunk_text: str | None = None) -> list[str]:
    """What is wrong with ``name`` as the category of ``chunk_text`` (empty when nothing)."""
    text = " ".join(name.split())
    if not text:
        return []  # no name at all: the pipeline sends that chunk again, alone
    if _PLACEHOLDER.match(text):
        return ["is a placeholder, not a name for what the chunk is about"]
    problems = []
    if len(text) > MAX_CATEGORY_NAME_LENGTH:
        problems.append(f"has {len(text)} characters, more than {MAX_CATEGORY_NAME_LENGTH}")
    if len(text.split()) >= SENTENCE_WORDS:
        problems.append(f"is {len(text.split())} words long: a sentence, not a short name")
    if _SENTENCE_PUNCTUATION.search(text):
        problems.append("contains sentence punctuation (. ! ? ; :)")
    if ">" in text:
        problems.append("contains '>', which separates the names of a path: give one name")
    if chunk_text is not None and _copies_opening(text, chunk_text):
        problems.append("copies the first words of the chunk")
    return problems


def shorten_name(name: str, chunk_text: str | None = None) -> str:
    """A valid name made from ``name`` without asking the model again (deterministic).

    Of a path (``"Science > Physics"``) keeps the last name; of that, what comes
    before the first sentence punctuation, at most
    :data:`MAX_NAME_WORDS` words within the length limit. A placeholder, or a
    copy of the chunk's opening, becomes the chunk's two most telling words.
    """
    text = " ".join(name.split(">")[-1].split()).strip(_TRIM)  # a path: its last name
    head = _SENTENCE_PUNCTUATION.split(text, 1)[0].strip(_TRIM) or text
    words = [word.strip(_TRIM) for word in head.split()]
    words = [word for word in words if word and not _SENTENCE_PUNCTUATION.search(word)]
    words = words[:MAX_NAME_WORDS]
    while len(words) > 1 and len(" ".join(words)) > MAX_CATEGORY_NAME_LENGTH:
        words.pop()
    short = " ".join(words)[:MAX_CATEGORY_NAME_LENGTH].strip(_TRIM)
    copied = chunk_text is not None and _copies_opening(short, chunk_text)
    if not short or _PLACEHOLDER.match(short) or copied:
        short = _keyword_name(chunk_text or "")
    return short


def check_category_names(ctx: RunContext[None], output: OutputT) -> OutputT:
    """Output validator of classification calls (see the module docstring)."""
    from pydantic_ai import ModelRetry

    from memoir_ai.llm._guard import current_meter

    found = typed.request_inputs(ctx.messages)
    texts, existing = _chunk_texts(found)
    chunks = getattr(output, "chunks", [])
    reasons = []
    for item in chunks:
        for name in _names_of(item):
            problems = [] if name in existing else name_problems(name, texts.get(item.id))
            if problems:
                reasons.append(f"chunk {item.id}: {name!r} {' and '.join(problems)}")
    if not reasons:
        return output
    meter = current_meter()
    if meter is not None and not meter.names_sent_back and ctx.retry < ctx.max_retries:
        meter.names_sent_back = True
        raise ModelRetry(
            "Some category names break the naming rules: "
            + "; ".join(reasons)
            + f". A category name is a short noun phrase of 1 to {MAX_NAME_WORDS} words naming "
            f"a subject, at most {MAX_CATEGORY_NAME_LENGTH} characters, without . ! ? ; or :. "
            "Answer again for every chunk."
        )
    repaired = [_repaired(item, texts.get(item.id), existing) for item in chunks]
    for reason in reasons:
        _note(f"category name shortened: {reason}")
    return output.model_copy(update={"chunks": repaired})


def invented_facts(helper: GeneratedHelper, found: typed.HelperInputs) -> dict[str, str]:
    """The fields of ``helper`` (author, date) whose value the text and names do not state."""
    haystack = " ".join(
        [found.excerpt, found.source_id, found.file_name or "", found.title or "", *found.headers]
    ).casefold()
    words = set(_WORD.findall(haystack))
    invented = {}
    author = helper.author.strip()
    if not _is_unknown(author):
        significant = [word for word in _WORD.findall(author.casefold()) if len(word) >= 3]
        if significant and not any(word in words for word in significant):
            invented["author"] = f"author {author!r} appears neither in the text nor in its names"
    date = helper.date.strip()
    if not _is_unknown(date):
        years = _YEAR.findall(date)
        if not years or any(year not in haystack for year in years):
            invented["date"] = f"date {date!r} appears neither in the text nor in its names"
    return invented


def check_helper(ctx: RunContext[None], output: GeneratedHelper) -> GeneratedHelper:
    """Output validator of helper calls: replace and flag an invented author or date."""
    found = typed.request_inputs(ctx.messages)
    if not isinstance(found, typed.HelperInputs):
        return output
    invented = invented_facts(output, found)
    for problem in invented.values():
        _note(f"helper of {found.source_id!r}: {problem}; replaced by {UNKNOWN!r}")
    if not invented:
        return output
    return output.model_copy(update=dict.fromkeys(invented, UNKNOWN))


def _repaired(item: Any, chunk_text: str | None, existing: set[str]) -> Any:
    def fix(name: str) -> str:
        if name in existing or not name_problems(name, chunk_text):
            return name
        return shorten_name(name, chunk_text)

    if hasattr(item, "category"):
        return item.model_copy(update={"category": fix(item.category)})
    return item.model_copy(update={"path": [fix(name) for name in item.path]})


def _names_of(item: Any) -> Iterable[str]:
    if hasattr(item, "category"):
        return [item.category]
    return list(getattr(item, "path", []))


def _chunk_texts(found: typed.PromptInputs | None) -> tuple[dict[int, str], set[str]]:
    if isinstance(found, typed.ClassificationInputs):
        return {chunk.id: chunk.text for chunk in found.chunks}, set(found.existing)
    if isinstance(found, typed.PathClassificationInputs):
        names = {name for path in found.tree for name in path}
        return {chunk.id: chunk.text for chunk in found.chunks}, names
    return {}, set()


def _copies_opening(name: str, chunk_text: str) -> bool:
    """Whether ``name`` is the start of the chunk's first sentence (not its whole heading)."""
    words = _WORD.findall(name.casefold())
    first_line = chunk_text.strip().lstrip("#").strip().split("\n", 1)[0]
    opening = _WORD.findall(first_line.casefold())
    if len(words) < COPY_MIN_WORDS or len(opening) <= len(words):
        return False  # a heading of its own is a fine name
    return opening[: len(words)] == words


def _keyword_name(chunk_text: str) -> str:
    from memoir_ai.llm import _lexical as lexical

    weights = lexical.profile(chunk_text)
    stems = weights.top(2)
    if not stems:
        return FALLBACK_NAME
    return " & ".join(weights.spelling(stem).capitalize() for stem in stems)


def _is_unknown(value: str) -> bool:
    return value.casefold().strip(" .") in {"", UNKNOWN, "n/a", "none", "not stated"}


def _note(text: str) -> None:
    from memoir_ai.llm._guard import current_meter

    logger.warning("%s", text)
    meter = current_meter()
    if meter is not None:
        meter.notes.append(text)
