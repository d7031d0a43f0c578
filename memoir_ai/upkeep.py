"""Public results of keeping a memory's database tidy (frozen pydantic models)."""

from __future__ import annotations

from pydantic import computed_field

from memoir_ai.results import PublicResult

__all__ = ["VacuumResult"]


class VacuumResult(PublicResult):
    """What ``MemoirAI.vacuum()`` removed of the answers kept for resumable ingestion.

    ``stored`` were kept for texts that are stored (left by a run that lost a
    race); ``stale`` were older than ``older_than_days`` and kept for texts
    that are not stored (an ingestion abandoned, or a file changed since).
    ``left`` are kept still: a re-run of their ingestion will reuse them.
    """

    stored: int
    stale: int
    left: int
    older_than_days: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def removed(self) -> int:
        """Kept answers removed in all."""
        return self.stored + self.stale
