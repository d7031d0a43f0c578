"""Contextual helpers: the short paragraph that says what a source is.

A helper is built once per source and put into every classification and query
prompt about that source. This module holds the parts that need no model and
no database: finding a title and headers, choosing the excerpt an LLM sees,
checking the fields a user types, composing their text, and keeping any helper
within :data:`HELPER_MAX_TOKENS`.

How the 300-token ceiling is enforced: a user-composed helper is checked before
it is shown (its description is capped at 200 tokens, the fixed fields are
short) and :func:`fit_to_tokens` trims anything longer at a sentence or word
boundary; a generated helper goes through the same :func:`fit_to_tokens`
after the model answers, so no stored helper can exceed the ceiling whatever
a model returns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from pydantic import BaseModel, ConfigDict

from memoir_ai.errors import ValidationError

__all__ = [
    "DESCRIPTION_MAX_TOKENS",
    "HELPER_MAX_TOKENS",
    "SAMPLE_MAX_CHUNKS",
    "SAMPLE_MAX_TOKENS",
    "UNKNOWN",
    "HelperFields",
    "SourceSample",
    "check_helper_text",
    "compose_helper",
    "detect_headers",
    "detect_title",
    "fit_to_tokens",
    "join_chunks",
    "parse_helper_date",
    "sample_source",
    "validate_helper_fields",
]

TokenCount = Callable[[str], int]

HELPER_MAX_TOKENS = 300
DESCRIPTION_MAX_TOKENS = 200
SAMPLE_MAX_CHUNKS = 5
SAMPLE_MAX_TOKENS = 2000
UNKNOWN = "unknown"
FIELD_MAX_CHARS = 200

_ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_TITLE_LINE = re.compile(r"^\s*title\s*:\s*(.+?)\s*$", re.IGNORECASE)
# Western sentence ends need a space after them; CJK full stops do not.
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)|[。！？]")


class HelperFields(BaseModel):
    """What a user says about a source; any field may be ``unknown`` (unknown keys refused)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    author: str = UNKNOWN
    date: str = UNKNOWN
    topic: str = UNKNOWN
    description: str = UNKNOWN
    title: str | None = None


@dataclass(frozen=True)
class SourceSample:
    """What a model sees to write a helper: names, headers and the opening excerpt."""

    source_id: str
    file_name: str | None
    title: str | None
    headers: list[str] = field(default_factory=list)
    excerpt: str = ""
    excerpt_tokens: int = 0
    excerpt_chunks: int = 0


def detect_title(text: str, file_name: str | None = None) -> str | None:
    """Find a source's title: a ``Title:`` line, the first heading, else the file name."""
    for line in text.splitlines()[:20]:
        match = _TITLE_LINE.match(line)
        if match:
            return match.group(1)
    headers = detect_headers(text, limit=1)
    if headers:
        return headers[0]
    if file_name:
        stem = PurePath(file_name).stem
        words = re.sub(r"[_\-.]+", " ", stem).strip()
        return words or None
    return None


def detect_headers(text: str, limit: int = 12) -> list[str]:
    """Return up to ``limit`` markdown headings (ATX ``#`` or setext underlined), in order."""
    headers: list[str] = []
    lines = text.splitlines()
    in_fence = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        atx = _ATX_HEADING.match(line)
        if atx:
            headers.append(atx.group(2))
        elif (
            index + 1 < len(lines)
            and line.strip()
            and _SETEXT_UNDERLINE.match(lines[index + 1])
            and (index == 0 or not lines[index - 1].strip())
        ):
            headers.append(line.strip())
        if len(headers) >= limit:
            break
    return headers


def sample_source(
    chunks: Sequence[str],
    *,
    source_id: str,
    count_tokens: TokenCount,
    full_text: str | None = None,
    file_name: str | None = None,
    title: str | None = None,
    max_chunks: int = SAMPLE_MAX_CHUNKS,
    max_tokens: int = SAMPLE_MAX_TOKENS,
) -> SourceSample:
    """Choose the opening of a source for helper generation.

    The excerpt is the first ``max_chunks`` chunks or the first ``max_tokens``
    tokens, whichever is smaller; a chunk that would cross the token limit is
    cut at a word boundary so the limit holds. The title is ``title`` when
    given, else one found in the text (or made from ``file_name``).
    """
    text = full_text if full_text is not None else join_chunks(chunks)
    parts: list[str] = []
    used = 0
    for chunk in chunks[:max_chunks]:
        tokens = count_tokens(chunk)
        if used + tokens > max_tokens:
            remainder = fit_to_tokens(chunk, max_tokens - used, count_tokens)
            if remainder:
                parts.append(remainder)
                used += count_tokens(remainder)
            break
        parts.append(chunk)
        used += tokens
    return SourceSample(
        source_id=source_id,
        file_name=file_name,
        title=title if title is not None and title.strip() else detect_title(text, file_name),
        headers=detect_headers(text),
        excerpt=join_chunks(parts),
        excerpt_tokens=used,
        excerpt_chunks=len(parts),
    )


