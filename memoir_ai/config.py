"""MemoirAIConfig: every setting of memoir-ai, read from arguments, ``MEMOIR_*`` or ``.env``.

Each rule is checked at construction; a broken rule is a
:class:`~memoir_ai.errors.ConfigurationError` that says what to change.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from memoir_ai.errors import ConfigurationError

__all__ = ["DEFAULT_DATABASE_URL", "OFFLINE_MODEL", "MemoirAIConfig"]

DEFAULT_DATABASE_URL = "sqlite:///memoir.db"
OFFLINE_MODEL = "offline"
MAX_HIERARCHY_DEPTH = 100
MAX_BATCH_SIZE = 50


class MemoirAIConfig(BaseSettings):
    """All settings; fields may also come from ``MEMOIR_<FIELD>`` variables or a ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix="MEMOIR_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
        frozen=True,
    )

    # Where the memory lives.
    database_url: str = DEFAULT_DATABASE_URL
    db_connect_timeout: float = Field(default=10.0, gt=0)
    db_retry_attempts: int = Field(default=6, ge=1)
    db_retry_max_seconds: float = Field(default=30.0, gt=0)
    db_echo: bool = False

    # Which model files and answers; None means the built-in offline stand-in.
    model: str | None = None
    model_base_url: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_concurrency: int = Field(default=8, ge=1)
    record_llm_payloads: bool = True
    # How the output schema reaches the model; auto picks per provider and falls back once.
    structured_output: Literal["auto", "native", "tool", "prompted"] = "auto"
    # Seconds one model request may take before it is cancelled (and retried).
    llm_timeout: float = Field(default=300.0, gt=0, le=3600)

    # The shape of the tree and of the chunks.
    hierarchy_depth: int = 3
    chunk_min_tokens: int = 300
    chunk_max_tokens: int = 500
    batch_size: int = 5
    max_categories_per_level: int | dict[int, int] = 128
    auto_source_identification: bool = True
    # Whole category paths in one call, level by level, or per batch whichever costs less.
    path_assignment: Literal["auto", "whole_path", "level_by_level"] = "auto"
    # Largest tree (in tokens) shown in one prompt for whole-path assignment.
    tree_prompt_budget: int = Field(default=4000, gt=0)

    # Querying.
    max_token_budget: int = 40000

    def __init__(self, **values: Any) -> None:
        """Build the configuration; a broken rule raises ConfigurationError, not pydantic's."""
        try:
            super().__init__(**values)
        except pydantic.ValidationError as exc:
            raise _configuration_error(exc) from exc

    @property
    def model_name(self) -> str:
        """The model to use, with the offline stand-in as the embedded default."""
        return self.model or OFFLINE_MODEL

    def category_limit(self, level: int) -> int:
        """The maximum number of categories allowed at ``level``."""
        if isinstance(self.max_categories_per_level, int):
            return self.max_categories_per_level
        return self.max_categories_per_level[level]

    @field_validator("hierarchy_depth")
    @classmethod
    def _check_depth(cls, value: int) -> int:
        if not 1 <= value <= MAX_HIERARCHY_DEPTH:
            raise ValueError(
                f"hierarchy_depth must be between 1 and {MAX_HIERARCHY_DEPTH}, got {value}; "
                "3 (category → sub-category → sub-sub-category) is the default"
            )
        return value

    @field_validator("batch_size")
    @classmethod
    def _check_batch_size(cls, value: int) -> int:
        if not 1 <= value <= MAX_BATCH_SIZE:
            raise ValueError(
                f"batch_size must be between 1 and {MAX_BATCH_SIZE} chunks per call, got {value}"
            )
        return value

    @field_validator("chunk_min_tokens", "chunk_max_tokens", "max_token_budget")
    @classmethod
    def _check_positive(cls, value: int, info: pydantic.ValidationInfo) -> int:
        if value <= 0:
            raise ValueError(f"{info.field_name} must be a positive number of tokens, got {value}")
        return value

    @field_validator("max_categories_per_level")
    @classmethod
    def _check_limits(cls, value: int | dict[int, int]) -> int | dict[int, int]:
        limits = {0: value} if isinstance(value, int) else value
        for level, limit in limits.items():
            if limit <= 0:
                where = "" if isinstance(value, int) else f" for level {level}"
                raise ValueError(f"max_categories_per_level{where} must be positive, got {limit}")
        return value

    @model_validator(mode="after")
    def _check_together(self) -> MemoirAIConfig:
        if self.chunk_min_tokens >= self.chunk_max_tokens:
            raise ValueError(
                f"chunk_min_tokens ({self.chunk_min_tokens}) must be smaller than "
                f"chunk_max_tokens ({self.chunk_max_tokens}); "
                "raise the maximum or lower the minimum"
            )
        if isinstance(self.max_categories_per_level, dict):
            missing = sorted(
                set(range(1, self.hierarchy_depth + 1)) - set(self.max_categories_per_level)
            )
            extra = sorted(
                level
                for level in self.max_categories_per_level
                if not 1 <= level <= self.hierarchy_depth
            )
            if missing or extra:
                raise ValueError(
                    "max_categories_per_level must give a limit for every level "
                    f"1..{self.hierarchy_depth} and no other"
                    + (f"; missing levels {missing}" if missing else "")
                    + (f"; levels outside the hierarchy {extra}" if extra else "")
                )
        if self.max_token_budget <= self.chunk_min_tokens + 100:
            raise ValueError(
                f"max_token_budget ({self.max_token_budget}) must exceed chunk_min_tokens + 100 "
                f"({self.chunk_min_tokens + 100}) so that at least one chunk and the question fit"
            )
        return self


def _configuration_error(exc: pydantic.ValidationError) -> ConfigurationError:
    """Turn pydantic's report into one readable ConfigurationError."""
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(message if field in message else f"{field}: {message}")
    return ConfigurationError(
        "Invalid memoir-ai configuration: " + "; ".join(problems) + ".",
        remedy="change the argument or the matching MEMOIR_* environment variable.",
    )
