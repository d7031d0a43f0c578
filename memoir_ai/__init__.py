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
    from memoir_ai.ingest.results import IngestResult
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
    "IngestResult",
    "LLMCallRecord",
    "LLMError",
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


_QUERY_NAMES = frozenset(
    {
        "CategoryPath",
        "DroppedPath",
        "PromptLimitingStrategy",
        "QueryCall",
        "QueryResult",
        "QueryStrategy",
        "QueryTrace",
        "TraceChoice",
        "TraceLevel",
        "TraceStep",
        "UsedChunk",
    }
)
_MAINTENANCE_NAMES = frozenset(
    {
        "CategoryChange",
        "CategoryState",
        "ChunkPlacement",
        "MergeProposal",
        "SkippedProposal",
        "TidyPlan",
        "TreeState",
    }
)
_EVAL_NAMES = frozenset(
    {"EvalEvidenceCheck", "EvalQuestionResult", "EvalReport", "EvalStrategyResult"}
)
_RESULT_NAMES = frozenset(
    {
        "CallTotals",
        "CategoryNode",
        "CategoryTree",
        "ChunkDetail",
        "DatabaseInfo",
        "LoggedCall",
        "LoggedCallDetail",
        "SourceSummary",
        "StoredHelper",
    }
)

# Names loaded from the module that defines them, on first use.
_DEFINED_IN = {
    **{name: "memoir_ai.costs" for name in ("CostEstimate", "ModelCost", "ModelPrice")},
    "SourceEstimate": "memoir_ai.costs",
    "VacuumResult": "memoir_ai.upkeep",
    "IngestResult": "memoir_ai.ingest.results",
}


def __getattr__(name: str) -> Any:
    """Load MemoirAI and MemoirAIConfig on first use: they pull in the heavy dependencies."""
    if name == "MemoirAIConfig":
        from memoir_ai.config import MemoirAIConfig

        return MemoirAIConfig
    if name == "MemoirAI":
        from memoir_ai.memoir import MemoirAI

        return MemoirAI
    if name in _QUERY_NAMES:
        from memoir_ai.query import results as query_results

        return getattr(query_results, name)
    if name == "LLMCallRecord":
        from memoir_ai.llm.records import LLMCallRecord

        return LLMCallRecord
    if name == "QueryWording":
        from memoir_ai.query.wording import QueryWording

        return QueryWording
    if name in _MAINTENANCE_NAMES:
        from memoir_ai.maintenance import results as maintenance_results

        return getattr(maintenance_results, name)
    if name in _RESULT_NAMES:
        from memoir_ai import results

        return getattr(results, name)
    if name == "CategoryDetail":
        from memoir_ai.browse import CategoryDetail

        return CategoryDetail
    if name in _EVAL_NAMES:
        from memoir_ai.evaluation import results as eval_results

        return getattr(eval_results, name)
    if name in ("CallLog", "SourceDeleted"):
        from memoir_ai import front_doors

        return getattr(front_doors, name)
    if name in _DEFINED_IN:
        import importlib

        return getattr(importlib.import_module(_DEFINED_IN[name]), name)
    raise AttributeError(f"module 'memoir_ai' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, including the lazily loaded ones."""
    return sorted({*globals(), *__all__})
