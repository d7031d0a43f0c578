"""Model names → pydantic-ai models: providers, aliases, endpoints, and the output mode of each.

Names are pydantic-ai's (``openai:gpt-5-nano``, ``anthropic:claude-sonnet-4-5``,
``google-gla:gemini-2.5-flash``, ``xai:grok-4``, ``ollama:llama3.2``), plus
``openai-compatible:<model>`` with a base URL for any server that speaks the
OpenAI Chat Completions API, and ``offline`` for the built-in stand-in. The
pre-2.0 pydantic-ai names ``google-gla``/``google-vertex`` (and ``grok``) are
accepted as aliases. A provider's SDK is imported only when its model is built.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from memoir_ai.config import OFFLINE_MODEL, MemoirAIConfig
from memoir_ai.errors import ConfigurationError

if TYPE_CHECKING:
    from pydantic_ai.models import Model

__all__ = [
    "LLMSettings",
    "StructuredOutput",
    "build_model",
    "split_model_name",
    "structured_output_mode",
]

logger = logging.getLogger(__name__)

StructuredOutput = Literal["native", "tool"]

OPENAI_COMPATIBLE = "openai-compatible"
NATIVE_OUTPUT_PROVIDERS = frozenset(
    {"openai", "openai-chat", "openai-responses", "azure", "xai", "google", "google-cloud"}
)
PROVIDER_ALIASES = {
    "google-gla": "google",
    "google-vertex": "google-cloud",
    "grok": "xai",
    OPENAI_COMPATIBLE: "openai-chat",
}
PROVIDER_EXTRAS = {
    "anthropic": "anthropic",
    "google": "google",
    "google-cloud": "google",
    "groq": "groq",
    "mistral": "mistral",
    "cohere": "cohere",
    "bedrock": "bedrock",
    "xai": "xai",
    "huggingface": "huggingface",
}
MODEL_NAME_EXAMPLES = (
    "'openai:gpt-5-nano', 'anthropic:claude-sonnet-4-5', 'google-gla:gemini-2.5-flash', "
    "'ollama:llama3.2', 'openai-compatible:<model>' with a base URL, or 'offline'"
)


@dataclass(frozen=True)
class LLMSettings:
    """What decides how models are reached: name, endpoint, temperature, limits and retries."""

    model: str = OFFLINE_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float | None = None
    max_concurrency: int = 8
    output_retries: int = 2
    transport_attempts: int = 4
    retry_base_seconds: float = 0.5
    retry_max_seconds: float = 20.0
    structured_output: Literal["auto", "native", "tool"] = "auto"
    record_payloads: bool = True
    offline_latency_seconds: float = 0.0

    @classmethod
    def from_config(cls, config: MemoirAIConfig, **overrides: Any) -> LLMSettings:
        """The settings of a :class:`~memoir_ai.config.MemoirAIConfig`, with ``overrides``."""
        values: dict[str, Any] = {
            "model": config.model_name,
            "base_url": config.model_base_url,
            "temperature": config.temperature,
            "max_concurrency": config.max_concurrency,
            "record_payloads": config.record_llm_payloads,
        }
        values.update(overrides)
        return cls(**values)


def split_model_name(model: str) -> tuple[str | None, str]:
    """Split ``provider:model`` into (lower-case provider or None, model name)."""
    if ":" not in model:
        return None, model
    provider, name = model.split(":", 1)
    return provider.strip().lower(), name.strip()


def structured_output_mode(
    model: str,
    preference: Literal["auto", "native", "tool"] = "auto",
) -> StructuredOutput:
    """Whether the named model gets native structured output or an output tool."""
    if preference != "auto":
        return preference
    if model == OFFLINE_MODEL:
        return "native"
    provider, _ = split_model_name(model)
    if provider is None or provider == OPENAI_COMPATIBLE:
        return "tool"
    return (
        "native" if PROVIDER_ALIASES.get(provider, provider) in NATIVE_OUTPUT_PROVIDERS else "tool"
    )


def build_model(settings: LLMSettings) -> Model:
    """The pydantic-ai model named by ``settings``; its provider's SDK is imported only now.

    Raises:
        ConfigurationError: The name is malformed, its provider unknown, its SDK
            missing, or its key or endpoint not configured.
    """
    if settings.model == OFFLINE_MODEL:
        from memoir_ai.llm.offline import offline_model

        # Said once per model built, and only when a model is really needed: commands
        # that only read never build one, so they never print it.
        logger.warning(
            "Using the offline stand-in model, which files text by word statistics, not an "
            "LLM; set MEMOIR_MODEL (or --model) to use a real one."
        )
        return offline_model(settings.offline_latency_seconds)
    provider, name = split_model_name(settings.model)
    if provider is None and settings.base_url:
        provider = OPENAI_COMPATIBLE
    if provider is None or not name:
        raise ConfigurationError(
            f"The model name {settings.model!r} does not say which provider serves it.",
            remedy=f"name it the pydantic-ai way, e.g. {MODEL_NAME_EXAMPLES}.",
        )
    if provider == OPENAI_COMPATIBLE and not settings.base_url:
        raise ConfigurationError(
            f"The model {settings.model!r} is served by an OpenAI-compatible server, "
            "but no base URL is configured.",
            remedy="set model_base_url (MEMOIR_MODEL_BASE_URL), e.g. http://localhost:8000/v1.",
        )
    canonical = PROVIDER_ALIASES.get(provider, provider)
    return _infer(settings, canonical, name)


def _infer(settings: LLMSettings, provider: str, name: str) -> Model:
    from pydantic_ai.exceptions import UserError
    from pydantic_ai.models import infer_model
    from pydantic_ai.providers import Provider, infer_provider, infer_provider_class

    def make_provider(provider_name: str) -> Provider[Any]:
        options = {
            key: value
            for key, value in (("base_url", settings.base_url), ("api_key", settings.api_key))
            if value is not None
        }
        if not options:
            return infer_provider(provider_name)
        try:
            return infer_provider_class(provider_name)(**options)
        except TypeError as exc:
            raise ConfigurationError(
                f"The provider {provider_name!r} does not accept {' or '.join(options)}.",
                remedy="remove model_base_url, or name the model 'openai-compatible:<model>'.",
            ) from exc

    try:
        return infer_model(f"{provider}:{name}", provider_factory=make_provider)
    except ImportError as exc:
        extra = PROVIDER_EXTRAS.get(provider, provider)
        raise ConfigurationError(
            f"The model {settings.model!r} needs the {provider} SDK, which is not installed "
            f"({exc}).",
            remedy=f"pip install 'pydantic-ai-slim[{extra}]', or use another model.",
        ) from exc
    except (UserError, ValueError) as exc:
        raise ConfigurationError(
            f"The model {settings.model!r} cannot be used: {exc}",
            remedy=f"check the provider's API key and the model name ({MODEL_NAME_EXAMPLES}).",
        ) from exc
