"""Batch classification: file every chunk under a leaf of the category tree, with an LLM.

Chunks go to the model ``batch_size`` at a time as numbered blocks; the answer
names chunks by number only. Two ways to assign a path, chosen per batch:

- **level by level**: one call per level (and per parent, when the chunks of a
  batch part ways), showing only the categories under the chosen parent. When
  a level is full, the output schema admits only existing names (a ``Literal``).
- **whole path**: one call that returns the whole path of every chunk, showing
  the whole tree. In ``auto`` mode it is used when the tree fits
  ``tree_prompt_budget`` tokens and it costs no more tokens than level by
  level (it always costs fewer calls). A full level does not change the
  choice: the prompt names the levels where nothing new can be made (a full
  level and those above it), and answers are checked against the limits.

A chunk whose answer is missing, duplicated or unusable is sent again alone
(at most ``chunk_retries`` times); chunks that got a usable answer are never
sent again at that step. Chunks whose new category a limit refused are not the
model's fault: they go again together, level by level under their common
parent, where a full level admits only its existing names (a ``Literal``) — so
a full tree costs no more calls than a free one.
Batches run concurrently, at most ``max_concurrency`` calls at a time. A
prompt is built only when its call may start, so it shows the categories that
earlier calls of the same ingestion have just planned; and when the tree is
empty, the first batch runs alone to seed it. Without both, every concurrent
batch would see the same empty tree and invent its own near-duplicates.
Every call's record is kept in :attr:`Classifier.records`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from pydantic import BaseModel

from memoir_ai.errors import ClassificationError, MemoirAIError
from memoir_ai.ingest._batches import check_categories, check_paths, split_batches
from memoir_ai.ingest._tree import Node, WorkingTree
from memoir_ai.llm import prompts
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.kept import OutputKeeper
from memoir_ai.llm.records import LLMCallError, LLMCallRecord
from memoir_ai.llm.schemas import (
    LLMPurpose,
    classification_output,
    path_classification_output,
)

__all__ = ["AssignmentMode", "ClassificationOptions", "Classifier"]

logger = logging.getLogger(__name__)

AssignmentMode = Literal["auto", "whole_path", "level_by_level"]
OutputT = TypeVar("OutputT", bound=BaseModel)

# Tokens of a call beyond its prompt: instructions and output schema (an estimate, for choosing).
CALL_OVERHEAD_TOKENS = 250
LIMIT_PROBLEM = "a new category there would exceed the limit of its level"
MAX_REFUSALS = 50


@dataclass(frozen=True)
class ClassificationOptions:
    """How to classify: tree depth, batch size, path-assignment mode and retry bound."""

    depth: int
    batch_size: int = 5
    mode: AssignmentMode = "auto"
    tree_prompt_budget: int = 4000
    chunk_retries: int = 2


@dataclass(eq=False)
class _Item:
    """One chunk being classified: where it has got to in the tree, and its failed answers."""

    index: int
    text: str
    node: Node
    failures: int = 0
    refusals: int = 0
    problem: str | None = None


@dataclass
class _BatchStats:
    chunks: int
    calls: int = 0
    retried: int = 0
    modes: Counter[str] = field(default_factory=Counter)


class Classifier:
    """Files chunks under leaves of a :class:`WorkingTree`, planning the categories it needs."""

    def __init__(
        self,
        agents: AgentFactory,
        tree: WorkingTree,
        options: ClassificationOptions,
        *,
        helper: str | None = None,
        count_tokens: Callable[[str], int] = lambda text: len(text) // 4,
        keeper: OutputKeeper | None = None,
    ) -> None:
        """Classify into ``tree`` with ``agents``; ``helper`` describes the source in prompts.

        ``keeper`` keeps each call's answer as it completes, and gives back the
        answers an earlier, interrupted run kept (see :mod:`memoir_ai.llm.kept`).
        """
        self.agents = agents
        self.keeper = keeper
        self.tree = tree
        self.options = options
        self.helper = helper
        self.count_tokens = count_tokens
        self.records: list[LLMCallRecord] = []
        self.mode_calls: Counter[str] = Counter()
        self._batches = 0
        # Held from building a prompt to planning its answers, never across retries.
        self._slots = asyncio.Semaphore(agents.settings.max_concurrency)

    async def classify(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The leaf path of every text, in order.

        Raises:
            ClassificationError: A call failed for good (provider down, output
                never valid), or a chunk got no usable answer within its retries.
        """
        items = [_Item(index, text, self.tree.root) for index, text in enumerate(texts)]
        batches = split_batches(items, self.options.batch_size)
        try:
            if batches and not self.tree.child_names(self.tree.root):
                await self._batch(batches.pop(0))  # seed the empty tree before fanning out
            async with asyncio.TaskGroup() as group:
                for batch in batches:
                    group.create_task(self._batch(batch))
        except BaseExceptionGroup as failures:
            error = _first_error(failures)
            raise error from error.__cause__
        return [item.node.path for item in items]

    async def _batch(self, items: list[_Item]) -> None:
        self._batches += 1
        number = self._batches
        stats = _BatchStats(chunks=len(items))
        started = time.perf_counter()
        await self._assign(items, stats)
        logger.info(
            "Batch %d: %d chunk(s) sent, %d classified, %d retried alone, %d call(s) (%s), %.2fs",
            number,
            stats.chunks,
            len(items),
            stats.retried,
            stats.calls,
            ", ".join(f"{mode} {count}" for mode, count in sorted(stats.modes.items())),
            time.perf_counter() - started,
        )

    async def _assign(self, items: list[_Item], stats: _BatchStats) -> None:
        async with self._slots:
            whole_path = self.choose_mode(items) == "whole_path"
        if whole_path:
            await self._whole_paths(items, stats)
        else:
            await self._level_by_level(items, stats)

    def choose_mode(self, items: Sequence[_Item]) -> Literal["whole_path", "level_by_level"]:
        """Whole paths or level by level for this batch (see the module docstring)."""
        tree = self.tree
        if self.options.mode == "level_by_level" or tree.depth == 1:
            return "level_by_level"
        if self.options.mode == "whole_path":
            return "whole_path"
        outline = "\n".join(prompts.PATH_SEPARATOR.join(path) for path in tree.leaf_paths())
        if self.count_tokens(outline) > self.options.tree_prompt_budget:
            return "level_by_level"
        path_tokens = self.count_tokens(self._path_prompt(items)) + CALL_OVERHEAD_TOKENS
        level_prompt = self._level_prompt(items, tree.root, tree.child_names(tree.root), True)
        level_tokens = tree.depth * (self.count_tokens(level_prompt) + CALL_OVERHEAD_TOKENS)
        return "whole_path" if path_tokens <= level_tokens else "level_by_level"

    # --- whole paths --------------------------------------------------------------------

    def _path_prompt(self, items: Sequence[_Item]) -> str:
        return prompts.path_classification_prompt(
            _prompt_chunks(items),
            depth=self.tree.depth,
            tree=self.tree.leaf_paths(),
            full_levels=self.tree.closed_levels(),
            helper=self.helper,
        )

    async def _whole_paths(self, items: list[_Item], stats: _BatchStats) -> None:
        failed = []
        async with self._slots:
            output = await self._call(
                path_classification_output(self.tree.depth, len(items)),
                self._path_prompt(items),
                stats,
            )
            stats.modes["whole_path"] += 1
            answers = check_paths(output.chunks, len(items), self.tree.depth)
            for item, answer in zip(items, answers, strict=True):
                leaf = self.tree.place(answer.names) if answer.ok else None
                if leaf is None:
                    item.problem = answer.problem
                    failed.append(item)
                else:
                    item.node = leaf
        await self._retry(failed, stats, self._assign)

    # --- level by level -----------------------------------------------------------------

    def _level_prompt(
        self, items: Sequence[_Item], parent: Node, existing: Sequence[str], allow_new: bool
    ) -> str:
        return prompts.classification_prompt(
            _prompt_chunks(items),
            level=parent.level + 1,
            depth=self.tree.depth,
            existing=existing,
            allow_new=allow_new,
            parent_path=parent.path,
            helper=self.helper,
        )

    async def _level_by_level(self, items: list[_Item], stats: _BatchStats) -> None:
        while True:
            groups: dict[int, list[_Item]] = {}
            for item in items:
                if item.node.level < self.tree.depth:
                    groups.setdefault(id(item.node), []).append(item)
            if not groups:
                return
            await asyncio.gather(*(self._one_level(group, stats) for group in groups.values()))

    async def _one_level(self, items: list[_Item], stats: _BatchStats) -> None:
        parent = items[0].node
        failed = []
        async with self._slots:
            existing = self.tree.child_names(parent)
            allow_new = self.tree.can_create_under(parent)
            output_type = classification_output(existing, allow_new, len(items))
            prompt = self._level_prompt(items, parent, existing, allow_new)
            output = await self._call(output_type, prompt, stats)
            stats.modes["level_by_level"] += 1
            answers = check_categories(output.chunks, len(items))
            for item, answer in zip(items, answers, strict=True):
                child = self.tree.get_or_plan(parent, answer.names[0]) if answer.ok else None
                if child is None:
                    item.problem = answer.problem
                    failed.append(item)
                else:
                    item.node = child
        await self._retry(failed, stats, self._one_level)

    # --- shared -------------------------------------------------------------------------

    async def _retry(
        self,
        failed: list[_Item],
        stats: _BatchStats,
        alone: Callable[[list[_Item], _BatchStats], Awaitable[None]],
    ) -> None:
        """Send unusable answers again alone, and chunks a limit refused again together."""
        refused = []
        for item in failed:
            # A usable name refused by a limit is not the model's fault: the level filled
            # (or another call of this ingestion took its last slot after the prompt was
            # built). Each refusal means a slot was used, so they are bounded by the limits;
            # MAX_REFUSALS is a backstop.
            if item.problem is None:
                item.refusals += 1
                exhausted = item.refusals > MAX_REFUSALS
                refused.append(item)
            else:
                item.failures += 1
                exhausted = item.failures > self.options.chunk_retries
            logger.info(
                "Chunk %d gets no usable answer (%s); sending it again%s.",
                item.index + 1,
                item.problem or LIMIT_PROBLEM,
                " alone" if item.problem else " with the others refused, level by level",
            )
            if exhausted:
                raise ClassificationError(
                    f"Chunk {item.index + 1} could not be classified after "
                    f"{item.failures + item.refusals} answer(s): {item.problem or LIMIT_PROBLEM}.",
                    remedy="retry the ingestion, use a model that follows instructions more "
                    "reliably, or raise max_categories_per_level if the tree is full.",
                )
        stats.retried += len(failed)
        again = [alone([item], stats) for item in failed if item.problem is not None]
        if refused:
            # Level by level narrows a closed level to its existing names, and groups the
            # refused chunks by where they stand: one call per parent, as for a fresh batch.
            again.append(self._level_by_level(refused, stats))
        await asyncio.gather(*again)

    async def _call(self, output_type: type[OutputT], prompt: str, stats: _BatchStats) -> OutputT:
        stats.calls += 1
        try:
            output, record = await self.agents.call(
                output_type, prompt, LLMPurpose.CLASSIFY, keeper=self.keeper
            )
        except LLMCallError as exc:
            self.records.append(exc.record)
            raise ClassificationError(
                f"Classification failed: {exc.message}", remedy=exc.remedy
            ) from exc
        self.records.append(record)
        mode = "whole_path" if output_type.__name__ == "ChunkPaths" else "level_by_level"
        self.mode_calls[mode] += 1
        return output


def _prompt_chunks(items: Sequence[_Item]) -> list[prompts.PromptChunk]:
    return [prompts.PromptChunk(number, item.text) for number, item in enumerate(items, 1)]


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to raise for a failed task group: ours first, then whatever came first."""
    leaves: list[BaseException] = []

    def collect(error: BaseException) -> None:
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                collect(inner)
        else:
            leaves.append(error)

    collect(group)
    for error in leaves:
        if isinstance(error, MemoirAIError):
            return error
    return leaves[0]
