"""Ingestion of one source: chunk → helper → classify → store, atomically.

The order of work keeps the database consistent whatever happens:

0. Check the arguments (nothing unusable reaches a model) and claim the
   source id (:mod:`memoir_ai.ingest._claims`): another ingestion of the same
   id, in this process or another, waits until this one is stored, then finds
   it unchanged instead of paying for it again.
1. Read (short transactions): the settings (a conflicting depth is refused
   before any model is called), the stored source and helper, the tree.
2. Describe the source (the caller's helper, else the stored one, else one
   written by the model when ``auto_source_identification`` is on), then
   classify every chunk with the model. No transaction is open meanwhile.
   Each call's answer is kept as it completes, in a short transaction of its
   own (:mod:`memoir_ai.ingest._kept`): a re-run after a crash or a failure
   reuses the answers of the calls that had completed and pays for the rest.
3. Write, in **one** transaction (:mod:`memoir_ai.ingest._storage`): take the
   ingestion lock, check the plan against the tree as it is now (another
   process may have added categories since step 1), then insert the new
   categories, the chunks, the source row, the new helper version and the
   audit log of the calls. Commit.

If another writer filled a level in the meantime, the write is rolled back,
the chunks whose path no longer fits are classified again against the fresh
tree (a full level now only admits existing names), and the write is retried;
a limit is never exceeded. A database failure rolls back everything of the
source and raises a :class:`~memoir_ai.errors.DatabaseError`; a process
killed mid-way leaves nothing of the source, because nothing is committed
before the last step (except the kept answers, which that write removes).
When another process stored the same content first, the result is that
stored source (``unchanged``) and only the calls made are added to the audit
log.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from memoir_ai.config import MemoirAIConfig
from memoir_ai.database.calls import record_operation_calls
from memoir_ai.database.categories import ensure_category_limits
from memoir_ai.database.chunks import source_chunks
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.settings import remember_settings
from memoir_ai.database.sources import checked_source_id
from memoir_ai.errors import (
    ClassificationError,
    DatabaseError,
    MemoirAIError,
    SourceChangedError,
)
from memoir_ai.helpers.compose import detect_title
from memoir_ai.ingest._checks import check_content, check_metadata, text_start
from memoir_ai.ingest._claims import SourceClaims
from memoir_ai.ingest._helper import HelperRequest, choose_helper
from memoir_ai.ingest._kept import IngestionKeeper
from memoir_ai.ingest._storage import (
    AlreadyStored,
    HelperChoice,
    LimitConflict,
    Plan,
    Snapshot,
    StorageSettings,
    Written,
    check_origin,
    read_snapshot,
    refused_source,
    working_tree,
    write_plan,
)
from memoir_ai.ingest._tree import WorkingTree
from memoir_ai.ingest.classify import ClassificationOptions, Classifier
from memoir_ai.ingest.fill import FillWarnings
from memoir_ai.ingest.results import IngestedChunk, IngestResult
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.records import LLMCallError, LLMCallRecord
from memoir_ai.text.chunker import TextChunk, TextChunker
from memoir_ai.text.tokens import get_token_counter

__all__ = ["IngestPipeline", "content_hash", "source_title"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_WRITE_ROUNDS = 5
TITLE_LENGTH = 1024  # the sources.title column


def content_hash(content: str) -> str:
    """Hex SHA-256 of the text, to recognise a source seen before."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Request:
    """The checked arguments of one ``ingest_text``."""

    source_id: str
    content: str
    contextual_helper: str | None
    metadata: dict[str, Any]
    replace: bool
    title: str | None
    file_name: str | None
    origin: str | None


