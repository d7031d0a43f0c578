"""The SQL of the database's settings: what shapes what it stores, recorded on first use.

A database remembers the hierarchy depth its category tree was built with and
the model whose tokenizer counted its chunks. Opening it with a conflicting
depth is a :class:`~memoir_ai.errors.ConfigurationError` that says what the
database holds — never a silent mix of depths in one tree.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from memoir_ai.database import reading
from memoir_ai.database._reads import run_read
from memoir_ai.database.models import DatabaseSettings
from memoir_ai.errors import ConfigurationError

__all__ = [
    "StoredSettings",
    "read_settings",
    "remember_output_mode",
    "remember_settings",
]

logger = logging.getLogger(__name__)

_SETTINGS_ROW_ID = reading.SETTINGS_ROW_ID


@dataclass(frozen=True)
class StoredSettings:
    """What the database holds: the depth of its tree and the tokenizer of its chunks."""

    hierarchy_depth: int
    tokenizer_model: str | None
    # Model name → the structured-output mode that worked for it.
    output_modes: Mapping[str, str] = field(default_factory=dict)


def read_settings(session: Session) -> StoredSettings | None:
    """The settings this database remembers, or None for a database never opened."""
    found = run_read(session, reading.SETTINGS, id=_SETTINGS_ROW_ID)
    if not found:
        return None
    depth, tokenizer_model, output_modes = found[0]
    return StoredSettings(int(depth), tokenizer_model, dict(output_modes or {}))


def remember_output_mode(session: Session, model: str, mode: str) -> None:
    """Record that ``mode`` is how ``model`` gives typed output; the caller commits."""
    row = session.get(DatabaseSettings, _SETTINGS_ROW_ID)
    if row is None:
        return  # a database never opened for writing remembers nothing yet
    modes = dict(row.output_modes or {})
    if modes.get(model) != mode:
        modes[model] = mode
        row.output_modes = modes


def remember_settings(
    session: Session, *, hierarchy_depth: int, tokenizer_model: str | None = None
) -> StoredSettings:
    """Record the settings on first use; afterwards, check that they still agree.

    The caller commits. A tokenizer model is recorded the first time one is
    given; a different one later only logs a warning, since token counts
    shift slightly between tokenizers but the stored data stays usable.

    Raises:
        ConfigurationError: the database holds a tree of a different depth.
    """
    row = session.get(DatabaseSettings, _SETTINGS_ROW_ID)
    if row is None:
        row = DatabaseSettings(
            id=_SETTINGS_ROW_ID, hierarchy_depth=hierarchy_depth, tokenizer_model=tokenizer_model
        )
        session.add(row)
        session.flush()
        return StoredSettings(hierarchy_depth, tokenizer_model)
    if row.hierarchy_depth != hierarchy_depth:
        raise ConfigurationError(
            f"This database holds a category tree {row.hierarchy_depth} levels deep, "
            f"but hierarchy_depth is {hierarchy_depth}.",
            remedy=f"use hierarchy_depth={row.hierarchy_depth} "
            f"(MEMOIR_HIERARCHY_DEPTH={row.hierarchy_depth}) with this database, "
            f"or start a new database for a {hierarchy_depth}-level tree.",
        )
    if tokenizer_model is not None and row.tokenizer_model != tokenizer_model:
        if row.tokenizer_model is None:
            row.tokenizer_model = tokenizer_model
            session.flush()
        else:
            logger.warning(
                "This database's chunks were counted with the tokenizer of %s; now using %s. "
                "Token counts of old and new chunks may differ slightly.",
                row.tokenizer_model,
                tokenizer_model,
            )
    return StoredSettings(row.hierarchy_depth, row.tokenizer_model, dict(row.output_modes or {}))
