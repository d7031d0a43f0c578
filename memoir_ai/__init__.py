"""memoir-ai: explainable long-term memory for LLM applications.

Text is chunked by tokens, filed by an LLM under a category tree kept in an
ordinary SQL database, and retrieved by walking that tree. Heavy modules
(SQLAlchemy, pydantic-ai, litellm) load only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memoir_ai.errors import (
    ClassificationError,
    ConfigurationError,
    DatabaseConnectionError,
    DatabaseError,
    LLMError,
    MemoirAIError,
    MigrationError,
    QueryError,
    ValidationError,
)

if TYPE_CHECKING:
    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.memoir import MemoirAI
    from memoir_ai.query.results import PromptLimitingStrategy, QueryResult, QueryStrategy

__version__ = "0.1.0"

__all__ = [
    "ClassificationError",
    "ConfigurationError",
    "DatabaseConnectionError",
    "DatabaseError",
    "LLMError",
    "MemoirAI",
    "MemoirAIConfig",
    "MemoirAIError",
    "MigrationError",
    "PromptLimitingStrategy",
    "QueryError",
    "QueryResult",
    "QueryStrategy",
    "ValidationError",
    "__version__",
]


_QUERY_NAMES = frozenset({"PromptLimitingStrategy", "QueryResult", "QueryStrategy"})


def __getattr__(name: str) -> Any:
    """Load MemoirAI and MemoirAIConfig on first use: they pull in the heavy dependencies."""
    if name == "MemoirAIConfig":
        from memoir_ai.config import MemoirAIConfig

        return MemoirAIConfig
    if name == "MemoirAI":
        from memoir_ai.memoir import MemoirAI

        return MemoirAI
    if name in _QUERY_NAMES:
        from memoir_ai.query import results

        return getattr(results, name)
    raise AttributeError(f"module 'memoir_ai' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, including the lazily loaded ones."""
    return sorted({*globals(), *__all__})