class IngestPipeline:
    """Ingests texts into one database with one model (see the module docstring)."""

    def __init__(
        self, config: MemoirAIConfig, database: DatabaseManager, agents: AgentFactory
    ) -> None:
        """Ingest with ``config``'s settings into ``database``, calling models via ``agents``."""
        self.config = config
        self.database = database
        self.agents = agents
        self.depth = config.hierarchy_depth
        self.limits = {level: config.category_limit(level) for level in range(1, self.depth + 1)}
        self.chunker = TextChunker(
            config.chunk_min_tokens, config.chunk_max_tokens, model_name=config.model_name
        )
        self.options = ClassificationOptions(
            depth=self.depth,
            batch_size=config.batch_size,
            mode=config.path_assignment,
            tree_prompt_budget=config.tree_prompt_budget,
        )
        self.storage = StorageSettings(
            self.depth, self.limits, config.model_name, config.record_llm_payloads
        )
        self.claims = SourceClaims(database)
        self.fill_warnings = FillWarnings(self.limits)

    async def ingest_text(
        self,
        content: str,
        source_id: str,
        *,
        contextual_helper: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        replace: bool = False,
        title: str | None = None,
        file_name: str | None = None,
        origin: str | None = None,
    ) -> IngestResult:
        """Chunk, classify and store ``content`` as ``source_id``; see :class:`IngestResult`.

        ``title`` and ``file_name`` describe the source (the title is otherwise
        found in the text, else made from the file name); ``origin`` says where
        the text was read from (a file's absolute path): a source remembers
        the origin it was first read from, and text from another origin under
        the same id is refused, so two different files never share a source.
        ``metadata`` is the caller's own, stored as given.

        Raises:
            ValidationError: Empty text or source id.
            SourceChangedError: Different content under a stored ``source_id``
                without ``replace=True``.
            SourceCollisionError: The stored ``source_id`` was read from another
                ``origin``.
            ConfigurationError: The database holds a tree of another depth.
            ClassificationError: The model failed for good; nothing was stored.
            DatabaseError: Writing failed; nothing of the source was stored.
        """
        source_id = checked_source_id(source_id)
        request = _Request(
            source_id,
            check_content(content, source_id),
            contextual_helper,
            check_metadata(metadata),
            replace,
            title,
            file_name,
            origin,
        )
        # Claimed before anything is read or paid for: another ingestion of this id waits,
        # then finds what this one stored.
        async with self.claims.hold(source_id):
            return await self._ingest_claimed(request)

    async def _ingest_claimed(self, request: _Request) -> IngestResult:
        source_id, content = request.source_id, request.content
        digest = content_hash(content)
        snapshot = await self._in_thread(self._read_snapshot, source_id)
        if snapshot.stored_hash == digest:
            logger.info("Source %r is already stored with this content; nothing to do.", source_id)
            stored = await self._in_thread(self._stored_chunks, source_id)
            return IngestResult(
                source_id=source_id, status="unchanged", content_hash=digest, chunks=tuple(stored)
            )
        if snapshot.stored_hash is not None:
            check_origin(source_id, snapshot.stored_metadata, request.origin)
            if not request.replace:
                raise SourceChangedError(source_id)
        chunks = await asyncio.to_thread(self._chunk, content, source_id)
        operation_id = uuid.uuid4().hex
        keeper = IngestionKeeper(
            self.database,
            source_id,
            digest,
            operation_id=operation_id,
            keep_payloads=self.storage.keep_payloads,
        )
        records: list[LLMCallRecord] = []
        texts = [chunk.content for chunk in chunks]
        title = source_title(content[text_start(content) :], request.title, request.file_name)
        helper_inputs = HelperRequest(
            source_id,
            request.contextual_helper,
            snapshot.helper,
            replacing=snapshot.stored_hash is not None,
            texts=texts,
            title=title,
            file_name=request.file_name,
        )
        helper = await self._helper(helper_inputs, records, operation_id, keeper)
        tree = working_tree(snapshot.categories, self.depth, self.limits)
        self.fill_warnings.check(_counts(tree))  # a tree full before this source: said once
        paths = await self._classify(
            tree, texts, helper.text, records, (source_id, operation_id), keeper
        )
        plan = Plan(
            source_id,
            digest,
            chunks,
            paths,
            request.metadata,
            request.replace,
            records,
            operation_id,
            helper,
            title=title,
            file_name=request.file_name,
            origin=request.origin,
        )
        written = await self._write_until_it_fits(plan, helper.text, keeper)
        self.fill_warnings.check(_counts(tree))
        logger.info(
            "Ingested %r: %d chunk(s), %d new categor(ies), %d call(s) (%d reused).",
            source_id,
            len(written.chunks),
            len(written.categories_created),
            len(records),
            keeper.reused,
        )
        return IngestResult(
            source_id=source_id,
            status=written.status,
            content_hash=digest,
            chunks=tuple(written.chunks),
            categories_created=tuple(written.categories_created),
            llm_calls=tuple(records),
            operation_id=operation_id,
            contextual_helper=helper.text,
            helper_status=helper.status,
            helper_version=helper.kept_version,
        )

    # --- steps --------------------------------------------------------------------------

    def _chunk(self, content: str, source_id: str) -> list[TextChunk]:
        """The chunks of the text after any byte order mark, with offsets into ``content``."""
        start = text_start(content)
        chunks = self.chunker.chunk_text(content[start:], source_id)
        if not start:
            return chunks
        return [
            dataclasses.replace(
                chunk, start_offset=chunk.start_offset + start, end_offset=chunk.end_offset + start
            )
            for chunk in chunks
        ]

    async def _classify(
        self,
        tree: WorkingTree,
        texts: Sequence[str],
        helper: str | None,
        records: list[LLMCallRecord],
        operation: tuple[str, str],
        keeper: IngestionKeeper,
    ) -> list[tuple[str, ...]]:
        source_id, operation_id = operation
        classifier = Classifier(
            self.agents,
            tree,
            self.options,
            helper=helper,
            count_tokens=get_token_counter(self.config.model_name).count,
            keeper=keeper,
        )
        try:
            return await classifier.classify(texts)
        except ClassificationError:
            await self._record_calls([*records, *classifier.records], source_id, operation_id)
            raise
        finally:
            records.extend(classifier.records)

    async def _helper(
        self,
        inputs: HelperRequest,
        records: list[LLMCallRecord],
        operation_id: str,
        keeper: IngestionKeeper,
    ) -> HelperChoice:
        """The helper of this ingestion (see :mod:`memoir_ai.ingest._helper`)."""
        try:
            return await choose_helper(
                inputs,
                auto=self.config.auto_source_identification,
                database=self.database,
                agents=self.agents,
                counter=get_token_counter(self.config.model_name),
                records=records,
                keeper=keeper,
            )
        except LLMCallError as exc:
            records.append(exc.record)
            await self._record_calls(records, inputs.source_id, operation_id)
            raise ClassificationError(
                f"Could not describe source {inputs.source_id!r} before classifying it: "
                f"{exc.message}",
                remedy=exc.remedy,
            ) from exc

    async def _write_until_it_fits(
        self, plan: Plan, helper: str | None, keeper: IngestionKeeper
    ) -> Written:
        for _ in range(MAX_WRITE_ROUNDS):
            logger.info("Storing %d chunk(s) of %r.", len(plan.chunks), plan.source_id)
            try:
                return await self._in_thread(self._write, plan)
            except MemoirAIError as error:
                # Paid for, though not stored: the calls still go to the audit log.
                await self._record_calls(plan.records, plan.source_id, plan.operation_id)
                refused = refused_source(error)
                if refused is error:
                    raise
                raise refused from error
            except AlreadyStored:
                logger.info("Source %r was stored meanwhile with this content.", plan.source_id)
                # The calls were paid for even though their result is not stored.
                await self._record_calls(plan.records, plan.source_id, plan.operation_id)
                stored = await self._in_thread(self._stored_chunks, plan.source_id)
                return Written("unchanged", stored, [])
            except LimitConflict as conflict:
                logger.info(
                    "Another writer changed the tree: %d chunk(s) of %r classified again.",
                    len(conflict.refused),
                    plan.source_id,
                )
                tree = working_tree(conflict.categories, self.depth, self.limits)
                for index, path in enumerate(plan.paths):
                    if index not in conflict.refused:
                        tree.place(path)
                records = list(plan.records)
                texts = [plan.chunks[index].content for index in conflict.refused]
                again = await self._classify(
                    tree, texts, helper, records, (plan.source_id, plan.operation_id), keeper
                )
                for index, path in zip(conflict.refused, again, strict=True):
                    plan.paths[index] = path
                plan = dataclasses.replace(plan, records=records)
        raise ClassificationError(
            f"Source {plan.source_id!r} could not be fitted into the category limits after "
            f"{MAX_WRITE_ROUNDS} attempts while other writers kept filling the tree.",
            remedy="retry the ingestion, or raise max_categories_per_level.",
        )

    def _read_snapshot(self, source_id: str) -> Snapshot:
        def settle(session: Session) -> None:
            remember_settings(
                session, hierarchy_depth=self.depth, tokenizer_model=self.config.model_name
            )
            ensure_category_limits(session, self.limits)

        self.database.run(settle, doing="recording the database's settings")
        return self.database.run(
            lambda session: read_snapshot(session, source_id),
            doing=f"reading what is stored of {source_id!r}",
        )

    def _stored_chunks(self, source_id: str) -> list[IngestedChunk]:
        chunks = self.database.run(
            lambda session: source_chunks(session, source_id),
            doing=f"reading the chunks of {source_id!r}",
        )
        return [IngestedChunk.of(chunk) for chunk in chunks]

    def _write(self, plan: Plan) -> Written:
        # One transaction per attempt: a lost connection rolls all of it back, and the
        # whole source is written again from the plan, never half of it.
        return self.database.run(
            lambda session: write_plan(session, plan, self.storage),
            doing=f"storing source {plan.source_id!r}",
        )

    async def _record_calls(
        self, records: Sequence[LLMCallRecord], source_id: str, operation_id: str
    ) -> None:
        """Audit the calls of an ingestion whose source is not stored (failed, or beaten)."""

        def record() -> None:
            record_operation_calls(
                self.database,
                records,
                doing=f"recording the calls made for {source_id!r}",
                operation_id=operation_id,
                source_id=source_id,
                keep_payloads=self.storage.keep_payloads,
                replacing=True,  # the rows logged as the calls completed
            )

        try:
            await self._in_thread(record)
        except DatabaseError as exc:
            logger.warning("Could not record the calls of an unstored ingestion: %s", exc)

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        """Run blocking database work off the event loop, as one clean error if it fails."""
        try:
            return await asyncio.to_thread(function, *args)
        except DatabaseError as error:
            # The same class (a lost connection stays a DatabaseConnectionError), kind and remedy.
            stored = type(error)(
                f"{error.message} Nothing of the source was stored.", remedy=error.remedy
            )
            stored.kind, stored.retryable = error.kind, error.retryable
            raise stored from error


def _counts(tree: WorkingTree) -> dict[int, int]:
    return {level: tree.count(level) for level in range(1, tree.depth + 1)}


def source_title(content: str, title: str | None, file_name: str | None) -> str | None:
    """The title stored with a source: the caller's, else one found in the text.

    A ``Title:`` line or the first heading, else one made from ``file_name``.
    """
    if title is not None and title.strip():
        return title.strip()[:TITLE_LENGTH]
    found = detect_title(content, file_name)
    return found[:TITLE_LENGTH] if found else None
