"""memoir-ai: explainable long-term memory for LLM applications.

Text is chunked by tokens, filed by an LLM under a category tree kept in an
ordinary SQL database, and retrieved by walking that tree. Heavy modules
(SQLAlchemy, pydantic-ai, litellm) load only when first used.
"""

from __future__ import annotations

from memoir_ai.config import MemoirAIConfig
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
