"""Running a read of :mod:`.reading` through SQLAlchemy: its SQL text, its columns typed.

The lean path runs the same text with ``sqlite3`` (:mod:`.lean`); here the
timestamp and JSON columns are typed as the models type them, so every backend
hands back the same Python values (aware UTC datetimes, decoded documents).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from memoir_ai.database.models import JSONDocument, UTCDateTime
from memoir_ai.database.reading import Read

__all__ = ["run_read"]


def run_read(session: Session, read: Read, **parameters: Any) -> list[Sequence[Any]]:
    """The rows of ``read`` with ``parameters`` (``:name`` in its text)."""
    statement = text(read.sql)
    types: dict[str, Any] = {name: UTCDateTime() for name in read.timestamps}
    types.update({name: JSONDocument for name in read.documents})
    if types:
        return list(session.execute(statement.columns(**types), parameters))
    return list(session.execute(statement, parameters))
