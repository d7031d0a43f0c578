"""memoir-ai: explainable long-term memory for LLM applications.

Text is chunked by tokens, filed by an LLM under a category tree kept in an
ordinary SQL database, and retrieved by walking that tree. Heavy modules
(SQLAlchemy, pydantic-ai, litellm) load only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memoir_ai.errors import (
    CategoryNotFoundError,
    ClassificationError,
    ConfigurationError,
    DatabaseConnectionError,
    DatabaseError,
    LLMError,
    MemoirAIError,
    MigrationError,
    NotFoundError,
    QueryError,
    SourceChangedError,
    SourceCollisionError,
    TreeChangeError,
    ValidationError,
)

if TYPE_CHECKING:
    from memoir_ai.browse import CategoryDetail
    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.costs import CostEstimate, ModelCost, ModelPrice, SourceEstimate
    from memoir_ai.evaluation.results import (
        EvalEvidenceCheck,
        EvalQuestionResult,
        EvalReport,
        EvalStrategyResult,
    )
    from memoir_ai.front_doors import CallLog, SourceDeleted
    from memoir_ai.helpers.compose import HelperFields
    from memoir_ai.helpers.service import HelperPreview
    from memoir_ai.ingest.results import IngestedChunk, IngestResult
    from memoir_ai.llm.records import LLMCallRecord
    from memoir_ai.maintenance.results import (
        CategoryChange,
        CategoryState,
        ChunkPlacement,
        MergeProposal,
        SkippedProposal,
        TidyPlan,
        TreeState,
    )
    from memoir_ai.memoir import MemoirAI
    from memoir_ai.query.results import (
        CategoryPath,
        DroppedPath,
        PromptLimitingStrategy,
        QueryCall,
        QueryResult,
        QueryStrategy,
        QueryTrace,
        TraceChoice,
        TraceLevel,
        TraceStep,
        UsedChunk,
    )
    from memoir_ai.query.wording import QueryWording
    from memoir_ai.results import (
        CallTotals,
        CategoryNode,
        CategoryTree,
        ChunkDetail,
        DatabaseInfo,
        LevelFill,
        LoggedCall,
        LoggedCallDetail,
        SourceSummary,
        StoredHelper,
    )
    from memoir_ai.upkeep import VacuumResult

__version__ = "0.1.0"

__all__ = [
    "CallLog",
    "CallTotals",
    "CategoryChange",
    "CategoryDetail",
    "CategoryNode",
    "CategoryNotFoundError",
    "CategoryPath",
    "CategoryState",
    "CategoryTree",
    "ChunkDetail",
    "ChunkPlacement",
    "ClassificationError",
    "ConfigurationError",
    "CostEstimate",
    "DatabaseConnectionError",
    "DatabaseError",
    "DatabaseInfo",
    "DroppedPath",
    "EvalEvidenceCheck",
    "EvalQuestionResult",
    "EvalReport",
    "EvalStrategyResult",
    "HelperFields",
    "HelperPreview",
    "IngestResult",
    "IngestedChunk",
    "LLMCallRecord",
    "LLMError",
    "LevelFill",
    "LoggedCall",
    "LoggedCallDetail",
    "MemoirAI",
    "MemoirAIConfig",
    "MemoirAIError",
    "MergeProposal",
    "MigrationError",
    "ModelCost",
    "ModelPrice",
    "NotFoundError",
    "PromptLimitingStrategy",
    "QueryCall",
    "QueryError",
    "QueryResult",
    "QueryStrategy",
    "QueryTrace",
    "QueryWording",
    "SourceChangedError",
    "SkippedProposal",
    "SourceCollisionError",
    "SourceDeleted",
    "SourceEstimate",
    "SourceSummary",
    "StoredHelper",
    "TidyPlan",
    "TraceChoice",
    "TraceLevel",
    "TraceStep",
    "TreeChangeError",
    "TreeState",
    "UsedChunk",
    "VacuumResult",
    "ValidationError",
    "__version__",
]


# Where the lazily loaded public names live. Each module lists its names once, in its
# own ``__all__``; a name of ``__all__`` above is served by the first module here that
# lists it. The light modules come first, so that ``MemoirAI`` loads nothing heavy.
_HOMES = (
    "memoir_ai.memoir",
    "memoir_ai.results",
    "memoir_ai.front_doors",
    "memoir_ai.browse",
    "memoir_ai.maintenance.results",
    "memoir_ai.evaluation.results",
    "memoir_ai.config",
    "memoir_ai.query.wording",
    "memoir_ai.query.results",
    "memoir_ai.llm.records",
    "memoir_ai.ingest.results",
    "memoir_ai.costs",
    "memoir_ai.upkeep",
    "memoir_ai.helpers.compose",
    "memoir_ai.helpers.service",
)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (they pull in the heavy dependencies)."""
    if name in __all__:
        import importlib

        for home in _HOMES:
            module = importlib.import_module(home)
            if name in module.__all__:
                value = getattr(module, name)
                globals()[name] = value  # found once; later look-ups do not come here
                return value
    raise AttributeError(f"module 'memoir_ai' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, including the lazily loaded ones."""
    return sorted({*globals(), *__all__})
