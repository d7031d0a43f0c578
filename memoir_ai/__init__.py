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

__version__ = "0.1.0"

__all__ = [
    "ClassificationError",
    "ConfigurationError",
    "DatabaseConnectionError",
    "DatabaseError",
    "LLMError",
    "MemoirAIConfig",
    "MemoirAIError",
    "MigrationError",
    "QueryError",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Load MemoirAIConfig on first use: pydantic-settings costs ~0.25 s, too much for `--help`."""
    if name == "MemoirAIConfig":
        from memoir_ai.config import MemoirAIConfig

        return MemoirAIConfig
    raise AttributeError(f"module 'memoir_ai' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, including the lazily loaded ones."""
    return sorted({*globals(), *__all__})
