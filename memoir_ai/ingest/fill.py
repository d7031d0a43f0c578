"""How full each level of the category tree is, and what to say when one fills up.

A full level changes what ingestion can do: no new category can be made
there (nor above it, since a new category needs a child at every level
below), so new chunks are filed under the closest existing categories however
far they are. Ingestion warns once per run when a level is nearly full or full
(:class:`FillWarnings`); :func:`level_fill` is the pure measure, for any
front door that shows the tree (``memoir tree``, ``get_database_info()``).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from memoir_ai.results import LevelFill

__all__ = [
    "NEARLY_FULL_SHARE",
    "FillWarnings",
    "LevelCount",
    "fill_warning",
    "is_nearly_full",
    "level_fill",
]

logger = logging.getLogger(__name__)

# A level is nearly full when at most this share of its limit (and at least one) is left.
NEARLY_FULL_SHARE = 0.1


class LevelCount(Protocol):
    """How many categories a level holds against its limit (a :class:`LevelFill`, or a row)."""

    @property
    def categories(self) -> int:
        """Categories at the level."""

    @property
    def limit(self) -> int:
        """The most the level may hold."""


def level_fill(counts: Mapping[int, int], limits: Mapping[int, int]) -> tuple[LevelFill, ...]:
    """The fill of every level of ``limits`` (level → maximum), given categories per level."""
    from memoir_ai.results import LevelFill  # pydantic: not for the lean read path

    return tuple(
        LevelFill(level=level, categories=counts.get(level, 0), limit=limit)
        for level, limit in sorted(limits.items())
    )


def is_nearly_full(fill: LevelCount) -> bool:
    """True when the level is full, or has at most a tenth of its limit (at least 1) left."""
    return fill.limit - fill.categories <= max(1, math.floor(fill.limit * NEARLY_FULL_SHARE))


def fill_warning(fill: LevelFill, limits: Mapping[int, int]) -> str:
    """One line saying how full the level is, what follows, and the two ways out."""
    raised = {str(level): limit for level, limit in sorted(limits.items())}
    raised[str(fill.level)] = max(fill.limit * 2, fill.limit + 1)
    state = "full" if fill.full else "nearly full"
    consequence = (
        "new chunks can only be filed under its existing categories, however far they fit"
        if fill.full
        else "once it is full, new chunks can only be filed under its existing categories"
    )
    return (
        f"Level {fill.level} of the category tree is {state} ({fill.categories} of "
        f"{fill.limit} categories): {consequence}. Fix: raise max_categories_per_level "
        f"(MEMOIR_MAX_CATEGORIES_PER_LEVEL='{json.dumps(raised)}'), or merge categories "
        "that mean nearly the same."
    )


class FillWarnings:
    """Says once per run (per instance) that a level is nearly full or full."""

    def __init__(self, limits: Mapping[int, int]) -> None:
        """Warn about the levels of ``limits`` (level → maximum)."""
        self.limits = dict(limits)
        self.warned: set[int] = set()

    def check(self, counts: Mapping[int, int]) -> list[str]:
        """Log a warning for each level newly nearly full or full; return what was said."""
        said = []
        for fill in level_fill(counts, self.limits):
            if fill.level in self.warned or not is_nearly_full(fill):
                continue
            self.warned.add(fill.level)
            message = fill_warning(fill, self.limits)
            logger.warning(message)
            said.append(message)
        return said
