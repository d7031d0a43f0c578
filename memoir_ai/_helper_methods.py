"""The contextual-helper methods of :class:`~memoir_ai.memoir.MemoirAI`.

Each is a thin call of :class:`~memoir_ai.helpers.service.ContextualHelperService`
after opening the memory the way the operation needs (reading, or changes:
a missing database is refused, not created). They reach
:class:`~memoir_ai.memoir.MemoirAI` as a base class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.database.opened import OpenedMemory
    from memoir_ai.helpers.compose import HelperFields
    from memoir_ai.helpers.service import ContextualHelperService, HelperPreview
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.results import StoredHelper

__all__ = ["HelperMethods"]


class HelperMethods:
    """Reading, setting and regenerating contextual helpers (a base of ``MemoirAI``)."""

    config: MemoirAIConfig
    database: DatabaseManager
    _memory: OpenedMemory

    if TYPE_CHECKING:

        @property
        def agents(self) -> AgentFactory:
            """The agents that call the model (defined by ``MemoirAI``)."""

    async def regenerate_contextual_helper(
        self, source_id: str, *, file_name: str | None = None
    ) -> StoredHelper:
        """Have the model write a new version of the helper of ``source_id`` from its chunks.

        The new version overrides the current one (even a user-provided one,
        which stays in the history); it returns the helper now in force.

        Raises:
            ValidationError: nothing is stored for ``source_id``.
        """
        import asyncio

        await asyncio.to_thread(self._memory.open_for_changes)  # needs stored chunks anyway
        outcome = await self._helpers().regenerate_helper(source_id, file_name=file_name)
        return outcome.helper

    def regenerate_contextual_helper_sync(
        self, source_id: str, *, file_name: str | None = None
    ) -> StoredHelper:
        """:meth:`regenerate_contextual_helper` for synchronous code."""
        from memoir_ai._sync import run_sync

        return run_sync(self.regenerate_contextual_helper(source_id, file_name=file_name))

    def get_contextual_helper(self, source_id: str) -> StoredHelper | None:
        """The helper in force for ``source_id``, or None when it has none."""
        self._memory.open_for_reading()
        return self._helpers().get_helper(source_id)

    def contextual_helper_history(self, source_id: str) -> list[StoredHelper]:
        """Every version of the helper of ``source_id``, oldest first (empty if none)."""
        self._memory.open_for_reading()
        return self._helpers().helper_history(source_id)

    def preview_contextual_helper(self, fields: HelperFields) -> HelperPreview:
        """Check a user's helper fields and compose the helper text; nothing is written.

        Raises:
            ValidationError: a date that is not ISO 8601, a description over 200
                tokens, or an over-long author, topic or title (the message says which).
        """
        return self._helpers().preview_user_helper(fields)

    def set_contextual_helper(self, source_id: str, helper: HelperFields | str) -> StoredHelper:
        """Store a user's helper for ``source_id`` as its next version, overriding any other.

        ``helper`` is the user's fields (composed as :meth:`preview_contextual_helper`
        shows) or the finished text (at most 300 tokens).

        Raises:
            ValidationError: an empty source id, or a helper that breaks its limits.
        """
        self._memory.open_for_changes()  # a missing database is refused, not created
        return self._helpers().set_user_helper(source_id, helper)

    def _helpers(self) -> ContextualHelperService:
        from memoir_ai.helpers.service import ContextualHelperService
        from memoir_ai.text.tokens import get_token_counter

        return ContextualHelperService(
            self.database, self.agents, get_token_counter(self.config.model_name)
        )
