"""Lexical statistics for the offline model: words, keyword profiles, overlap scores, sentences.

Nothing here understands language. A text becomes a *profile*: the relative
frequencies of its content words (lower-cased, stop words removed, plurals
folded), and texts are compared by the weight they share.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

__all__ = [
    "Profile",
    "best_sentences",
    "keywords",
    "name_score",
    "profile",
    "sentences",
    "stem",
    "truncate",
]

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SENTENCE = re.compile(r"[^.!?…。！？\n]+(?:[.!?…。！？]+|\n|$)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# Lines that are not part of running text: headings, list items, quotes, table rows, fences.
_OWN_LINE = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\||```|~~~)")
MIN_WORD_LENGTH = 3
PREFIX_LETTERS = 5

_STOPWORD_LIST = """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway anywhere
    are around as at be became because become becomes been before beforehand behind being
    below beside besides between beyond both but by can cannot could did do does doing done
    down during each either else elsewhere enough etc even ever every everyone everything
    everywhere except few first for former formerly from further get gets got had has have
    having he hence her here hers herself him himself his how however i if in indeed into is it
    its itself just last latter least less let like made make makes many may me meanwhile might
    mine more moreover most mostly much must my myself namely neither never nevertheless next
    no nobody none nor not nothing now nowhere of off often on once one only onto or other
    others otherwise our ours ourselves out over own per perhaps put rather same see seem
    seemed seems several she should since so some somehow someone something sometime sometimes
    somewhere still such than that the their theirs them themselves then thence there
    thereafter thereby therefore therein these they this those though through throughout thus
    to together too toward towards two under until up upon us used using very via was we well
    were what whatever when whence whenever where whereas whereby wherever whether which while
    who whoever whole whom whose why will with within without would yet you your yours
    yourself yourselves also can't don't doesn't isn't it's let's that's there's they're
    we're won't called way ways thing things lot lots new old many much three four five six
    seven eight nine ten hundred thousand year years time times day days part parts kind
    kinds use uses usually often often really quite much more most good great better best
    take takes took taken give gives given gave come comes came keep keeps kept
    title author date topic summary unknown source chunk chunks category categories
    """
STOPWORDS = frozenset(_STOPWORD_LIST.split())


@dataclass(frozen=True)
class Profile:
    """A text's content words: stem → relative frequency, and how each stem is usually spelled."""

    weights: Mapping[str, float]
    spellings: Mapping[str, str] = field(default_factory=dict)

    def top(self, count: int, exclude: Iterable[str] = ()) -> list[str]:
        """The ``count`` heaviest stems (ties: first seen first), leaving out ``exclude``."""
        excluded = set(exclude)
        order = {stem_: index for index, stem_ in enumerate(self.weights)}
        ranked = sorted(
            (stem_ for stem_ in self.weights if stem_ not in excluded),
            key=lambda stem_: (-round(self.weights[stem_], 9), order[stem_]),
        )
        return ranked[:count]

    @cached_property
    def by_prefix(self) -> dict[str, list[str]]:
        """Stems of at least :data:`PREFIX_LETTERS` letters, grouped by their first letters."""
        index: dict[str, list[str]] = {}
        for stem_ in self.weights:
            if len(stem_) >= PREFIX_LETTERS:
                index.setdefault(stem_[:PREFIX_LETTERS], []).append(stem_)
        return index

    def spelling(self, stem_: str) -> str:
        """The most frequent spelling of ``stem_`` in the text."""
        return self.spellings.get(stem_, stem_)

    def plus(self, other: Profile, factor: float) -> Profile:
        """This profile with ``other`` added at ``factor`` times its weight."""
        if factor <= 0 or not other.weights:
            return self
        weights = dict(self.weights)
        for stem_, weight in other.weights.items():
            weights[stem_] = weights.get(stem_, 0.0) + factor * weight
        spellings = {**other.spellings, **self.spellings}
        return Profile(weights, spellings)


def stem(word: str) -> str:
    """Fold a lower-case word's plural (``stars`` → ``star``, ``recipes`` → ``recipe``)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def keywords(text: str) -> list[tuple[str, str]]:
    """The content words of ``text`` in order, as (stem, lower-case spelling) pairs."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group().lower().replace("’", "'")
        stemmed = _content_stem(word)
        if stemmed is not None:
            found.append((stemmed, word))
    return found


