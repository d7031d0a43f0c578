"""Talking to ``memoir mcp`` with the MCP SDK's own client: the session and its answers.

:func:`over_stdio` runs the installed ``memoir`` command on a database as a
subprocess and hands a scenario an initialized-or-not :class:`ClientSession`;
:func:`ok` and :func:`refused` read a tool's answer the way every MCP test
checks it (structured JSON equal to its text; one-line errors with a fix).
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult, TextResourceContents

from tests.http_servers import MEMOIR

__all__ = ["MEMOIR", "environment", "ok", "over_stdio", "refused", "resource", "text"]


def environment() -> dict[str, str]:
    """This process's environment without any ``MEMOIR_`` setting (the server's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


def text(result: CallToolResult) -> str:
    """The text blocks of a tool's answer, joined."""
    return "".join(getattr(block, "text", "") for block in result.content)


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured JSON of a successful answer (its text must carry the same JSON)."""
    assert not result.is_error, text(result)
    assert isinstance(result.structured_content, dict)
    assert json.loads(text(result)) == result.structured_content
    return result.structured_content


def refused(result: CallToolResult, *fragments: str) -> str:
    """The one line of a tool error (message and ``Fix:``), holding every fragment."""
    said = text(result)
    assert result.is_error, said
    assert "Fix:" in said and "Traceback" not in said and "\n" not in said, said
    for fragment in fragments:
        assert fragment in said, said
    return said


async def resource(session: ClientSession, uri: str) -> dict[str, Any]:
    """A resource read: one JSON document."""
    read = await session.read_resource(uri)
    (contents,) = read.contents
    assert isinstance(contents, TextResourceContents)
    assert contents.mime_type == "application/json"
    document: dict[str, Any] = json.loads(contents.text)
    return document


def over_stdio(
    url: str, tmp_path: Path, scenario: Callable[[ClientSession], Awaitable[None]]
) -> str:
    """Run ``scenario`` against ``memoir --db URL mcp`` over stdio; return the server's stderr."""
    parameters = StdioServerParameters(
        command=MEMOIR, args=["--db", url, "mcp"], env=environment(), cwd=str(tmp_path)
    )
    errors = tmp_path / "stderr.log"

    async def main() -> None:
        with errors.open("w") as errlog:
            async with (
                stdio_client(parameters, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await scenario(session)

    anyio.run(main)
    return errors.read_text("utf-8")
