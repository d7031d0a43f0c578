"""How every MCP tool answers: the JSON of a public result, or the one line of a user error.

A tool's answer carries the JSON as structured content and the same JSON as
text for clients that read only text; a
:class:`~memoir_ai.errors.MemoirAIError` becomes a tool error whose text is
its message and remedy. Blocking reads of the memory run in a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio.to_thread
from mcp.types import CallToolResult, TextContent

from memoir_ai.errors import MemoirAIError

__all__ = ["JsonObject", "answer", "failure", "in_thread", "success"]

_T = TypeVar("_T")
JsonObject = dict[str, Any]


def success(data: JsonObject) -> CallToolResult:
    """A tool's answer: ``data`` as structured content and as JSON text."""
    text = json.dumps(data, ensure_ascii=False)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def failure(error: MemoirAIError) -> CallToolResult:
    """A tool error: the one line of ``error`` (message and remedy)."""
    return CallToolResult(content=[TextContent(type="text", text=str(error))], is_error=True)


async def answer(work: Awaitable[JsonObject]) -> CallToolResult:
    """The tool's answer: the JSON ``work`` produces, or the one line of a user error."""
    try:
        return success(await work)
    except MemoirAIError as error:
        return failure(error)


async def in_thread(function: Callable[[], _T]) -> _T:
    """Run a blocking read or change of the memory in a worker thread, off the event loop."""
    return await anyio.to_thread.run_sync(function)
