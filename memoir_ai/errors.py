"""The exception tree of memoir-ai.

Every error carries a message (what went wrong) and a remedy (what to do about
it); ``str(error)`` joins both on one line, which is what the CLI prints.

::

    MemoirAIError
    ├── ConfigurationError      a setting is wrong or conflicts with the database
    ├── ValidationError         user input is unusable (empty text, bad date, ...)
    │   ├── NotFoundError         no source, chunk or call has the id given
    │   ├── SourceChangedError    other text is stored under the source id (and no replace)
    │   └── SourceCollisionError  another file's text is stored under the source id
    ├── DatabaseError           the database failed or is in the wrong state
    │   ├── DatabaseConnectionError   the server cannot be reached (after retries)
    │   └── MigrationError            the schema cannot be created, upgraded or adopted
    ├── LLMError                a model call failed for good
    ├── ClassificationError     chunks could not be filed under categories
    └── QueryError              a question could not be answered from the memory

Drivers' and providers' own exceptions are chained with ``raise ... from``.
Errors that a front door words in its own terms (the CLI names ``--replace``
where the Python API names ``replace=True``) carry the facts as attributes, so
the front door rewrites the remedy from them, never from the message text.
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
    "NotFoundError",
    "QueryError",
    "SourceChangedError",
    "SourceCollisionError",
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


class NotFoundError(ValidationError):
    """Nothing is stored under the id given (a source, a chunk, a logged call).

    A front door that answers with status codes (the HTTP API) tells it from
    other bad input by this class: 404 instead of 400.
    """


class SourceChangedError(ValidationError):
    """Different text is already stored under ``source_id``, and replacing was not asked for."""

    def __init__(self, source_id: str) -> None:
        """Refuse new text for the stored source ``source_id``."""
        self.source_id = source_id
        super().__init__(
            f"Source {source_id!r} is already stored with different content.",
            remedy="pass replace=True to swap it for the new text, or use another source_id.",
        )


class SourceCollisionError(ValidationError):
    """The source id is taken by text read from another origin (another file).

    ``stored_origin`` is where the stored source was read from, ``origin``
    where the refused text comes from.
    """

    def __init__(self, source_id: str, *, stored_origin: str, origin: str) -> None:
        """Refuse to store text from ``origin`` under ``source_id``, read from ``stored_origin``."""
        self.source_id = source_id
        self.stored_origin = stored_origin
        self.origin = origin
        super().__init__(
            f"Source {source_id!r} was read from {stored_origin}; {origin} is a different "
            "origin and would overwrite it.",
            remedy=f"pass another source_id for {origin}, or delete_source({source_id!r}) "
            "first if it is meant to take the old one's place.",
        )


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
