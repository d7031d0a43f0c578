"""The keeper of one ingestion: each completed call's answer stored as it completes.

:class:`IngestionKeeper` is the :class:`~memoir_ai.llm.kept.OutputKeeper` an
ingestion hands to its model calls. It reads the answers kept for the source
once, before the first call (a re-run of an interrupted ingestion finds them
there), and writes each new answer in a short transaction of its own, in a
worker thread, as soon as its call completes: never inside the source's write
and never while a model is being called. Each response is kept the same way
the moment it arrives, before it is read (:meth:`IngestionKeeper.keep_response`),
so a kill between a response and its call's typed answer loses nothing. A
failure to keep an answer is logged and costs nothing but the chance to reuse it.

The audit row of a completed call (``llm_calls``) goes in the same commit as
its answer, so a killed run's paid calls reach ``memoir log``; the source's
write (or the recording of a failed ingestion) replaces this operation's rows
with the final ones, chunk references included, so no call is logged twice.

Keys are the call's identity (:func:`~memoir_ai.llm.kept.call_identity`), the
source and the occurrence of that identity in this ingestion, hashed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from typing import TYPE_CHECKING

from memoir_ai.database import kept_outputs
from memoir_ai.database.calls import record_llm_calls
from memoir_ai.errors import DatabaseError
from memoir_ai.llm.kept import KeptAnswer, KeptResponse

if TYPE_CHECKING:
    from pydantic import BaseModel
    from sqlalchemy.orm import Session

    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.database.opened import OpenedMemory
    from memoir_ai.llm.records import LLMCallRecord
    from memoir_ai.upkeep import VacuumResult

__all__ = ["RESPONSE", "IngestionKeeper", "vacuum_kept"]

logger = logging.getLogger(__name__)

# The ``structured_output`` of a kept row holding one request's response (not a typed answer).
RESPONSE = "response"


class IngestionKeeper:
    """Keeps and finds the answers of one ingestion's calls (see the module docstring)."""

    def __init__(
        self,
        database: DatabaseManager,
        source_id: str,
        content_hash: str,
        *,
        operation_id: str | None = None,
        keep_payloads: bool = True,
    ) -> None:
        """Keep answers for the text with ``content_hash`` being ingested as ``source_id``.

        With an ``operation_id``, each completed call's audit row is written
        with its answer (payloads left out unless ``keep_payloads``).
        """
        self.database = database
        self.source_id = source_id
        self.content_hash = content_hash
        self.operation_id = operation_id
        self.keep_payloads = keep_payloads
        self.reused = 0
        self.kept = 0
        self._found: dict[str, kept_outputs.KeptRow] | None = None
        self._occurrences: Counter[str] = Counter()
        self._loading = asyncio.Lock()
        self._writing = asyncio.Lock()
        self._pending: list[kept_outputs.NewKeptOutput] = []
        self._calls: list[LLMCallRecord] = []

    def key_for(self, identity: str) -> str:
        """The key of the next call with ``identity`` in this ingestion."""
        occurrence = self._occurrences[identity]
        self._occurrences[identity] += 1
        text = f"{self.source_id}\n{identity}\n{occurrence}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    async def find(self, key: str) -> KeptAnswer | None:
        """The answer kept under ``key`` by an earlier run, if any."""
        found = await self._kept_before()
        row = found.get(key)
        if row is None or row.structured_output == RESPONSE:
            return None
        self.reused += 1
        return KeptAnswer(
            row.output_json,
            row.structured_output,
            row.input_tokens,
            row.output_tokens,
            row.created_at,
        )

    async def keep(self, key: str, output: BaseModel, record: LLMCallRecord) -> None:
        """Store the answer of a completed call now, in a short transaction (never the source's)."""
        answer = kept_outputs.NewKeptOutput(
            key=key,
            source_id=self.source_id,
            content_hash=self.content_hash,
            purpose=record.purpose.value,
            model=record.model,
            structured_output=record.structured_output,
            input_tokens=record.input_tokens,
            output_tokens=record.output_tokens,
            output_json=output.model_dump_json(),
        )
        self._pending.append(answer)
        if self.operation_id is not None:
            self._calls.append(record)
        await self._write_pending()

    async def find_response(self, key: str) -> KeptResponse | None:
        """The response kept under ``key`` by an earlier run, if any."""
        row = (await self._kept_before()).get(key)
        if row is None or row.structured_output != RESPONSE:
            return None
        return KeptResponse("", "", row.output_json, row.input_tokens, row.output_tokens)

    async def keep_response(self, key: str, response: KeptResponse) -> None:
        """Store one request's response now, before it is read (a short transaction)."""
        self._pending.append(
            kept_outputs.NewKeptOutput(
                key=key,
                source_id=self.source_id,
                content_hash=self.content_hash,
                purpose=response.purpose,
                model=response.model,
                structured_output=RESPONSE,
                input_tokens=response.input_tokens,
                output_tokens=response.output_tokens,
                output_json=response.response_json,
            )
        )
        await self._write_pending()

    async def _write_pending(self) -> None:
        """Write every answer waiting, in one transaction: a group commit.

        Calls complete faster than one commit each when many run at once; the
        answers that complete while a write is going on wait for the next one
        and go in together, so an answer waits at most about two commits
        before it is durable (what a kill in between would lose).
        """
        async with self._writing:
            if not self._pending:
                return  # an earlier write took this answer along
            batch, self._pending = self._pending, []
            calls, self._calls = self._calls, []

            def write(session: Session) -> None:
                for answer in batch:
                    kept_outputs.keep_output(session, answer)
                if calls:
                    record_llm_calls(
                        session,
                        calls,
                        source_id=self.source_id,
                        operation_id=self.operation_id,
                        keep_payloads=self.keep_payloads,
                    )

            try:
                await asyncio.to_thread(
                    self.database.run,
                    write,
                    doing=f"keeping {len(batch)} model answer(s) for {self.source_id!r}",
                )
            except DatabaseError as error:
                logger.warning(
                    "Could not keep %d model answer(s) (a re-run would pay for them): %s",
                    len(batch),
                    error,
                )
                return
            self.kept += sum(answer.structured_output != RESPONSE for answer in batch)

    async def _kept_before(self) -> dict[str, kept_outputs.KeptRow]:
        async with self._loading:
            if self._found is None:
                try:
                    self._found = await asyncio.to_thread(
                        self.database.run,
                        lambda session: kept_outputs.load_kept(session, self.source_id),
                        doing=f"reading the answers kept for {self.source_id!r}",
                    )
                except DatabaseError as error:
                    logger.warning("Could not read the kept model answers: %s", error)
                    self._found = {}
                if self._found:
                    logger.info(
                        "%d answer(s) kept by an earlier run of %r can be reused.",
                        len(self._found),
                        self.source_id,
                    )
            return self._found


