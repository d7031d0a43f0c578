"""Model names → pydantic-ai models: providers, aliases, endpoints, and the output mode of each.

Names are pydantic-ai's (``openai:gpt-5-nano``, ``anthropic:claude-sonnet-4-5``,
``google-gla:gemini-2.5-flash``, ``xai:grok-4``, ``ollama:llama3.2``), plus
``openai-compatible:<model>`` with a base URL for any server that speaks the
OpenAI Chat Completions API, and ``offline`` for the built-in stand-in. The
pre-2.0 pydantic-ai names ``google-gla``/``google-vertex`` (and ``grok``) are
accepted as aliases. A provider's SDK is imported only when its model is built.

Output modes (``structured_output``): ``native`` sends the JSON schema as the
provider's response format (OpenAI, xAI, Gemini, Ollama and the
OpenAI-compatible servers — llama.cpp, vLLM, LM Studio — honour it, the local
ones with grammar-constrained decoding); ``tool`` makes the schema the
arguments of an output tool (Anthropic and other providers without a
JSON-schema response format); ``prompted`` puts the schema in the
instructions and reads JSON from plain text, for servers with neither.
``auto`` starts with the provider's best mode and may fall back once per call
to :func:`fallback_mode` when the model answers in the wrong form.
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
    "OutputModeSetting",
    "StructuredOutput",
    "build_model",
    "fallback_mode",
    "split_model_name",
    "structured_output_mode",
]

logger = logging.getLogger(__name__)

StructuredOutput = Literal["native", "tool", "prompted"]
"""How one call received its output schema (recorded with every call)."""
OutputModeSetting = Literal["auto", "native", "tool", "prompted"]
"""The ``structured_output`` setting: a mode, or ``auto`` to choose per provider."""

OPENAI_COMPATIBLE = "openai-compatible"
NATIVE_OUTPUT_PROVIDERS = frozenset(
    {
        "openai",
        "openai-chat",
        "openai-responses",
        "azure",
        "xai",
        "google",
        "google-cloud",
        "ollama",
        OPENAI_COMPATIBLE,
    }
)
# Providers that are servers on the user's own machine or network, speaking the OpenAI API.
LOCAL_SERVER_PROVIDERS = frozenset({"ollama", OPENAI_COMPATIBLE})
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
    """What decides how models are reached: name, endpoint, temperature, limits and retries.

    ``transport_attempts`` bounds the attempts of one call (the provider SDK's
    own retries are off, so each attempt is one HTTP request); the waits
    between them grow from ``retry_base_seconds`` and never exceed
    ``retry_max_seconds``. ``timeout_seconds`` bounds each model request.
    """

    model: str = OFFLINE_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float | None = None
    max_concurrency: int = 8
    output_retries: int = 2
    transport_attempts: int = 4
    retry_base_seconds: float = 0.5
    retry_max_seconds: float = 20.0
    structured_output: OutputModeSetting = "auto"
    timeout_seconds: float = 300.0
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
            "structured_output": config.structured_output,
            "timeout_seconds": config.llm_timeout,
            "offline_latency_seconds": config.offline_latency,
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
    preference: OutputModeSetting = "auto",
) -> StructuredOutput:
    """The output mode a call to the named model starts with."""
    if preference != "auto":
        return preference
    return "native" if _has_native_output(model) else "tool"


def fallback_mode(model: str, mode: StructuredOutput) -> StructuredOutput | None:
    """The mode to try once when the model answered ``mode`` in the wrong form, or ``None``.

    A model that wrote its tool call as plain text runs on a server that does
    not enforce the output tool: native output constrains it instead where the
    provider has it. A model that answered prose to a native response format
    runs on a server that ignores the format: the schema then goes into the
    instructions (prompted). Prompted output is the last resort.
    """
    if mode == "tool":
        return "native" if _has_native_output(model) else "prompted"
    if mode == "native":
        return "prompted"
    return None


def _has_native_output(model: str) -> bool:
    if model == OFFLINE_MODEL:
        return True
    provider, _ = split_model_name(model)
    if provider is None:
        return False
    return provider in NATIVE_OUTPUT_PROVIDERS or (
        PROVIDER_ALIASES.get(provider, provider) in NATIVE_OUTPUT_PROVIDERS
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
    return _infer(settings, canonical, name, local_server=provider in LOCAL_SERVER_PROVIDERS)


def _infer(settings: LLMSettings, provider: str, name: str, *, local_server: bool) -> Model:
    from pydantic_ai.exceptions import UserError
    from pydantic_ai.models import infer_model
    from pydantic_ai.providers import Provider, infer_provider, infer_provider_class

    made: list[Provider[Any]] = []

    def make_provider(provider_name: str) -> Provider[Any]:
        options = {
            key: value
            for key, value in (("base_url", settings.base_url), ("api_key", settings.api_key))
            if value is not None
        }
        if not options:
            made.append(infer_provider(provider_name))
            return made[-1]
        try:
            made.append(infer_provider_class(provider_name)(**options))
        except TypeError as exc:
            raise ConfigurationError(
                f"The provider {provider_name!r} does not accept {' or '.join(options)}.",
                remedy="remove model_base_url, or name the model 'openai-compatible:<model>'.",
            ) from exc
        return made[-1]

    try:
        model = infer_model(f"{provider}:{name}", provider_factory=make_provider)
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
    return _for_local_server(model, made) if local_server else model


def _for_local_server(model: Model, made: list[Any]) -> Model:
    """The same model as local servers need it: ``max_tokens``, and prompted output kept plain.

    pydantic-ai sends OpenAI's newer ``max_completion_tokens``, which llama.cpp,
    Ollama and LM Studio releases may ignore: the bound would then be lost. And
    prompted output, the mode for servers that honour no response format, sends
    no ``response_format`` at all rather than ``json_object``.
    """
    from pydantic_ai.models.openai import OpenAIChatModel

    if not isinstance(model, OpenAIChatModel) or not made:
        return model
    profile = {
        **model.profile,
        "openai_chat_supports_max_completion_tokens": False,
        "supports_json_object_output": False,
    }
    return type(model)(model.model_name, provider=made[-1], profile=profile)  # type: ignore[arg-type]
