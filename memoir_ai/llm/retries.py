"""The one retry policy of model calls: which failures are sent again, how often, how far apart.

The provider SDK's own retries are switched off (``max_retries=0`` on every
request, see :class:`~memoir_ai.llm.agents.AgentFactory`), so each attempt is
one HTTP request and this module is the only place that retries. An attempt
that failed with a rate limit (429), a server error (5xx), a dropped
connection, the per-request timeout or an answer cut off at its
``max_tokens`` is made again, after an exponential backoff that starts at
``retry_base_seconds``, honours a longer Retry-After from the server and never
exceeds ``retry_max_seconds``, at most ``transport_attempts`` attempts in all;
any other client error (4xx) fails at once. The waits are ``asyncio`` sleeps
(tenacity's ``AsyncRetrying``): the event loop keeps running.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from memoir_ai.llm.models import LLMSettings

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = ["TRANSIENT_STATUS", "retrying", "transient"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
# 4xx other than 429 means the request itself is wrong: sending it again cannot help.
TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504, 529})


async def retrying(
    attempt: Callable[[], Awaitable[T]], settings: LLMSettings, model_name: str
) -> T:
    """Await ``attempt()`` until it succeeds or the policy gives up (then its error is raised)."""
    from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

    def wait(state: RetryCallState) -> float:
        delay = settings.retry_base_seconds * 2 ** (state.attempt_number - 1)
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > delay:
            delay = float(retry_after)
        return float(min(delay, settings.retry_max_seconds))

    def log(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        logger.warning(
            "Call to %s failed (%s: %s); attempt %d of %d in %.1fs.",
            model_name,
            type(exc).__name__,
            exc,
            state.attempt_number + 1,
            settings.transport_attempts,
            state.upcoming_sleep,
        )

    policy = AsyncRetrying(
        stop=stop_after_attempt(max(1, settings.transport_attempts)),
        wait=wait,
        retry=retry_if_exception(transient),
        before_sleep=log,
        reraise=True,
    )
    async for state in policy:
        with state:
            return await attempt()
    raise AssertionError("unreachable: tenacity reraises the last failure")  # pragma: no cover


def transient(exc: BaseException) -> bool:
    """Whether an attempt that failed with ``exc`` may succeed when sent again."""
    from pydantic_ai.exceptions import (
        ModelConnectionError,
        ModelHTTPError,
        ModelRateLimitError,
        ModelRequestTimeout,
        ModelServerError,
        ModelUnavailableError,
        OutputTokenLimitExceeded,
    )

    if isinstance(exc, ModelHTTPError):
        return exc.status_code in TRANSIENT_STATUS
    kinds = (
        ModelRateLimitError,
        ModelUnavailableError,
        ModelServerError,
        ModelConnectionError,
        ModelRequestTimeout,
        OutputTokenLimitExceeded,
    )
    return isinstance(exc, kinds)