def vacuum_kept(
    memory: OpenedMemory, database: DatabaseManager, older_than_days: float
) -> VacuumResult:
    """Remove the kept answers nobody will reuse (see :func:`kept_outputs.vacuum`).

    Raises:
        ValidationError: a negative ``older_than_days``.
    """
    import datetime as dt

    from sqlalchemy import func, select

    from memoir_ai.database.models import KeptOutput
    from memoir_ai.errors import ValidationError
    from memoir_ai.upkeep import VacuumResult

    if not older_than_days >= 0:
        raise ValidationError(
            f"older_than_days must be 0 or more, got {older_than_days}.",
            remedy="pass a number of days, e.g. 7 (0 removes every kept answer).",
        )
    memory.open_for_changes()
    age = dt.timedelta(days=older_than_days)
    counts = database.run(
        lambda session: kept_outputs.vacuum(session, older_than=age),
        doing="removing kept answers nobody will reuse",
    )
    left = database.run(
        lambda session: int(session.scalar(select(func.count(KeptOutput.id))) or 0),
        doing="counting the kept answers",
    )
    logger.info("Removed %d kept answer(s); %d left.", counts.stored + counts.stale, left)
    return VacuumResult(
        stored=counts.stored, stale=counts.stale, left=left, older_than_days=older_than_days
    )
