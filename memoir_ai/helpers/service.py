"""Contextual helpers end to end: written by a model or by a user, stored per source, versioned.

:class:`ContextualHelperService` ties the pure parts of
:mod:`memoir_ai.helpers.compose` to a model (through an
:class:`~memoir_ai.llm.agents.AgentFactory`) and to the database (through
:mod:`memoir_ai.database.helpers`):

- :meth:`~ContextualHelperService.generate_helper` samples a source (file
  name, detected title and headers, the first 5 chunks or 2,000 tokens,
  whichever is smaller), asks the model for a :class:`GeneratedHelper`, trims
  its text to :data:`HELPER_MAX_TOKENS` with :func:`fit_to_tokens` (the model's
  answer is never trusted to respect the ceiling) and stores it as the next
  version. A source that already has a helper keeps it: helpers are built once
  per source, and a user-provided helper is never replaced by a generated one
  unless ``replace=True`` says so.
- :meth:`~ContextualHelperService.regenerate_helper` does the same from the
  chunks stored for the source, always creating a new version.
- :meth:`~ContextualHelperService.set_user_helper` stores a user's helper
  (composed from :class:`HelperFields`, or given as text) as the next version;
  it overrides whatever was there.

No database transaction is open while a model is called: the current helper
is read in one short session, the model runs, and the result is written in a
second transaction that checks again that no user-provided helper arrived in
the meantime. Every creation is logged; a generated one also adds its call to
the ``llm_calls`` audit log (a failed call is recorded there too).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memoir_ai._sync import run_sync
from memoir_ai.errors import ValidationError
from memoir_ai.helpers.compose import (
    HELPER_MAX_TOKENS,
    HelperFields,
    SourceSample,
    check_helper_text,
    compose_helper,
    fit_to_tokens,
    sample_source,
    validate_helper_fields,
)
from memoir_ai.results import PublicResult

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.llm.agents import AgentFactory
    from memoir_ai.llm.kept import OutputKeeper
    from memoir_ai.llm.records import LLMCallRecord
    from memoir_ai.results import StoredHelper
    from memoir_ai.text.tokens import TokenCounter

__all__ = ["ContextualHelperService", "HelperDraft", "HelperOutcome", "HelperPreview"]

logger = logging.getLogger(__name__)


class HelperPreview(PublicResult):
    """A user's helper before it is stored: the checked fields, the text and its token count."""

    fields: HelperFields
    helper_text: str
    token_count: int


@dataclass(frozen=True)
class HelperDraft:
    """A helper the model wrote, trimmed to the ceiling, not yet stored; with its call."""

    helper_text: str
    token_count: int
    call: LLMCallRecord


@dataclass(frozen=True)
class HelperOutcome:
    """What :meth:`ContextualHelperService.generate_helper` did.

    ``helper`` is the helper in force afterwards; ``created`` says whether this
    call stored a new version; ``call`` is the model call made, if any.
    """

    helper: StoredHelper
    created: bool
    call: LLMCallRecord | None = None


