"""The defaults of :class:`~memoir_ai.config.MemoirAIConfig` that the lean read path needs.

Kept apart from :mod:`memoir_ai.config` (pydantic-settings, whose import alone
costs several times a bare Python start) so that the CLI's reading commands can
find the database URL without it: see :mod:`memoir_ai.cli._fast`.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_MAX_CATEGORIES_PER_LEVEL",
    "ENV_FILE_NAME",
    "NOT_SETTINGS",
    "OFFLINE_MODEL",
    "OFFLINE_PRICE_NOTE",
]

DEFAULT_DATABASE_URL = "sqlite:///memoir.db"
DEFAULT_MAX_CATEGORIES_PER_LEVEL = 128
# The built-in stand-in model, used when no model is configured, and why it has no price.
OFFLINE_MODEL = "offline"
OFFLINE_PRICE_NOTE = "no price: the offline stand-in runs locally and is not an LLM"
# The settings file read from the working directory.
ENV_FILE_NAME = ".env"
# MEMOIR_* variables that are not settings: the test suite's and the server scripts'.
NOT_SETTINGS = ("MEMOIR_TEST_", "MEMOIR_SERVERS_DIR", "MEMOIR_PG_PORT", "MEMOIR_MY_PORT")
