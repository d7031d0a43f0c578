"""What a query returns, and the choices it takes: strategies, limiting modes, paths, chunks, calls.

Every result type is a frozen pydantic model (:class:`~memoir_ai.results.PublicResult`):
``memoir query --json`` prints ``result.model_dump(mode="json")``. Nothing here touches
the database or a model.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

from pydantic import BaseModel, Field, SerializeAsAny, computed_field

from memoir_ai.costs import ModelCost
from memoir_ai.errors import QueryError
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.query.trace import QueryTrace, TraceChoice, TraceLevel, TraceStep
from memoir_ai.results import PublicResult

__all__ = [
    "CategoryPath",
    "DropReason",
    "DroppedPath",
    "NoResultsError",
    "PromptLimitingStrategy",
    "QueryCall",
    "QueryResult",
    "QueryStrategy",
    "QueryTrace",
    "TraceChoice",
    "TraceLevel",
    "TraceStep",
    "UsedChunk",
]

DropReason = Literal["no_children", "empty_leaf", "over_budget"]
"""Why a path was left out: it stops above the configured depth, its leaf holds no chunk,
or its chunks did not fit the token budget (PRUNE)."""


class QueryStrategy(enum.StrEnum):
    """How the tree is walked: how many categories each level keeps, across all parents.

    There is one selection call per parent (run concurrently within a level);
    the level then keeps its count fairly across parents (every parent's first
    choice before any second choice):

    - ``one_shot``: 1 at every level — a single path.
    - ``wide_branch``: N at every level (``{"n": 3}`` by default).
    - ``zoom_in``: N at level 1, then N2 fewer at each level, never fewer than 1
      (``{"n": 6, "n2": 2}``: 6, 4, 2, 1, 1, ...).
    - ``branch_out``: N at level 1, then N2 more at each level (``{"n": 6, "n2": 2}``:
      6, 8, 10, ...), capped by the children that exist.
    """

    ONE_SHOT = "one_shot"
    WIDE_BRANCH = "wide_branch"
    ZOOM_IN = "zoom_in"
    BRANCH_OUT = "branch_out"


class PromptLimitingStrategy(enum.StrEnum):
    """What to do when the retrieved chunks do not fit ``max_token_budget``."""

    PRUNE = "prune"
    SUMMARIZE = "summarize"


class CategoryPath(PublicResult):
    """A branch chosen by the traversal, from level 1 down.

    ``ranked_relevance`` holds the rank the model gave each category among its
    siblings (the most relevant of ``k`` chosen gets ``k``) and ``choices`` the
    ``k`` of each of those selection calls.
    """

    ids: tuple[int, ...]
    names: tuple[str, ...]
    ranked_relevance: tuple[int, ...]
    choices: tuple[int, ...]

    @property
    def leaf_id(self) -> int:
        """The id of the last category of the path."""
        return self.ids[-1]

    @property
    def rank_key(self) -> tuple[float, ...]:
        """The path's rank for pruning: relevance/choices per level, compared root first.

        Lexicographic from the root: a branch under a more relevant top category
        outranks every branch under a less relevant one, then level 2 decides,
        and so on. Ranks are normalized by the number of categories chosen in
        their call, so that ranks from calls of different sizes compare fairly.
        """
        return tuple(
            rank / count for rank, count in zip(self.ranked_relevance, self.choices, strict=True)
        )

    def label(self) -> str:
        """The path as people read it: ``A > B > C``."""
        return " > ".join(self.names)


class DroppedPath(PublicResult):
    """A path the query could not use, and why."""

    path: CategoryPath
    reason: DropReason
    detail: str = ""


class UsedChunk(PublicResult):
    """A chunk put into the answer prompt (its text, or its summary with SUMMARIZE).

    ``cited`` says whether the answer relies on it.
    """

    id: int
    category_path: tuple[str, ...]
    relevance: tuple[int, ...]
    created_at: dt.datetime
    text: str
    source_id: str
    token_count: int
    summary: str | None = None
    cited: bool = False


class QueryCall(LLMCallRecord):
    """One model call of a query: its audit record and the typed output it produced.

    Every field of :class:`~memoir_ai.llm.records.LLMCallRecord`, plus
    ``output`` (dumped with its own fields, whatever its output type).
    """

    output: SerializeAsAny[BaseModel] | None = None

    @property
    def timestamp(self) -> dt.datetime:
        """When the call started (``started_at``)."""
        return self.started_at

    @property
    def record(self) -> LLMCallRecord:
        """The call as the audit log keeps it, without its output."""
        return LLMCallRecord.model_validate(
            {name: getattr(self, name) for name in LLMCallRecord.model_fields}
        )

    @classmethod
    def from_record(cls, record: LLMCallRecord, output: BaseModel | None) -> QueryCall:
        """The call described by ``record``, with the output it produced."""
        return cls.model_validate(
            {
                **{name: getattr(record, name) for name in LLMCallRecord.model_fields},
                "output": output,
            }
        )


class QueryResult(PublicResult):
    """The answer to a question and everything needed to audit it.

    ``chunks`` are the chunks shown to the answering model, in prompt order;
    ``cited_chunk_ids`` those the answer says it relies on (always a subset).
    ``paths`` are the paths whose chunks were used, ``dropped_paths`` every path
    left out with its reason. ``llm_calls`` lists every model call in the order
    made; they are also in the ``llm_calls`` table under ``operation_id``.
    ``trace`` is the walk down the tree, level by level (see :class:`QueryTrace`).
    """

    query: str
    answer: str
    cited_chunk_ids: tuple[int, ...]
    chunks: tuple[UsedChunk, ...]
    paths: tuple[CategoryPath, ...]
    dropped_paths: tuple[DroppedPath, ...]
    llm_calls: tuple[QueryCall, ...]
    total_latency_seconds: float
    strategy: QueryStrategy
    prompt_limiting_strategy: PromptLimitingStrategy
    max_token_budget: int
    prompt_tokens: int
    summarized: bool
    operation_id: str
    temperature: float | None
    trace: QueryTrace = Field(default_factory=lambda: QueryTrace(levels=()))

    @property
    def cited_chunks(self) -> tuple[UsedChunk, ...]:
        """The used chunks the answer cites, in prompt order."""
        cited = set(self.cited_chunk_ids)
        return tuple(chunk for chunk in self.chunks if chunk.id in cited)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def llm_call_count(self) -> int:
        """How many model calls the query made."""
        return len(self.llm_calls)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def costs(self) -> tuple[ModelCost, ...]:
        """Per model: the calls, tokens and USD where the price is known."""
        from memoir_ai.llm.pricing import costs_by_model

        return costs_by_model(self.llm_calls)


class NoResultsError(QueryError):
    """Nothing could be put before the answering model; carries every path considered."""

    def __init__(
        self,
        message: str,
        *,
        dropped_paths: tuple[DroppedPath, ...],
        considered_paths: tuple[CategoryPath, ...] = (),
        remedy: str | None = None,
    ) -> None:
        """Create the error with the paths that were considered and why each was dropped."""
        self.dropped_paths = dropped_paths
        self.considered_paths = considered_paths
        super().__init__(message, remedy=remedy)
