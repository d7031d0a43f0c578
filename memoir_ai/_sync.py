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
        return _run(coroutine)
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="memoir-sync"
    ) as pool:
        return pool.submit(context.run, _run, coroutine).result()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, with the result handed back outside the main task.

    On leaving, ``asyncio.run`` (CPython 3.11 at least) looks up the SIGINT handler it
    installed, a partial holding the main task, and formats that task's repr
    with its result while doing so: a large result (a whole ``QueryResult``)
    would be rendered as text twice per call, for nothing.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coroutine)

    asyncio.run(main())
    return box[0]