def join_chunks(chunks: Sequence[str]) -> str:
    """Rejoin consecutive chunks: as they are when they keep their own whitespace.

    The chunker's chunks are exact slices of the source, separators included,
    so they are concatenated unchanged; a chunk that was stripped (no
    whitespace at its end nor at the next one's start) is separated by a blank
    line instead, so words of two chunks never run together.
    """
    joined: list[str] = []
    for chunk in chunks:
        if joined and not (joined[-1][-1:].isspace() or chunk[:1].isspace()):
            joined.append("\n\n")
        if chunk:
            joined.append(chunk)
    return "".join(joined)


def parse_helper_date(value: str) -> str:
    """Normalise a user's date to ISO 8601, or ``unknown``; raise ValidationError otherwise."""
    cleaned = value.strip()
    if cleaned.lower() == UNKNOWN:
        return UNKNOWN
    for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
        try:
            return parse(cleaned).isoformat()
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}(-\d{2})?", cleaned):
        year, _, month = cleaned.partition("-")
        if not month or 1 <= int(month) <= 12:
            return cleaned  # ISO 8601 reduced precision: a year, or a year and month
    raise ValidationError(
        f"{value!r} is not an ISO 8601 date.",
        remedy="type it as YYYY-MM-DD (or YYYY-MM, YYYY), or 'unknown'.",
    )


def validate_helper_fields(fields: HelperFields, count_tokens: TokenCount) -> HelperFields:
    """Check and normalise user-provided fields; raise ValidationError naming the field."""
    for name in ("author", "topic", "title"):
        value = getattr(fields, name)
        if value is not None and len(value) > FIELD_MAX_CHARS:
            raise ValidationError(
                f"The {name} is {len(value)} characters long.",
                remedy=(
                    f"keep it under {FIELD_MAX_CHARS} characters; put detail in the description."
                ),
            )
    description_tokens = count_tokens(fields.description)
    if description_tokens > DESCRIPTION_MAX_TOKENS:
        raise ValidationError(
            f"The description is {description_tokens} tokens long.",
            remedy=f"shorten it to at most {DESCRIPTION_MAX_TOKENS} tokens.",
        )
    return HelperFields(
        author=_or_unknown(fields.author),
        date=parse_helper_date(fields.date),
        topic=_or_unknown(fields.topic),
        description=_or_unknown(fields.description),
        title=fields.title.strip() if fields.title and fields.title.strip() else None,
    )


def compose_helper(fields: HelperFields, count_tokens: TokenCount) -> str:
    """Write a helper paragraph from user fields, within :data:`HELPER_MAX_TOKENS`."""
    lines = []
    if fields.title:
        lines.append(f"Title: {fields.title}.")
    lines.append(f"Author: {fields.author}. Date: {fields.date}. Topic: {fields.topic}.")
    if fields.description != UNKNOWN:
        lines.append(fields.description)
    return fit_to_tokens(" ".join(lines), HELPER_MAX_TOKENS, count_tokens)


def check_helper_text(text: str, count_tokens: TokenCount) -> tuple[str, int]:
    """Check a finished helper text a caller supplies: return it stripped, with its tokens.

    Raises:
        ValidationError: the text is empty or over :data:`HELPER_MAX_TOKENS`.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError(
            "The contextual helper is empty.",
            remedy="write a short paragraph saying what the source is, or pass HelperFields.",
        )
    tokens = count_tokens(cleaned)
    if tokens > HELPER_MAX_TOKENS:
        raise ValidationError(
            f"The contextual helper is {tokens} tokens long.",
            remedy=f"shorten it to at most {HELPER_MAX_TOKENS} tokens, one paragraph saying "
            "what the source is.",
        )
    return cleaned, tokens


def fit_to_tokens(text: str, max_tokens: int, count_tokens: TokenCount) -> str:
    """Return ``text`` unchanged if it fits, else its longest prefix that does.

    The cut falls after the last whole sentence that fits, else after the last
    whole word; the result never exceeds ``max_tokens`` by the same counter.
    """
    text = text.strip()
    if max_tokens <= 0:
        return ""
    if count_tokens(text) <= max_tokens:
        return text
    # Binary search on characters for the longest fitting prefix, then back off
    # to a sentence or word boundary inside it.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if count_tokens(text[:middle]) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    prefix = text[:low]
    sentence_ends = [match.end() for match in _SENTENCE_END.finditer(prefix)]
    if sentence_ends and sentence_ends[-1] >= len(prefix) // 2:
        return prefix[: sentence_ends[-1]].strip()
    space = prefix.rfind(" ")
    if space > 0:
        return prefix[:space].rstrip()
    return prefix


def _or_unknown(value: str) -> str:
    cleaned = " ".join(value.split())
    return cleaned or UNKNOWN
