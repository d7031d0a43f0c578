"""run_sync: the same coroutine gives the same result inside and outside a running loop."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from memoir_ai._sync import run_sync

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


async def _work(value: int) -> tuple[int, str, str]:
    await asyncio.sleep(0)
    return value * 2, request_id.get(), threading.current_thread().name


def test_outside_a_loop_runs_on_the_calling_thread() -> None:
    doubled, _, thread = run_sync(_work(21))
    assert doubled == 42
    assert thread == threading.current_thread().name


def test_inside_a_running_loop_runs_in_a_worker_and_keeps_context() -> None:
    async def notebook_cell() -> tuple[int, str, str]:
        request_id.set("cell-7")
        return run_sync(_work(5))

    doubled, seen_request, thread = asyncio.run(notebook_cell())
    assert doubled == 10
    assert seen_request == "cell-7"
    assert thread.startswith("memoir-sync")


def test_exceptions_propagate_unchanged() -> None:
    async def fails() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        run_sync(fails())

    async def fails_inside_loop() -> None:
        run_sync(fails())

    with pytest.raises(KeyError, match="missing"):
        asyncio.run(fails_inside_loop())
