"""The exception tree of memoir-ai.

Every error carries a message (what went wrong) and a remedy (what to do about
it); ``str(error)`` joins both on one line, which is what the CLI prints.

::

    MemoirAIError
    ├── ConfigurationError      a setting is wrong or conflicts with the database
    ├── ValidationError         user input is unusable (empty text, bad date, ...)
    ├── DatabaseError           the database failed or is in the wrong state
    │   ├── DatabaseConnectionError   the server cannot be reached (after retries)
    │   └── MigrationError            the schema cannot be created, upgraded or adopted
    ├── LLMError                a model call failed for good
    ├── ClassificationError     chunks could not be filed under categories
    └── QueryError              a question could not be answered from the memory

Drivers' and providers' own exceptions are chained with ``raise ... from``.
"""

from __future__ import annotations

__all__ = [
    "ClassificationError",
    "ConfigurationError",
    "DatabaseConnectionError",
    "DatabaseError",
    "LLMError",
    "MemoirAIError",
    "MigrationError",
    "QueryError",
    "ValidationError",
]


class MemoirAIError(Exception):
    """Base of every error raised by memoir-ai on purpose."""

    default_remedy: str = ""

    def __init__(self, message: str, *, remedy: str | None = None) -> None:
        """Create the error from what went wrong and what to do about it."""
        self.message = message
        self.remedy = remedy if remedy is not None else self.default_remedy
        super().__init__(self.__str__())

    def __str__(self) -> str:
        """One line: the message, then the remedy."""
        if not self.remedy:
            return self.message
        return f"{self.message} Fix: {self.remedy}"


class ConfigurationError(MemoirAIError):
    """A setting is invalid, or conflicts with what the database holds."""


class ValidationError(MemoirAIError):
    """User input cannot be used as given (empty text, unparsable date, ...)."""


class DatabaseError(MemoirAIError):
    """The database failed, or is not in the state the operation needs.

    ``kind`` names the failure as the database reported it (``connection``,
    ``missing-schema``, ``constraint``, ``read-only``, ``disk-full``, ...), and
    ``retryable`` says whether running the same unit of work again can cure it.
    """

    kind: str = "other"
    retryable: bool = False


class DatabaseConnectionError(DatabaseError):
    """The database server could not be reached, even after retrying."""


class MigrationError(DatabaseError):
    """The schema could not be created, upgraded, downgraded or adopted."""


class LLMError(MemoirAIError):
    """A model call failed for good (after its retries)."""


class ClassificationError(MemoirAIError):
    """Chunks could not be filed under categories."""


class QueryError(MemoirAIError):
    """A question could not be answered from the memory."""
