"""Run the async core from synchronous code: the one helper every ``*_sync`` twin calls."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion and return its result.

    Outside an event loop this is ``asyncio.run``. Inside a running loop (a
    notebook, an async web handler) the loop's thread cannot wait for itself,
    so the coroutine runs on a fresh loop in a worker thread while the calling
    thread blocks until it is done; context variables are carried across.
    Prefer awaiting the async method directly when you are already async.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="memoir-sync"
    ) as pool:
        return pool.submit(context.run, asyncio.run, coroutine).result()
