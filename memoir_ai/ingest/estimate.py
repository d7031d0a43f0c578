"""What an ingestion will cost, before it runs: the calls, the tokens and the price.

:class:`IngestEstimator` goes through the steps of an ingestion without the
model and without writing anything: it reads what is stored (an unchanged
text costs nothing; the tree as it stands is what prompts will show), chunks
every text, chooses each helper as ingestion would, and classifies with the
very same :class:`~memoir_ai.ingest.classify.Classifier` and prompts. The
answers come from a stand-in — the offline model's lexical filing — so that
the tree grows and the prompts are built as in a real run; the configured
model is never called. Each prompt is measured as the provider would bill it:

- input: the prompt, the standing instructions and the output schema, counted
  with the model's own tokenizer (:mod:`memoir_ai.text.tokens`), plus a few
  tokens of message framing;
- output: the stand-in's answer, counted the same way; and, as a bound, each
  call's ``max_tokens``.

For the ``offline`` model itself the stand-in *is* the model, and the tokens
are counted as its runs record them. The price is liteLLM's bundled one
(:mod:`memoir_ai.llm.pricing`); :data:`ASSUMPTIONS` says what the figures rest on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memoir_ai.costs import CostEstimate, SourceEstimate
from memoir_ai.database.sources import checked_source_id
from memoir_ai.errors import ValidationError
from memoir_ai.ingest._checks import check_content, text_start
from memoir_ai.ingest._helper import HelperRequest, choose_helper
from memoir_ai.ingest._storage import Snapshot, read_snapshot, working_tree
from memoir_ai.ingest.classify import ClassificationOptions, Classifier
from memoir_ai.ingest.pipeline import content_hash, source_title
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.models import LLMSettings, structured_output_mode
from memoir_ai.llm.pricing import price_note, price_of
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.text.chunker import TextChunker
from memoir_ai.text.tokens import get_token_counter

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage, ModelResponse
    from pydantic_ai.models.function import AgentInfo

    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.database.engine import DatabaseManager
    from memoir_ai.database.opened import OpenedMemory
    from memoir_ai.ingest._tree import WorkingTree
    from memoir_ai.text.tokens import TokenCounter

__all__ = ["ASSUMPTIONS", "EstimateInput", "IngestEstimator", "estimate_ingest"]

# Tokens a provider adds around each message, and once per request (OpenAI's chat format).
MESSAGE_FRAMING_TOKENS = 4
REQUEST_FRAMING_TOKENS = 3

ASSUMPTIONS = (
    "No model was called: the offline stand-in answered every call, so the tree grows and "
    "the prompts are built as in a real run; a real model may file chunks differently, which "
    "changes the tree shown in prompts and, level by level, the number of calls.",
    "Input tokens: each prompt with its instructions and output schema, counted with the "
    "model's tokenizer, plus message framing.",
    "Output tokens: answers as long as the stand-in's; the bound is every call's max_tokens. "
    "Reasoning ('thinking') tokens are not included: turn thinking off or expect more.",
    "No retries: an answer that has to be asked again, or a failed request, costs again.",
    "Texts stored unchanged cost nothing; kept answers of an interrupted run are not counted "
    "as savings.",
)


@dataclass(frozen=True)
class EstimateInput:
    """One text to estimate, as ``ingest_text`` would get it."""

    source_id: str
    content: str
    file_name: str | None = None


class IngestEstimator:
    """Estimates ingestions into one database with one model (see the module docstring)."""

    def __init__(
        self, config: MemoirAIConfig, database: DatabaseManager, *, model_name: str, stored: bool
    ) -> None:
        """Estimate with ``config``; ``stored`` says whether the database has anything to read."""
        self.config = config
        self.database = database
        self.model_name = model_name
        self.stored = stored
        self.depth = config.hierarchy_depth
        self.limits = {level: config.category_limit(level) for level in range(1, self.depth + 1)}
        self.counter = get_token_counter(config.model_name)
        offline = model_name == "offline"
        self.agents = AgentFactory(
            LLMSettings.from_config(config),
            model=_stand_in(model_name, None if offline else self.counter),
            output_mode=structured_output_mode(model_name, config.structured_output),
        )

    async def estimate(self, inputs: Sequence[EstimateInput], *, replace: bool) -> CostEstimate:
        """The expected calls, tokens and price of ingesting ``inputs`` in order."""
        tree: WorkingTree | None = None
        sources = []
        for item in inputs:
            snapshot = self._snapshot(item.source_id)
            if tree is None:
                tree = working_tree(snapshot.categories, self.depth, self.limits)
            sources.append(await self._one(item, snapshot, tree, replace))
        return CostEstimate(
            model=self.model_name,
            sources=tuple(sources),
            price=price_of(self.model_name),
            price_note=price_note(self.model_name),
            assumptions=ASSUMPTIONS,
        )

    async def _one(
        self, item: EstimateInput, snapshot: Snapshot, tree: WorkingTree, replace: bool
    ) -> SourceEstimate:
        try:
            source_id = checked_source_id(item.source_id)
            content = check_content(item.content, source_id)
        except ValidationError as error:
            return _nothing(item.source_id, "invalid", error.message)
        digest = content_hash(content)
        if snapshot.stored_hash == digest:
            return _nothing(source_id, "unchanged", None)
        if snapshot.stored_hash is not None and not replace:
            return _nothing(source_id, "refused", "other text is stored under this id: --replace")
        start = text_start(content)
        chunker = TextChunker(
            self.config.chunk_min_tokens,
            self.config.chunk_max_tokens,
            model_name=self.config.model_name,
        )
        texts = [chunk.content for chunk in chunker.chunk_text(content[start:], source_id)]
        records: list[LLMCallRecord] = []
        helper = await choose_helper(
            HelperRequest(
                source_id,
                None,
                snapshot.helper,
                replacing=snapshot.stored_hash is not None,
                texts=texts,
                title=source_title(content[start:], None, item.file_name),
                file_name=item.file_name,
            ),
            auto=self.config.auto_source_identification,
            database=self.database,
            agents=self.agents,
            counter=self.counter,
            records=records,
        )
        classifier = Classifier(
            self.agents,
            tree,
            ClassificationOptions(
                depth=self.depth,
                batch_size=self.config.batch_size,
                mode=self.config.path_assignment,
                tree_prompt_budget=self.config.tree_prompt_budget,
            ),
            helper=helper.text,
            count_tokens=self.counter.count,
        )
        await classifier.classify(texts)
        records.extend(classifier.records)
        return SourceEstimate(
            source_id=source_id,
            status="replaced" if snapshot.stored_hash is not None else "created",
            chunks=len(texts),
            calls=len(records),
            input_tokens=sum(record.input_tokens for record in records),
            output_tokens=sum(record.output_tokens for record in records),
            output_tokens_bound=sum(record.max_tokens or 0 for record in records),
        )

    def _snapshot(self, source_id: str) -> Snapshot:
        if not self.stored:
            return Snapshot(None, {}, [], None)
        return self.database.run(
            lambda session: read_snapshot(session, source_id),
            doing=f"reading what is stored of {source_id!r}",
        )


async def estimate_ingest(
    memory: OpenedMemory,
    database: DatabaseManager,
    model_name: str,
    texts: Mapping[str, str],
    replace: bool,
    file_names: Mapping[str, str],
) -> CostEstimate:
    """Estimate ``texts`` (source id → text) against the memory ``memory`` opens, read-only."""
    config, stored = await asyncio.to_thread(_open_for_estimate, memory, database.config)
    estimator = IngestEstimator(config, database, model_name=model_name, stored=stored)
    inputs = [EstimateInput(key, text, file_names.get(key)) for key, text in texts.items()]
    return await estimator.estimate(inputs, replace=replace)


def _open_for_estimate(memory: OpenedMemory, config: MemoirAIConfig) -> tuple[MemoirAIConfig, bool]:
    """The configuration in force, and whether the database holds anything to read.

    No SQLite file or no schema yet: nothing is stored (and nothing is made). Any
    other failure is the user's to see — an estimate against a server that is
    down, or a schema that is ahead, would be an estimate of the wrong thing.
    """
    if memory.holds_nothing_yet():
        return config, False
    return memory.open_for_reading(), True


def _nothing(source_id: str, status: str, note: str | None) -> SourceEstimate:
    return SourceEstimate(
        source_id=source_id,
        status=status,
        chunks=0,
        calls=0,
        input_tokens=0,
        output_tokens=0,
        output_tokens_bound=0,
        note=note,
    )


def _stand_in(model_name: str, counter: TokenCounter | None) -> Any:
    """The offline model under ``model_name``, measuring tokens with ``counter`` if given."""
    from pydantic_ai.models.function import FunctionModel

    from memoir_ai.llm.offline import OfflineResponder

    return FunctionModel(_Measured(OfflineResponder(), counter), model_name=model_name)


@dataclass(frozen=True)
class _Measured:
    """The offline responder, with the usage a provider would bill (offline: its own)."""

    responder: OfflineResponder
    counter: TokenCounter | None

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        from pydantic_ai.messages import ModelRequest, TextPart, ToolCallPart
        from pydantic_ai.usage import RequestUsage

        response = await self.responder(messages, info)
        if self.counter is None:
            return response  # the FunctionModel counts as the offline model's runs do
        count = self.counter.count
        sent = [info.instructions or ""]
        for message in messages:
            if isinstance(message, ModelRequest):
                sent.extend(str(getattr(part, "content", "")) for part in message.parts)
        schema = _schema(info)
        input_tokens = REQUEST_FRAMING_TOKENS + sum(
            count(text) + MESSAGE_FRAMING_TOKENS for text in sent if text
        )
        input_tokens += count(json.dumps(schema)) if schema else 0
        answer = "".join(
            part.content
            if isinstance(part, TextPart)
            else part.args_as_json_str()
            if isinstance(part, ToolCallPart)
            else ""
            for part in response.parts
        )
        response.usage = RequestUsage(input_tokens=input_tokens, output_tokens=count(answer))
        return response


def _schema(info: AgentInfo) -> dict[str, Any] | None:
    if info.output_tools:
        return dict(info.output_tools[0].parameters_json_schema)
    output_object = info.model_request_parameters.output_object
    return dict(output_object.json_schema) if output_object is not None else None


if TYPE_CHECKING:
    from memoir_ai.llm.offline import OfflineResponder
