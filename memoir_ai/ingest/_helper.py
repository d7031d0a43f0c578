"""Which contextual helper an ingestion puts into its classification prompts, and stores.

- The caller's helper wins (``given``): it is user-provided, stored as a new
  version unless it is already the one in force.
- A user-provided helper in force is ``kept``, even when the text is replaced:
  a person wrote it, and only a person (or an explicit regeneration) changes it.
- A generated helper in force is ``kept`` for a new ingestion of the same text,
  but it describes the old text when the source is replaced: the model then
  writes a new one (``generated``), stored as the next version.
- Otherwise the model writes one when ``auto_source_identification`` is on
  (``generated``), and there is none when it is off (``none``; a generated
  helper of a replaced text does not describe the new one, so it is not used
  to classify it).

A generated helper is drafted from the same inputs as
:meth:`~memoir_ai.helpers.service.ContextualHelperService.regenerate_helper`
uses later: the chunk texts, the resolved title and the file name, so a
version written at ingestion and one written on regeneration see the same
sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memoir_ai.helpers.compose import check_helper_text
from memoir_ai.ingest._storage import HelperChoice

if TYPE_CHECKING:
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.llm.kept import OutputKeeper
    from memoir_ai.llm.records import LLMCallRecord
    from memoir_ai.results import StoredHelper
    from memoir_ai.text.tokens import TokenCounter

__all__ = ["HelperRequest", "choose_helper"]


@dataclass(frozen=True)
class HelperRequest:
    """What the helper of one ingestion is chosen or drafted from."""

    source_id: str
    given: str | None
    stored: StoredHelper | None
    replacing: bool
    texts: Sequence[str]
    title: str | None
    file_name: str | None


async def choose_helper(
    inputs: HelperRequest,
    *,
    auto: bool,
    database: DatabaseManager,
    agents: AgentFactory,
    counter: TokenCounter,
    records: list[LLMCallRecord],
    keeper: OutputKeeper | None = None,
) -> HelperChoice:
    """The helper of this ingestion (see the module docstring); a model call joins ``records``.

    ``keeper`` keeps the model's answer, or gives back one kept by an earlier run.

    Raises:
        ValidationError: the given helper is empty or too long.
        LLMCallError: the model failed to write one (its record is not in ``records``).
    """
    stored = inputs.stored
    if inputs.given is not None and inputs.given.strip():
        text, tokens = check_helper_text(inputs.given, counter.count)
        current = stored is not None and stored.is_user_provided and stored.helper_text == text
        return HelperChoice(text, tokens, user_provided=True, store=not current, status="given")
    if stored is not None and (stored.is_user_provided or not inputs.replacing):
        return HelperChoice(
            stored.helper_text,
            user_provided=stored.is_user_provided,
            status="kept",
            kept_version=stored.version,
        )
    if not auto:
        # A generated helper describes the old text; without the model, none is better.
        return HelperChoice(None, status="none")
    from memoir_ai.helpers.service import ContextualHelperService

    service = ContextualHelperService(database, agents, counter)
    draft = await service.draft_helper(
        inputs.source_id,
        inputs.texts,
        title=inputs.title,
        file_name=inputs.file_name,
        keeper=keeper,
    )
    records.append(draft.call)
    return HelperChoice(draft.helper_text, draft.token_count, store=True, status="generated")
