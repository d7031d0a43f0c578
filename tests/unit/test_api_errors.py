"""Each error class of memoir-ai gets its HTTP status by class, never by its text."""

from __future__ import annotations

import pytest

from memoir_ai.api.errors import status_for
from memoir_ai.errors import (
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
    ValidationError,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationError("Empty text.", remedy="send words."), 400),
        (QueryError("Nothing fits the budget.", remedy="raise it."), 400),
        (NotFoundError("No chunk 7.", remedy="use another id."), 404),
        (SourceChangedError("s"), 409),
        (SourceCollisionError("s", stored_origin="a.md", origin="b.md"), 409),
        (DatabaseError("Locked.", remedy="wait."), 503),
        (DatabaseConnectionError("Down.", remedy="start it."), 503),
        (MigrationError("Behind.", remedy="upgrade."), 503),
        (LLMError("Refused.", remedy="check the key."), 503),
        (ClassificationError("Unfiled.", remedy="retry."), 503),
        (ConfigurationError("Depth conflict.", remedy="fix it."), 503),
        (MemoirAIError("Other.", remedy="see the log."), 400),
    ],
)
def test_status_by_class(error: MemoirAIError, status: int) -> None:
    assert status_for(error) == status


def test_a_query_failed_by_the_model_is_unavailable_not_bad_input() -> None:
    try:
        try:
            raise LLMError("The provider answered 503.", remedy="try later.")
        except LLMError as cause:
            raise QueryError("The query could not be answered.", remedy="try later.") from cause
    except QueryError as error:
        assert status_for(error) == 503
