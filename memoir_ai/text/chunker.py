r"""TextChunker: cut a text into token-sized chunks that cover it exactly.

Guarantees, for any non-blank text (``tests/unit/test_chunker_properties.py`` checks each):

- the chunks cover the text in order: ``text[c.start_offset:c.end_offset] == c.content``,
  the first starts at 0, each starts where the previous ended, the last ends at
  ``len(text)``; whitespace between sentences belongs to a chunk like any other text;
- ``token_count`` is the exact count of the chunk's own text, never above ``max_tokens``;
- only the last chunk may have fewer than ``min_tokens`` (a text shorter than the
  minimum is one chunk, with a warning);
- a chunk ends at a paragraph break or delimiter whenever one lies where the chunk may end
  (between ``min_tokens`` and ``max_tokens``), preferring paragraph breaks so that a
  paragraph that fits stays whole; failing that, between words; inside a word only when
  the allowed range has no whitespace at all, and then never inside a code point nor
  between ``\r\n``, and inside a user-perceived character (see
  :func:`memoir_ai.text._cuts.is_grapheme_boundary`) only when no cut between whole
  characters gives a chunk within the limits (an emoji sequence longer than the gap
  between the limits).

Speed: the text is encoded once, into a compact array of token end offsets (8 bytes a
token, no Python object per token); a chunk's count is the difference of two token
indexes found by bisection, corrected by re-encoding only the few characters between each
cut and its nearest clean point (see :mod:`memoir_ai.text._cuts`). Paragraph breaks and
delimiters are searched from the far end of each chunk's window, so most of the text is
never scanned twice. ``make bench`` compares the time and peak memory with one raw encode.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from memoir_ai.config import OFFLINE_MODEL
from memoir_ai.errors import ConfigurationError, ValidationError
from memoir_ai.text._cuts import (
    DEFAULT_DELIMITERS,
    CutFinder,
    CutKind,
    is_clean_point,
    is_grapheme_boundary,
    is_line_start,
    next_clean_point,
    previous_clean_point,
    word_cuts,
)
from memoir_ai.text.tokens import TokenCounter, get_token_counter

__all__ = ["DEFAULT_DELIMITERS", "CutKind", "TextChunk", "TextChunker"]

logger = logging.getLogger(__name__)

# How far (in tokens) a cut's estimated count may differ from its exact count; candidates
# this close to the limits are checked exactly.
_SLACK = 8


@dataclass(frozen=True, slots=True)
class TextChunk:
    """A piece of a source text, with its exact token count and where it lies in the source."""

    content: str
    token_count: int
    start_offset: int
    end_offset: int
    position: int
    source_id: str | None = None
    boundary: CutKind = "end"
    metadata: dict[str, str | int] = field(default_factory=dict)


class TextChunker:
    """Cuts texts into chunks of ``min_tokens`` to ``max_tokens`` tokens of ``model_name``."""

    def __init__(
        self,
        min_tokens: int = 300,
        max_tokens: int = 500,
        delimiters: Sequence[str] = DEFAULT_DELIMITERS,
        model_name: str = OFFLINE_MODEL,
    ) -> None:
        """Check the limits and delimiters; the tokenizer loads on the first text."""
        _check_limits(min_tokens, max_tokens)
        if isinstance(delimiters, str) or not all(isinstance(d, str) and d for d in delimiters):
            raise ConfigurationError(
                f"delimiters must be a list of non-empty strings, got {delimiters!r}.",
                remedy='pass e.g. [".", "!", "?", "\\n"], or omit it for the default.',
            )
        self.min_tokens = min_tokens
        self.max_tokens = max_tokens
        self.delimiters = tuple(delimiters)
        self.model_name = model_name
        self._finder = CutFinder(self.delimiters)

    @property
    def counter(self) -> TokenCounter:
        """The token counter of the configured model."""
        return get_token_counter(self.model_name)

    def chunk_text(self, content: str, source_id: str | None = None) -> list[TextChunk]:
        """Cut ``content`` into chunks (see the module docstring for the guarantees)."""
        if not content or content.isspace():  # no stripped copy of a long text
            raise ValidationError(
                "Cannot chunk empty text." if not content else "Cannot chunk whitespace-only text.",
                remedy="pass text that contains at least one non-whitespace character.",
            )
        plan = _ChunkPlan(self, content)
        cuts = plan.cuts()
        chunks: list[TextChunk] = []
        start = 0
        for index, (end, kind, tokens) in enumerate(cuts):
            chunks.append(
                TextChunk(
                    content=content[start:end],
                    token_count=tokens,
                    start_offset=start,
                    end_offset=end,
                    position=index,
                    source_id=source_id,
                    boundary=kind,
                    metadata={"position": index, "chunk_count": len(cuts), "boundary": kind},
                )
            )
            start = end
        if len(chunks) == 1 and chunks[0].token_count < self.min_tokens:
            logger.warning(
                "Text%s has %d tokens, fewer than the minimum chunk size of %d; "
                "keeping it as one chunk.",
                f" {source_id!r}" if source_id else "",
                chunks[0].token_count,
                self.min_tokens,
            )
        return chunks


def _check_limits(min_tokens: int, max_tokens: int) -> None:
    for name, value in (("min_tokens", min_tokens), ("max_tokens", max_tokens)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigurationError(
                f"{name} must be a positive whole number of tokens, got {value!r}.",
                remedy="use e.g. min_tokens=300, max_tokens=500 (the defaults).",
            )
    if min_tokens >= max_tokens:
        raise ConfigurationError(
            f"min_tokens ({min_tokens}) must be smaller than max_tokens ({max_tokens}).",
            remedy="raise max_tokens or lower min_tokens.",
        )


class _ChunkPlan:
    """The cuts of one text, chosen from a single encode of it."""

    def __init__(self, chunker: TextChunker, text: str) -> None:
        self.text = text
        self.length = len(text)
        self.min = chunker.min_tokens
        self.max = chunker.max_tokens
        self.finder = chunker._finder
        tokenizer = chunker.counter.tokenizer
        self.count = tokenizer.count
        self.additive = tokenizer.splits_before_spaces
        try:
            self.ends = tokenizer.token_end_offsets(text)
        except UnicodeEncodeError as exc:
            raise ValidationError(
                f"Cannot chunk text holding the surrogate code point {text[exc.start]!r} "
                f"at offset {exc.start}: it is not Unicode text, and no tokenizer or "
                "database takes it.",
                remedy="decode the source as UTF-8 (with errors='replace' to keep going "
                "past bad bytes), or remove the unpaired surrogates.",
            ) from exc
        self.total = len(self.ends)

    def index(self, offset: int) -> int:
        """Tokens of the whole text that end at or before ``offset``."""
        return bisect_right(self.ends, offset)

    def exact(self, start: int, end: int) -> int:
        """The exact token count of ``text[start:end]``, re-encoding as little as possible.

        Between two clean points (or from a line start to a clean point) the count is the
        difference of the whole text's token indexes; only the characters from ``start``
        to the first clean point and from the last clean point to ``end`` (usually one
        word each) are encoded again.
        """
        text = self.text
        if not self.additive:
            return self.count(text[start:end])
        if start == 0 or is_clean_point(text, start) or is_line_start(text, start):
            left: int | None = start
        else:
            left = next_clean_point(text, start, end)
        if end == self.length or is_clean_point(text, end):
            right: int | None = end
        elif left is not None:
            right = previous_clean_point(text, left - 1, end)
        else:
            right = None
        if left is None or right is None or right < left:
            return self.count(text[start:end])
        ends = self.ends
        tokens = bisect_right(ends, right) - bisect_right(ends, left)
        if left != start:
            tokens += self.count(text[start:left])
        if right != end:
            tokens += self.count(text[right:end])
        return tokens

    def cuts(self) -> list[tuple[int, CutKind, int]]:
        """Every chunk end with its kind and exact token count, in order."""
        cuts: list[tuple[int, CutKind, int]] = []
        start = 0
        while start < self.length:
            end, kind, tokens = self._next_cut(start)
            cuts.append((end, kind, tokens))
            start = end
        return cuts

    def _offset_of_token(self, count: int) -> int:
        """The offset where the ``count``-th token of the whole text ends (clamped)."""
        if count <= 0:
            return 0
        return self.ends[min(count, self.total) - 1]

    def _next_cut(self, start: int) -> tuple[int, CutKind, int]:
        first = self.index(start)
        if self.total - first <= self.max + _SLACK:
            rest = self.exact(start, self.length)
            if rest <= self.max:
                return self.length, "end", rest
        low = max(start, self._offset_of_token(first + self.min - _SLACK - 1))
        high = self._offset_of_token(first + self.max + _SLACK)
        found = self._delimiter_cut(start, first, low, high)
        if found is None:
            found = self._word_cut(start, first, low, high)
        return found if found is not None else self._token_cut(start, first)

    def _delimiter_cut(
        self, start: int, first: int, low: int, high: int
    ) -> tuple[int, CutKind, int] | None:
        """The latest paragraph break that fits, else the latest delimiter that fits."""
        near_end = self.total - first <= self.max + self.min + _SLACK
        finder, text = self.finder, self.text
        # Paragraph breaks are found lazily from the far end: usually the first one fits.
        paragraphs: Iterable[int] = (
            offset
            for offset, is_paragraph in finder.iter_line_break_cuts(text, low, high)
            if is_paragraph
        )
        if near_end:
            paragraphs = list(paragraphs)
        found, _ = self._latest_fitting(start, first, paragraphs, near_end)
        if found is not None:
            return found[0], "paragraph", found[1]
        line_cuts = (
            [offset for offset, _ in finder.line_break_cuts(text, low, high)]
            if finder.line_breaks_delimit
            else []
        )
        # Scan from the far end in slices: the latest fitting delimiter is usually in the
        # last one, so most of the window is never scanned. Near the end of the text the
        # whole window is needed to prefer cuts that leave a full-sized last chunk.
        step = high - low if near_end else max(256, (high - low) // 4)
        scan_end = high
        while scan_end > low:
            scan_start = max(low, scan_end - step)
            offsets = finder.delimiter_cuts(text, scan_start, scan_end, high)
            offsets += [o for o in line_cuts if scan_start < o <= scan_end]
            offsets.sort(reverse=True)
            found, exhausted = self._latest_fitting(start, first, offsets, near_end)
            if found is not None:
                return found[0], "delimiter", found[1]
            if exhausted:
                return None
            scan_end = scan_start
        return None

    def _latest_fitting(
        self, start: int, first: int, offsets: Iterable[int], near_end: bool
    ) -> tuple[tuple[int, int] | None, bool]:
        """The latest (offset, tokens) whose chunk fits, from offsets given latest first.

        Also says whether the offsets reached below the minimum (no earlier one can fit).
        ``offsets`` is read once unless ``near_end``, when it must be a list.
        """
        ends, length, low, high = self.ends, self.length, self.min, self.max
        # Every offset lies after the chunk's first token; an index past ``bound`` is too
        # many tokens whatever its exact value, so the search stops there.
        bound = min(self.total, first + high + _SLACK + 1)
        last: int | None = None
        for keep_tail in (True, False) if near_end else (False,):
            for offset in offsets:
                last = offset
                estimate = bisect_right(ends, offset, first, bound) - first
                if offset >= length or offset <= start or estimate > high + _SLACK:
                    continue
                if estimate < low - _SLACK:
                    if not near_end:
                        return None, True
                    break
                if keep_tail and self.total - first - estimate < low:
                    continue
                tokens = self.exact(start, offset)
                if low <= tokens <= high:
                    return (offset, tokens), False
        exhausted = last is not None and bisect_right(ends, last) - first < low - _SLACK
        return None, exhausted

    def _word_cut(
        self, start: int, first: int, low: int, high: int
    ) -> tuple[int, CutKind, int] | None:
        offsets = [
            offset
            for offset in word_cuts(self.text, low - 1, high + 1)
            if start < offset < self.length
        ]
        for offset in reversed(offsets):
            if self.index(offset) - first > self.max + _SLACK:
                continue
            tokens = self.exact(start, offset)
            if tokens < self.min:
                break
            if tokens <= self.max:
                return offset, "word", tokens
        return None

    def _token_cut(self, start: int, first: int) -> tuple[int, CutKind, int]:
        """Inside a word: the latest token boundary that fits, keeping characters whole.

        A user-perceived character (an emoji sequence, a letter with its accents) is split
        between code points only when no cut that keeps characters whole gives a chunk
        within the limits; a chunk falls short of ``min_tokens`` only when nothing fits.
        """
        found = self._latest_token_boundary(start, first, True, True)
        if found is None:  # rare: emoji sequences or scripts packed tighter than the limits
            found = self._latest_grapheme_boundary(start, first)
        if found is None:
            found = self._latest_token_boundary(start, first, False, True)
        if found is None:
            found = self._latest_token_boundary(start, first, True, False)
        if found is not None:
            return found
        # Only a single code point longer than max_tokens gets here: emit it rather than fail.
        end = start + 1
        if self.text[start:end] == "\r" and self.text[end : end + 1] == "\n":
            end += 1
        return end, "token", self.exact(start, end)

    def _latest_token_boundary(
        self, start: int, first: int, whole_graphemes: bool, at_least_min: bool
    ) -> tuple[int, CutKind, int] | None:
        count = min(first + self.max, self.total - 1)
        overshot: int | None = None  # the lowest count found above max_tokens
        while count > first:
            count = self._boundary_at_or_before(count, first, start, whole_graphemes)
            if count <= first:
                return None
            offset = self.ends[count - 1]
            tokens = self.exact(start, offset)
            if tokens > self.max:
                overshot = count
                count -= max(1, tokens - self.max)
                continue
            if tokens >= self.min or not at_least_min:
                return offset, "token", tokens
            # Counts are not monotonic (a longer word can take fewer tokens): look at each
            # boundary skipped over, then a little below, before giving up on the minimum.
            return self._scan_down(start, (overshot or count + 1) - 1, first, whole_graphemes)
        return None

    def _latest_grapheme_boundary(self, start: int, first: int) -> tuple[int, CutKind, int] | None:
        """Any character boundary (not only the whole text's token ends) that fits."""
        high = self._offset_of_token(first + self.max + _SLACK)
        low = max(start, self._offset_of_token(first + self.min - _SLACK - 1))
        for offset in range(min(high, self.length - 1), low, -1):
            if is_grapheme_boundary(self.text, offset):
                tokens = self.exact(start, offset)
                if self.min <= tokens <= self.max:
                    return offset, "token", tokens
        return None

    def _scan_down(
        self, start: int, count: int, first: int, whole_graphemes: bool
    ) -> tuple[int, CutKind, int] | None:
        while count - first >= self.min - _SLACK:
            count = self._boundary_at_or_before(count, first, start, whole_graphemes)
            if count <= first:
                return None
            offset = self.ends[count - 1]
            tokens = self.exact(start, offset)
            if self.min <= tokens <= self.max:
                return offset, "token", tokens
            count -= 1
        return None

    def _boundary_at_or_before(
        self, count: int, first: int, start: int, whole_graphemes: bool
    ) -> int:
        """The largest token count <= ``count`` that ends on a character (grapheme) boundary."""
        ends, text = self.ends, self.text
        while count > first:
            offset = ends[count - 1]
            on_character = count == self.total or ends[count] != offset
            if (
                on_character
                and start < offset < self.length
                and (not whole_graphemes or is_grapheme_boundary(text, offset))
            ):
                return count
            count -= 1
        return count
