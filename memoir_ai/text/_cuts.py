r"""Where a text may be cut: delimiters, paragraph breaks, word boundaries, grapheme boundaries.

Cut placement follows how tokenizers read text. A space belongs to the word after it
(`` The`` is one token), so after a sentence end the cut goes *before* the spaces; line
breaks close the line they end, so the cut goes *after* the last line break of a
whitespace run (never between ``\r`` and ``\n``).

A *clean point* is a position between a non-space character and a horizontal space. For
GPT-style tokenizers (every tiktoken encoding, the Claude tokenizer) the text is first cut
into pieces by a regex whose pieces never run from a non-space character into a
following space, and whose only look-ahead, ``\s+(?!\S)``, cannot end at such a position;
every piece is then encoded on its own. So a clean point is a piece boundary in any
string that contains it, and token counts add up exactly across it:
``count(x + y) == count(x) + count(y)`` when ``x`` ends with a non-space and ``y`` starts
with a horizontal space. The chunker relies on this to count chunks from one encode of
the whole text, re-encoding only the few characters between a cut and its nearest
clean point.

A *line start* — after ``\r`` or ``\n``, before a character that is neither white space
nor ``/`` — is a piece boundary in the same way for text that *begins* there: no piece of
these regexes holds a line break followed by a non-space (pieces with line breaks are
white space, or end in line breaks; only o200k's punctuation piece may go on with
``/``), and nothing after the position depends on what came before it. So the tokens of
a chunk that begins at a line start are those of the whole text from there on. Its end
is another matter (``x.\n\n`` alone ends in one white-space piece, ``x.\n\nThe`` in two,
for the GPT-2 regex), so only clean points serve as ends.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Literal

__all__ = [
    "DEFAULT_DELIMITERS",
    "CutFinder",
    "CutKind",
    "WHITE_SPACE",
    "is_clean_point",
    "is_grapheme_boundary",
    "is_line_start",
    "next_clean_point",
    "previous_clean_point",
]

CutKind = Literal["paragraph", "delimiter", "word", "token", "end"]

# Unicode White_Space, which tokenizer regexes mean by \s (str.isspace() also accepts
# \x1c-\x1f, which tokenizers treat as punctuation).
WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WS = "".join(sorted(WHITE_SPACE)).replace("\r", "\\r").replace("\n", "\\n")
_HORIZONTAL = _WS.replace("\\r", "").replace("\\n", "")
_LINE_BREAK = r"(?:\r\n|\r|\n)"

# Sentence ends in Latin, CJK and other scripts, then line breaks.
DEFAULT_DELIMITERS: tuple[str, ...] = (".", "!", "?", "…", "。", "！", "？", "\n")
# Closing quotes and brackets stay with the sentence they close.
_CLOSERS = "\"'”’»)]}」』）】"

_LINE_BREAK_RUN = re.compile(f"[{_HORIZONTAL}]*{_LINE_BREAK}(?:[{_HORIZONTAL}]*{_LINE_BREAK})*")
_WORD_BOUNDARY = re.compile(f"(?<=[^{_WS}])[{_WS}]")


class CutFinder:
    """Finds the cuts of a text allowed by a set of delimiters."""

    def __init__(self, delimiters: Sequence[str]) -> None:
        """Compile the delimiters; those made only of line breaks select line-break cuts."""
        self.line_breaks_delimit = any(not d.strip("\r\n") for d in delimiters)
        text_delimiters = sorted({d for d in delimiters if d.strip("\r\n")}, key=len, reverse=True)
        # A delimiter written without a following space (CJK punctuation, or one that ends
        # in whitespace itself) may be cut right after; an ASCII one like "." must be
        # followed by whitespace or the end, so "3.14" and "e.g.x" are not cut.
        self._self_delimiting = frozenset(
            d for d in text_delimiters if not d.isascii() or d[-1] in WHITE_SPACE
        )
        self._text_pattern = (
            re.compile(
                "(" + "|".join(re.escape(d) for d in text_delimiters) + f")[{re.escape(_CLOSERS)}]*"
            )
            if text_delimiters
            else None
        )

    def line_break_cuts(self, text: str, low: int, high: int) -> list[tuple[int, bool]]:
        """Cuts after line-break runs in ``(low, high]``, latest first: (offset, is_paragraph).

        A run is the whitespace around consecutive line breaks; the cut goes after its last
        line break, and two or more line breaks make it a paragraph break.
        """
        return list(self.iter_line_break_cuts(text, low, high))

    def iter_line_break_cuts(self, text: str, low: int, high: int) -> Iterator[tuple[int, bool]]:
        """:meth:`line_break_cuts` found lazily from ``high`` down, for callers that stop early."""
        length = len(text)
        search_end = min(high, length)
        carriage_returns = text.find("\r", low, search_end) >= 0
        spaces = WHITE_SPACE
        while True:
            position = text.rfind("\n", low, search_end)
            if carriage_returns:
                position = max(position, text.rfind("\r", low, search_end))
            if position < 0:
                return
            run_start, run_end = position, position + 1
            while run_start > 0 and text[run_start - 1] in spaces:
                run_start -= 1
            while run_end < length and text[run_end] in spaces:
                run_end += 1
            run = text[run_start:run_end]
            if "\r" in run:  # the run may reach past the window, so look at it whole
                last_break = max(run.rfind("\n"), run.rfind("\r"))
                breaks = run.count("\n") + run.count("\r") - run.count("\r\n")
            else:
                last_break = run.rfind("\n")
                breaks = run.count("\n")
            offset = run_start + last_break + 1
            if low < offset <= high:
                yield offset, breaks >= 2
            if run_start <= low:
                return
            search_end = run_start

    def delimiter_cuts(self, text: str, scan_start: int, scan_end: int, limit: int) -> list[int]:
        """Cuts after text delimiters that start in ``[scan_start, scan_end)``, up to ``limit``."""
        if self._text_pattern is None:
            return []
        cuts = []
        length = len(text)
        for match in self._text_pattern.finditer(text, scan_start, scan_end):
            offset = match.end()
            if offset < length and text[offset] not in WHITE_SPACE:
                if match.group(1) not in self._self_delimiting:
                    continue
            elif offset < length:
                # Followed by a line break: cut after it, where a line-break cut would be.
                run = _LINE_BREAK_RUN.match(text, offset)
                if run is not None:
                    offset = run.end()
            if offset <= limit:
                cuts.append(offset)
        return cuts


def word_cuts(text: str, start: int, end: int) -> Iterator[int]:
    """Offsets in ``(start, end)`` where a word ends and whitespace begins."""
    for match in _WORD_BOUNDARY.finditer(text, start + 1, end):
        yield match.start()


def next_clean_point(text: str, start: int, end: int) -> int | None:
    """The first clean point strictly inside ``(start, end)``, if any."""
    position = text.find(" ", start + 1, end)
    while position != -1 and text[position - 1] in WHITE_SPACE:
        position = text.find(" ", position + 1, end)
    return None if position == -1 else position


def previous_clean_point(text: str, start: int, end: int) -> int | None:
    """The last clean point strictly inside ``(start, end)``, if any."""
    position = text.rfind(" ", start + 1, end)
    while position != -1 and text[position - 1] in WHITE_SPACE:
        position = text.rfind(" ", start + 1, position)
    return None if position == -1 else position


def is_clean_point(text: str, offset: int) -> bool:
    """True between a non-space character and a horizontal space (see the module docstring)."""
    if offset <= 0 or offset >= len(text):
        return False
    after = text[offset]
    return text[offset - 1] not in WHITE_SPACE and after in WHITE_SPACE and after not in "\r\n"


def is_line_start(text: str, offset: int) -> bool:
    """True after a line break, before neither white space nor ``/`` (see the module docstring)."""
    if offset <= 0 or offset >= len(text):
        return False
    after = text[offset]
    return text[offset - 1] in "\r\n" and after not in WHITE_SPACE and after != "/"


def is_grapheme_boundary(text: str, offset: int) -> bool:
    r"""Whether a cut at ``offset`` keeps user-perceived characters whole (UAX #29's core rules).

    Never between ``\r\n``, before a combining mark, zero-width joiner, variation
    selector, emoji modifier or tag, after a zero-width joiner, inside a flag (a pair of
    regional indicators) or inside a Hangul syllable written in jamo.
    """
    if offset <= 0 or offset >= len(text):
        return True
    before, after = text[offset - 1], text[offset]
    if before == "\r" and after == "\n":
        return False
    if before == "\u200d" or _extends(after):
        return False
    if _is_regional_indicator(after) and _is_regional_indicator(before):
        run = 0
        while offset - run > 0 and _is_regional_indicator(text[offset - run - 1]):
            run += 1
        return run % 2 == 0
    return not _joins_hangul(before, after)


def _extends(char: str) -> bool:
    code = ord(char)
    return (
        char == "\u200d"
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0xE0100 <= code <= 0xE01EF
        or unicodedata.category(char) in ("Mn", "Mc", "Me")
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _joins_hangul(before: str, after: str) -> bool:
    b, a = ord(before), ord(after)
    leading = 0x1100 <= b <= 0x115F
    vowel_or_trailing = 0x1160 <= a <= 0x11FF
    return (leading and (0x1100 <= a <= 0x11FF or 0xAC00 <= a <= 0xD7A3)) or (
        vowel_or_trailing and (0x1100 <= b <= 0x11FF or 0xAC00 <= b <= 0xD7A3)
    )
