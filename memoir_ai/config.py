"""MemoirAIConfig: every setting of memoir-ai, read from arguments, ``MEMOIR_*`` or ``.env``.

Each rule is checked at construction; a broken rule is a
:class:`~memoir_ai.errors.ConfigurationError` that says what to change.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from memoir_ai._config_defaults import (
    DEFAULT_DATABASE_URL,
    DEFAULT_MAX_CATEGORIES_PER_LEVEL,
    ENV_FILE_NAME,
    NOT_SETTINGS,
    OFFLINE_MODEL,
)
from memoir_ai.errors import ConfigurationError

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_MAX_REQUEST_BYTES",
    "OFFLINE_MODEL",
    "MemoirAIConfig",
    "ServerConfig",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_REQUEST_BYTES = 10_000_000  # 10 MB
MIN_TOKEN_LENGTH = 16
MAX_HIERARCHY_DEPTH = 100
MAX_BATCH_SIZE = 50


class MemoirAIConfig(BaseSettings):
    """All settings; fields may also come from ``MEMOIR_<FIELD>`` variables or a ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix="MEMOIR_",
        env_file=".env",  # _ENV_FILE
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
    # Seconds every call of the offline stand-in waits, to play a remote model in demos
    # and benchmarks (no effect on any other model).
    offline_latency: float = Field(default=0.0, ge=0, le=60)

    # The shape of the tree and of the chunks.
    hierarchy_depth: int = 3
    chunk_min_tokens: int = 300
    chunk_max_tokens: int = 500
    batch_size: int = 5
    max_categories_per_level: int | dict[int, int] = DEFAULT_MAX_CATEGORIES_PER_LEVEL
    auto_source_identification: bool = True
    # Whole category paths in one call, level by level, or per batch whichever costs less.
    path_assignment: Literal["auto", "whole_path", "level_by_level"] = "auto"
    # Largest tree (in tokens) shown in one prompt for whole-path assignment.
    tree_prompt_budget: int = Field(default=4000, gt=0)

    # Querying.
    max_token_budget: int = 40000

    def __init__(self, **values: Any) -> None:
        """Build the configuration; a broken rule raises ConfigurationError, not pydantic's."""
        warn_unknown_variables(type(self).model_fields)
        try:
            super().__init__(**values)
        except pydantic.ValidationError as exc:
            raise _configuration_error(exc, values) from exc
        except UnicodeDecodeError as exc:
            raise ConfigurationError(
                f"The settings file {_ENV_FILE.resolve()} is not UTF-8 text "
                f"(byte {exc.start}: {exc.reason}).",
                remedy="save it as UTF-8, or move it out of the working directory.",
            ) from exc

    def __repr_args__(self) -> Any:
        """The fields for ``repr``, with any password in the database URL masked."""
        from memoir_ai._secrets import mask_secrets

        for name, value in super().__repr_args__():
            yield name, mask_secrets(value) if isinstance(value, str) else value

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


class ServerConfig(BaseSettings):
    """The settings of the network front doors (``memoir serve``, ``memoir mcp`` over HTTP).

    Read from ``MEMOIR_API_TOKEN``, ``MEMOIR_MAX_REQUEST_BYTES`` and
    ``MEMOIR_CORS_ORIGINS`` (a JSON list, or origins separated by commas) or
    ``.env``, like :class:`MemoirAIConfig`. The token is a :class:`SecretStr`:
    it never shows in a ``repr`` or a log line.
    """

    model_config = SettingsConfigDict(
        env_prefix="MEMOIR_",
        env_file=".env",  # _ENV_FILE
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    # The bearer token every request must carry; required to listen beyond loopback.
    api_token: SecretStr | None = None
    # The largest request body accepted; a larger one is refused with 413 before it is read.
    max_request_bytes: int = Field(default=DEFAULT_MAX_REQUEST_BYTES, ge=1024)
    # Origins a browser may call the API from (CORS); none by default, so CORS stays off.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()

    def __init__(self, **values: Any) -> None:
        """Build the settings; a broken rule raises ConfigurationError, not pydantic's."""
        try:
            super().__init__(**values)
        except pydantic.ValidationError as exc:
            raise _configuration_error(exc, values) from exc

    @field_validator("api_token", mode="before")
    @classmethod
    def _check_token(cls, value: object) -> object:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or (isinstance(text, str) and not text.strip()):
            return None  # an empty MEMOIR_API_TOKEN= means no token
        if isinstance(text, str) and (len(text) < MIN_TOKEN_LENGTH or text != text.strip()):
            raise ValueError(
                f"api_token must be at least {MIN_TOKEN_LENGTH} characters without surrounding "
                "spaces; make one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return tuple(json.loads(text))
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return value

    @property
    def token(self) -> str | None:
        """The bearer token in clear, for the one comparison that needs it."""
        return self.api_token.get_secret_value() if self.api_token is not None else None


def _configuration_error(
    exc: pydantic.ValidationError, given: dict[str, Any]
) -> ConfigurationError:
    """Turn pydantic's report into one readable ConfigurationError naming where values came from."""
    problems = []
    sources: set[str] = set()
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        problem = message if field in message else f"{field}: {message}"
        origin = _origin(str(error["loc"][0]), given) if error["loc"] else None
        if origin is not None:
            sources.add(origin)
            problem += f" (from {origin})"
        problems.append(problem)
    remedy = "change the argument or the matching MEMOIR_* environment variable."
    if any(origin.endswith(".env") for origin in sources):
        remedy = f"change the line in {_ENV_FILE} (or override it with an argument or variable)."
    return ConfigurationError(
        "Invalid memoir-ai configuration: " + "; ".join(problems) + ".", remedy=remedy
    )


_ENV_FILE = Path(ENV_FILE_NAME)
_OTHER_VARIABLES = NOT_SETTINGS
_warned: set[str] = set()


def _origin(field: str, given: dict[str, Any]) -> str | None:
    """Where a field's value came from: an argument, a variable, or a line of ``.env``."""
    if field in given:
        return None  # the caller's own argument: the message already names it
    variable = f"MEMOIR_{field.upper()}"
    if any(name.upper() == variable for name in os.environ):
        return f"the environment variable {variable}"
    if variable in _env_file_variables():
        return f"{variable} in {_ENV_FILE}"
    return None


def _env_file_variables() -> set[str]:
    if not _ENV_FILE.is_file():
        return set()
    from dotenv import dotenv_values

    try:
        return {name.upper() for name in dotenv_values(_ENV_FILE, encoding="utf-8")}
    except UnicodeDecodeError:
        return set()


def warn_unknown_variables(fields: Mapping[str, object]) -> None:
    """Warn once per name about a ``MEMOIR_*`` variable that is no setting, naming the closest."""
    import difflib

    names_known = {*fields, *ServerConfig.model_fields}
    known = {f"MEMOIR_{name.upper()}" for name in names_known}
    names = {name.upper() for name in os.environ} | _env_file_variables()
    for name in sorted(names):
        if not name.startswith("MEMOIR_") or name in known or name in _warned:
            continue
        if name.startswith(_OTHER_VARIABLES):
            continue
        _warned.add(name)
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        logger.warning("%s is not a memoir-ai setting and is ignored%s", name, hint)
