"""How the offline model proposes merges of near-duplicate siblings: by shared words only.

Two siblings are near-duplicates when their names have the same content words
in any order, case or number ("Linux & Util" / "Util & Linux", "Moon" /
"moons"), or when their names share a content word and their chunks share
most of their content words. Each group of near-duplicates merges into the
member with the most chunks (the first listed on a tie), so no category is
both merged away and merged into.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from memoir_ai.llm import _lexical as lexical
from memoir_ai.llm.inputs import CurationCandidate

__all__ = ["CONTENT_OVERLAP", "propose_merges"]

CONTENT_OVERLAP = 0.5
"""Share of content words two siblings must have in common (with a shared name word)."""


def propose_merges(siblings: Sequence[CurationCandidate]) -> list[dict[str, Any]]:
    """The merges among ``siblings``, each ``{"category", "into", "reason"}``."""
    count = len(siblings)
    group = list(range(count))
    reasons: dict[int, str] = {}

    def root(index: int) -> int:
        while group[index] != index:
            index = group[index]
        return index

    for left in range(count):
        for right in range(left + 1, count):
            reason = _near_duplicates(siblings[left], siblings[right])
            if reason is None or root(left) == root(right):
                continue
            group[root(right)] = root(left)
            reasons[right] = reasons.get(right) or reason
            reasons[left] = reasons.get(left) or reason
    members: dict[int, list[int]] = {}
    for index in range(count):
        members.setdefault(root(index), []).append(index)
    merges = []
    for indexes in members.values():
        if len(indexes) < 2:
            continue
        target = max(indexes, key=lambda i: (siblings[i].chunk_count, -i))
        for index in indexes:
            if index != target:
                merges.append(
                    {
                        "category": siblings[index].name,
                        "into": siblings[target].name,
                        "reason": reasons[index],
                    }
                )
    return merges


def _near_duplicates(left: CurationCandidate, right: CurationCandidate) -> str | None:
    left_words = set(lexical.name_stems(left.name))
    right_words = set(lexical.name_stems(right.name))
    if left_words and left_words == right_words:
        return f"{left.name!r} and {right.name!r} are named with the same words."
    shared = left_words & right_words
    if not shared:
        return None
    left_content = {lexical.stem(word.lower()) for word in left.keywords}
    right_content = {lexical.stem(word.lower()) for word in right.keywords}
    union = left_content | right_content
    overlap = len(left_content & right_content) / len(union) if union else 0.0
    if overlap < CONTENT_OVERLAP:
        return None
    word = sorted(shared)[0]
    return (
        f"{left.name!r} and {right.name!r} share the name word {word!r} and "
        f"{overlap:.0%} of their chunks' content words."
    )