class ContextualHelperService:
    """Creates, stores, reads and regenerates the contextual helpers of sources."""

    def __init__(
        self, database: DatabaseManager, agents: AgentFactory, counter: TokenCounter
    ) -> None:
        """Work on ``database``, ask ``agents``' model, count tokens with ``counter``."""
        self.database = database
        self.agents = agents
        self.counter = counter

    # -- reading -----------------------------------------------------------------------

    def get_helper(self, source_id: str) -> StoredHelper | None:
        """The helper in force for ``source_id``, or None."""
        from memoir_ai.database.helpers import get_helper

        checked = _checked_source_id(source_id)
        return self.database.run(
            lambda session: get_helper(session, checked), doing=f"reading the helper of {checked!r}"
        )

    def helper_history(self, source_id: str) -> list[StoredHelper]:
        """Every version of the helper of ``source_id``, oldest first."""
        from memoir_ai.database.helpers import list_helper_versions

        checked = _checked_source_id(source_id)
        return self.database.run(
            lambda session: list_helper_versions(session, checked),
            doing=f"reading the helper history of {checked!r}",
        )

    # -- user-provided helpers -------------------------------------------------------------

    def preview_user_helper(self, fields: HelperFields) -> HelperPreview:
        """Check ``fields`` and compose the helper a user would store; nothing is written.

        Raises:
            ValidationError: a date that is not ISO 8601, a description over
                200 tokens, or an over-long author, topic or title.
        """
        checked = validate_helper_fields(fields, self.counter.count)
        text = compose_helper(checked, self.counter.count)
        return HelperPreview(fields=checked, helper_text=text, token_count=self.counter.count(text))

    def set_user_helper(self, source_id: str, helper: HelperFields | str) -> StoredHelper:
        """Store a user's helper for ``source_id`` as its next version, overriding any other.

        ``helper`` is either the fields a user answered (checked and composed
        as in :meth:`preview_user_helper`) or a finished text of at most
        :data:`HELPER_MAX_TOKENS` tokens. Storing the very text already in
        force, again as user-provided, changes nothing and returns it.

        Raises:
            ValidationError: bad fields, an empty text, or a text over the ceiling.
        """
        source_id = _checked_source_id(source_id)
        if isinstance(helper, HelperFields):
            text = self.preview_user_helper(helper).helper_text
        else:
            text, _ = check_helper_text(helper, self.counter.count)
        current = self.get_helper(source_id)
        if current is not None and current.is_user_provided and current.helper_text == text:
            logger.info(
                "Contextual helper of %r unchanged (version %d).", source_id, current.version
            )
            return current
        return self._store(source_id, text, is_user_provided=True)

    # -- generated helpers -----------------------------------------------------------------

    def sample(
        self,
        source_id: str,
        chunks: Sequence[str],
        *,
        full_text: str | None = None,
        file_name: str | None = None,
        title: str | None = None,
    ) -> SourceSample:
        """What the model sees for ``source_id`` (see :func:`.sample_source`)."""
        return sample_source(
            chunks,
            source_id=source_id,
            count_tokens=self.counter.count,
            full_text=full_text,
            file_name=file_name,
            title=title,
        )

    async def generate_helper(
        self,
        source_id: str,
        chunks: Sequence[str],
        *,
        full_text: str | None = None,
        file_name: str | None = None,
        title: str | None = None,
        replace: bool = False,
        operation_id: str | None = None,
    ) -> HelperOutcome:
        """Have the model write the helper of ``source_id`` from its chunks, and store it.

        Without ``replace`` a source that already has a helper keeps it and no
        model is called. With ``replace`` a new version is always generated,
        even over a user-provided helper (which stays in the history).

        Raises:
            ValidationError: ``chunks`` is empty.
            LLMCallError: the model call failed for good (it is still audited).
        """
        from memoir_ai.llm.records import LLMCallError

        source_id = _checked_source_id(source_id)
        if not replace:
            current = await asyncio.to_thread(self.get_helper, source_id)
            if current is not None:
                logger.debug(
                    "Source %r already has a helper (version %d); not generating one.",
                    source_id,
                    current.version,
                )
                return HelperOutcome(current, created=False)
        try:
            draft = await self.draft_helper(
                source_id, chunks, full_text=full_text, file_name=file_name, title=title
            )
        except LLMCallError as error:
            await asyncio.to_thread(self._audit, [error.record], source_id, operation_id)
            raise
        return await asyncio.to_thread(
            self._store_generated, source_id, draft, replace, operation_id
        )

    async def draft_helper(
        self,
        source_id: str,
        chunks: Sequence[str],
        *,
        full_text: str | None = None,
        file_name: str | None = None,
        title: str | None = None,
        keeper: OutputKeeper | None = None,
    ) -> HelperDraft:
        """Have the model write a helper for ``source_id`` without storing anything.

        For a caller that stores the helper in its own transaction (with
        :func:`~memoir_ai.database.helpers.store_helper`) and audits
        the call itself. The text is already within :data:`HELPER_MAX_TOKENS`.
        Headers are looked for in ``full_text``, by default the chunks joined
        (which is what a regeneration has), and ``title`` wins over a detected one.
        ``keeper`` keeps the model's answer (see :mod:`memoir_ai.llm.kept`).

        Raises:
            ValidationError: ``chunks`` hold no text.
            LLMCallError: the model call failed for good (not audited here).
        """
        from memoir_ai.llm.prompts import helper_prompt
        from memoir_ai.llm.schemas import GeneratedHelper, LLMPurpose

        source_id = _checked_source_id(source_id)
        if not any(chunk.strip() for chunk in chunks):
            raise ValidationError(
                f"Source {source_id!r} has no text to describe.",
                remedy="pass the source's chunks, or set its helper by hand.",
            )
        sample = self.sample(
            source_id, chunks, full_text=full_text, file_name=file_name, title=title
        )
        prompt = helper_prompt(
            sample.excerpt,
            source_id=sample.source_id,
            file_name=sample.file_name,
            title=sample.title,
            headers=sample.headers,
        )
        output, record = await self.agents.call(
            GeneratedHelper, prompt, LLMPurpose.HELPER, keeper=keeper
        )
        # The ceiling is enforced here, whatever the model wrote: the longest
        # prefix within HELPER_MAX_TOKENS, cut after a sentence or a word.
        text = fit_to_tokens(output.to_text(), HELPER_MAX_TOKENS, self.counter.count)
        if not text:
            text = f"Source {source_id}."
        return HelperDraft(text, self.counter.count(text), record)

    def generate_helper_sync(
        self,
        source_id: str,
        chunks: Sequence[str],
        *,
        full_text: str | None = None,
        file_name: str | None = None,
        replace: bool = False,
        operation_id: str | None = None,
    ) -> HelperOutcome:
        """Synchronous twin of :meth:`generate_helper` (see :func:`memoir_ai._sync.run_sync`)."""
        return run_sync(
            self.generate_helper(
                source_id,
                chunks,
                full_text=full_text,
                file_name=file_name,
                replace=replace,
                operation_id=operation_id,
            )
        )

    def draft_helper_sync(
        self,
        source_id: str,
        chunks: Sequence[str],
        *,
        full_text: str | None = None,
        file_name: str | None = None,
    ) -> HelperDraft:
        """Synchronous twin of :meth:`draft_helper`."""
        return run_sync(
            self.draft_helper(source_id, chunks, full_text=full_text, file_name=file_name)
        )

    async def regenerate_helper(
        self,
        source_id: str,
        *,
        file_name: str | None = None,
        operation_id: str | None = None,
    ) -> HelperOutcome:
        """Generate a new version of the helper of ``source_id`` from its stored chunks.

        The file name comes from ``file_name``, else from the source's metadata.

        Raises:
            ValidationError: no chunks are stored for ``source_id`` yet.
            LLMCallError: the model call failed for good.
        """
        from memoir_ai.database.sources import read_source_chunks

        source_id = _checked_source_id(source_id)
        stored = await asyncio.to_thread(
            self.database.run,
            lambda session: read_source_chunks(session, source_id),
            doing=f"reading the chunks of {source_id!r}",
        )
        if not stored.chunks:
            raise ValidationError(
                f"Source {source_id!r} has no chunks stored yet, so there is nothing to "
                "generate its helper from.",
                remedy="ingest the source first, or set its helper by hand "
                f"(`memoir helper set {source_id}`).",
            )
        # The inputs an ingestion drafts its helper from: the chunks, the title, the file name.
        return await self.generate_helper(
            source_id,
            stored.chunks,
            file_name=file_name or stored.file_name,
            title=stored.title,
            replace=True,
            operation_id=operation_id,
        )

    def regenerate_helper_sync(
        self, source_id: str, *, file_name: str | None = None
    ) -> HelperOutcome:
        """Synchronous twin of :meth:`regenerate_helper`."""
        return run_sync(self.regenerate_helper(source_id, file_name=file_name))

    # -- internals -----------------------------------------------------------------------

    def _store_generated(
        self,
        source_id: str,
        draft: HelperDraft,
        replace: bool,
        operation_id: str | None,
    ) -> HelperOutcome:
        from memoir_ai.database.calls import record_llm_calls
        from memoir_ai.database.helpers import (
            get_helper,
            store_helper,
            write_with_retry,
        )

        text, token_count, record = draft.helper_text, draft.token_count, draft.call

        def write(session: Session) -> HelperOutcome:
            record_llm_calls(session, [record], source_id=source_id, operation_id=operation_id)
            current = get_helper(session, source_id)
            if current is not None and not replace:
                # A helper stored while the model was writing (say, a user's) wins.
                return HelperOutcome(current, created=False, call=record)
            stored = store_helper(session, source_id, text, token_count, is_user_provided=False)
            return HelperOutcome(stored, created=True, call=record)

        outcome = write_with_retry(self.database, write)
        if outcome.created:
            _log_creation(outcome.helper, record)
        else:
            logger.info(
                "Kept the helper of %r (version %d, user-provided=%s) stored while the model "
                "was writing one.",
                source_id,
                outcome.helper.version,
                outcome.helper.is_user_provided,
            )
        return outcome

    def _store(self, source_id: str, text: str, *, is_user_provided: bool) -> StoredHelper:
        from memoir_ai.database.helpers import store_helper, write_with_retry

        token_count = self.counter.count(text)
        stored = write_with_retry(
            self.database,
            lambda session: store_helper(
                session, source_id, text, token_count, is_user_provided=is_user_provided
            ),
        )
        _log_creation(stored, None)
        return stored

    def _audit(
        self, records: Sequence[LLMCallRecord], source_id: str, operation_id: str | None
    ) -> None:
        from memoir_ai.database.calls import record_operation_calls

        record_operation_calls(
            self.database,
            records,
            doing=f"recording the calls made for {source_id!r}",
            operation_id=operation_id,
            source_id=source_id,
        )


def _checked_source_id(source_id: str) -> str:
    from memoir_ai.database.sources import checked_source_id

    return checked_source_id(source_id)


def _log_creation(helper: StoredHelper, call: LLMCallRecord | None) -> None:
    written_by = (
        ""
        if call is None
        else f"; written by {call.model} ({call.input_tokens} tokens in, "
        f"{call.output_tokens} out, {call.latency_seconds:.2f}s)"
    )
    logger.info(
        "Stored contextual helper version %d of %r at %s: %d tokens, user-provided=%s%s.",
        helper.version,
        helper.source_id,
        helper.created_at.isoformat(),
        helper.token_count,
        helper.is_user_provided,
        written_by,
    )