@lru_cache(maxsize=65536)
def _content_stem(word: str) -> str | None:
    """The stem of a lower-case word, or None for a stop word or a word too short to count.

    Cached: the same words recur in every prompt, and stemming them is most of the work.
    """
    if len(word) < MIN_WORD_LENGTH or word in STOPWORDS:
        return None
    stemmed = stem(word)
    return None if stemmed in STOPWORDS else stemmed


@lru_cache(maxsize=16384)
def _sentence_stems(sentence: str) -> tuple[frozenset[str], int]:
    """The distinct stems of a sentence and how many content words it has (cached per sentence).

    A question is answered from stored chunks, so the same sentences are scored query after query.
    """
    stems = [stemmed for stemmed, _ in keywords(sentence)]
    return frozenset(stems), len(stems)


def profile(text: str) -> Profile:
    """The keyword profile of ``text``; weights sum to 1 (an empty text gives an empty profile)."""
    words = keywords(text)
    if not words:
        return Profile({})
    counts = Counter(stemmed for stemmed, _ in words)  # insertion order = first seen
    spellings_seen: dict[str, Counter[str]] = {}
    for stemmed, word in words:
        spellings_seen.setdefault(stemmed, Counter())[word] += 1
    total = sum(counts.values())
    weights = {stemmed: count / total for stemmed, count in counts.items()}
    spellings = {
        stemmed: min(seen.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]
        for stemmed, seen in spellings_seen.items()
    }
    return Profile(weights, spellings)


@lru_cache(maxsize=4096)
def name_stems(name: str) -> tuple[str, ...]:
    """The stems of a category name's content words (all its words if none is a content word)."""
    stems = tuple(stemmed for stemmed, _ in keywords(name))
    if stems:
        return stems
    return tuple(stem(word.lower()) for word in _WORD.findall(name))


def name_score(name: str, keywords_profile: Profile) -> float:
    """How much of a profile a category name covers: the weight of its stems.

    A stem of the name that only shares a long prefix with a keyword (at least
    five letters: ``astronomy``/``astronomer``) counts for half.
    """
    stems = name_stems(name)
    if not stems:
        return 0.0
    weights = keywords_profile.weights
    score = 0.0
    for stemmed in stems:
        if stemmed in weights:
            score += weights[stemmed]
        elif len(stemmed) >= PREFIX_LETTERS:
            candidates = keywords_profile.by_prefix.get(stemmed[:PREFIX_LETTERS], ())
            score += 0.5 * max(
                (weights[other] for other in candidates if _shares_prefix(stemmed, other)),
                default=0.0,
            )
    return score / math.sqrt(len(stems))


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order.

    Hard-wrapped lines of one paragraph are joined first, so a sentence that
    runs over a line break stays whole; a heading, list item or quoted line
    stands on its own. Cached per text: a query reads the same stored chunks
    as the queries before it.
    """
    return list(_sentences(text))


@lru_cache(maxsize=1024)
def _sentences(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        run: list[str] = []
        for line in paragraph.splitlines():
            stripped = line.strip()
            if _OWN_LINE.match(stripped):
                found.extend(_inline_sentences(" ".join(run)))
                found.extend(_inline_sentences(stripped))
                run = []
            elif stripped:
                run.append(stripped)
        found.extend(_inline_sentences(" ".join(run)))
    return tuple(found)


def _inline_sentences(text: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE.findall(text) if piece.strip()]


def best_sentences(
    candidates: Sequence[str], weights: Mapping[str, float], limit: int
) -> list[int]:
    """Indexes of the ``limit`` sentences that carry most of ``weights`` (positive scores only)."""
    scored = []
    for index, sentence in enumerate(candidates):
        distinct, count = _sentence_stems(sentence)
        if not count:
            continue
        # Only the stems the weights name count (the few of a question): found with one set
        # operation. Two floats add the same in either order; with more, they are added in
        # the sentence's order, as always, so a tie between sentences is broken as before.
        shared = distinct.intersection(weights)
        if len(shared) > 2:
            score = sum(weights[stemmed] for stemmed in distinct if stemmed in weights)
        else:
            score = sum(weights[stemmed] for stemmed in shared)
        if score > 0:
            scored.append((-score / math.sqrt(count + 1), index))
    return [index for _, index in sorted(scored)[:limit]]


def truncate(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary to at most ``max_chars`` characters (ending in …)."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return text[:max_chars]
    cut = text[: max_chars - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def _shares_prefix(left: str, right: str) -> bool:
    """True when two words share a long prefix (5 letters and three quarters of the shorter)."""
    common = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        common += 1
    return common >= max(PREFIX_LETTERS, math.ceil(0.75 * min(len(left), len(right))))
