"""``memoir mcp`` spoken to by the MCP SDK's own client, over stdio and over streamable HTTP.

The installed ``memoir`` command runs as a subprocess on a SQLite file with the
offline model. What the tools and resources return is checked against the same
database opened with :class:`MemoirAI` by the test: each structured result must
equal the dump of what the Python API returns.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from memoir_ai import MemoirAI
from memoir_ai.errors import ValidationError
from tests.mcp_client import MEMOIR, environment, ok, over_stdio, refused, resource

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TOOLS = {
    "ingest_text",
    "query",
    "get_tree",
    "list_sources",
    "get_chunk",
    "delete_source",
    "rename_category",
    "merge_categories",
    "move_category",
    "move_chunks",
}
SAMPLE = SAMPLES / "astronomy" / "moon-phases.md"
SOURCE_ID = "astronomy/moon-phases.md"
OTHER = SAMPLES / "baking" / "sourdough-starter.md"


async def _scenario(session: ClientSession, url: str) -> None:
    await session.initialize()
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == TOOLS
    assert all(
        tool.description and tool.input_schema.get("properties") is not None
        for tool in tools.values()
    )
    assert tools["delete_source"].input_schema["properties"]["confirm"]["type"] == "boolean"
    assert tools["get_tree"].output_schema is not None
    assert "roots" in tools["get_tree"].output_schema["properties"]
    resources = {str(r.uri) for r in (await session.list_resources()).resources}
    assert resources == {"memoir://tree"}
    templates = {
        t.uri_template for t in (await session.list_resource_templates()).resource_templates
    }
    assert templates == {"memoir://sources/{+source_id}", "memoir://chunks/{chunk_id}"}

    # Nothing is stored yet: a query is a tool error that says what to do.
    refused(await session.call_tool("query", {"question": "Why does the Moon have phases?"}))

    ingested = ok(
        await session.call_tool(
            "ingest_text",
            {"text": SAMPLE.read_text("utf-8"), "source_id": SOURCE_ID, "title": "Moon phases"},
        )
    )
    ok(await session.call_tool("ingest_text", {"text": OTHER.read_text("utf-8"), "source_id": "b"}))
    assert ingested["source_id"] == SOURCE_ID and ingested["status"] == "created"
    again = ok(
        await session.call_tool(
            "ingest_text", {"text": SAMPLE.read_text("utf-8"), "source_id": SOURCE_ID}
        )
    )
    assert again["status"] == "unchanged"
    # Different text under the same id is refused without replace, with the remedy.
    refused(await session.call_tool("ingest_text", {"text": "Other words.", "source_id": "b"}))

    answered = ok(
        await session.call_tool(
            "query",
            {"question": "Why does the Moon have phases?", "strategy": "wide_branch", "limit": 5},
        )
    )
    tree = ok(await session.call_tool("get_tree", {}))
    top = ok(await session.call_tool("get_tree", {"depth": 1}))
    sources = ok(await session.call_tool("list_sources", {}))
    chunk_id = ingested["chunks"][0]["id"]
    chunk = ok(await session.call_tool("get_chunk", {"chunk_id": chunk_id}))

    # The independent measure: the same database, opened by the Python API here.
    with MemoirAI(database_url=url) as memoir:
        assert tree == memoir.get_category_tree().model_dump(mode="json")
        assert top == memoir.get_category_tree().trimmed(1).model_dump(mode="json")
        assert sources == {"result": [s.model_dump(mode="json") for s in memoir.list_sources()]}
        assert chunk == memoir.get_chunk(chunk_id).model_dump(mode="json")
        for stored in ingested["chunks"]:
            detail = memoir.get_chunk(stored["id"])
            assert (detail.content, list(detail.category_path)) == (
                stored["content"],
                stored["category_path"],
            )
        assert answered["query"] == "Why does the Moon have phases?"
        assert answered["answer"] and answered["chunks"]
        assert set(answered["cited_chunk_ids"]) <= {c["id"] for c in answered["chunks"]}
        for used in answered["chunks"]:
            assert list(memoir.get_chunk(used["id"]).category_path) == used["category_path"]
        assert [s.title for s in memoir.list_sources() if s.source_id == SOURCE_ID] == [
            "Moon phases"
        ]

        # Resources: the same dumps.
        assert await resource(session, "memoir://tree") == tree
        assert await resource(session, f"memoir://sources/{SOURCE_ID}") == sources["result"][0]
        assert await resource(session, f"memoir://chunks/{chunk_id}") == chunk

        # Bad arguments and unknown ids: tool errors with the remedy, nothing changed.
        with (
            MemoirAI(database_url=url, front_door="mcp") as as_mcp,
            pytest.raises(ValidationError) as raised,
        ):
            as_mcp.get_chunk(999999)
        # Exactly the error's one line (message and fix) in the MCP door's words.
        assert refused(await session.call_tool("get_chunk", {"chunk_id": 999999})) == str(
            raised.value
        )
        refused(await session.call_tool("query", {"question": "Moon?", "limit": 0}))
        refused(await session.call_tool("get_tree", {"depth": 0}), "depth")
        refused(await session.call_tool("delete_source", {"source_id": SOURCE_ID}), "confirm")
        refused(
            await session.call_tool("delete_source", {"source_id": "nope", "confirm": True}),
            "nope",
        )
        # Arguments the input schema refuses, or that no tool takes: one line, nothing run.
        refused(
            await session.call_tool("query", {"question": "Moon?", "strategy": "bad"}),
            "strategy",
            "Invalid arguments for query",
        )
        refused(await session.call_tool("get_chunk", {"chunk_id": "abc"}), "chunk_id")
        refused(await session.call_tool("ingest_text", {"source_id": "c"}), "text")
        refused(
            await session.call_tool(
                "ingest_text", {"text": "Words.", "source_id": "c", "bogus": 1}
            ),
            "'bogus'",
            "source_id",
        )
        assert [s.source_id for s in memoir.list_sources()] == [SOURCE_ID, "b"]

        deleted = ok(
            await session.call_tool("delete_source", {"source_id": SOURCE_ID, "confirm": True})
        )
        assert deleted == {"source_id": SOURCE_ID, "chunks_deleted": len(ingested["chunks"])}
        assert [s.source_id for s in memoir.list_sources()] == ["b"]
        with pytest.raises(Exception, match="no source"):
            await resource(session, f"memoir://sources/{SOURCE_ID}")


def test_stdio(sqlite_url: str, tmp_path: Path) -> None:
    stderr = over_stdio(sqlite_url, tmp_path, partial(_scenario, url=sqlite_url))
    assert "offline" in stderr  # the offline-model notice went to stderr


def test_stdout_carries_only_protocol(sqlite_url: str, tmp_path: Path) -> None:
    """Raw JSON-RPC over the pipes: every line the server writes on stdout is a message."""
    requests = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {
                "name": "ingest_text",
                "arguments": {"text": SAMPLE.read_text("utf-8"), "source_id": "s"},
            },
        },
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "get_chunk", "arguments": {"chunk_id": 424242}},
        },
    ]
    errors = tmp_path / "stderr.log"
    with (
        errors.open("w") as errlog,
        subprocess.Popen(
            [MEMOIR, "--db", sqlite_url, "--verbose", "mcp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errlog,
            text=True,
            env=environment(),
            cwd=tmp_path,
        ) as server,
    ):
        assert server.stdin is not None and server.stdout is not None
        messages = []
        for request in requests:  # one at a time: the next is sent once this one is answered
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            if "id" in request:
                messages.append(json.loads(server.stdout.readline()))  # a line that is JSON
        server.stdin.close()
        rest = server.stdout.read()
        assert server.wait(timeout=60) == 0
    assert rest == ""
    assert [m.get("id") for m in messages] == [1, 2, 3]
    assert messages[1]["result"]["structuredContent"]["status"] == "created"
    assert messages[2]["result"]["isError"] is True
    assert "INFO" in errors.read_text("utf-8")  # --verbose logging went to stderr, not stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


TOKEN = "mcp-token-for-the-tests-0123456789"


@contextmanager
def _http_server(url: str, tmp_path: Path, token: str | None = None) -> Iterator[str]:
    port = _free_port()
    errors = (tmp_path / "http.log").open("w")
    env = environment()
    if token is not None:
        env["MEMOIR_API_TOKEN"] = token
    process = subprocess.Popen(
        [MEMOIR, "--db", url, "mcp", "--transport", "streamable-http", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=errors,
        stderr=errors,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "http.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=30)
        errors.close()


def test_streamable_http_with_a_token(sqlite_url: str, tmp_path: Path) -> None:
    """With MEMOIR_API_TOKEN set, the SDK's client works with the token and nothing without."""
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    with _http_server(sqlite_url, tmp_path, token=TOKEN) as endpoint:
        for headers in ({}, {"Authorization": "Bearer not-the-token-at-all-0123456789"}):
            denied = httpx.post(endpoint, json=initialize, headers={**accept, **headers})
            assert denied.status_code == 401, denied.text
            assert "Authorization: Bearer" in denied.json()["remedy"]
        # The body cap holds here too (the default, 10 MB).
        too_big = httpx.post(
            endpoint,
            content=b" " * 10_000_001,
            headers={**accept, "Authorization": f"Bearer {TOKEN}"},
        )
        assert too_big.status_code == 413

        async def main() -> None:
            client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
            async with client:
                transport: AbstractAsyncContextManager[Any] = streamable_http_client(
                    endpoint, http_client=client
                )
                async with transport as (read, write), ClientSession(read, write) as session:
                    await _scenario(session, sqlite_url)

        anyio.run(main)


def test_refuses_to_listen_beyond_loopback(sqlite_url: str, tmp_path: Path) -> None:
    finished = subprocess.run(
        [MEMOIR, "--db", sqlite_url, "mcp", "--transport", "streamable-http", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=tmp_path,
        timeout=60,
    )
    assert finished.returncode == 1
    assert "0.0.0.0" in finished.stderr and "Fix:" in finished.stderr
    assert "MEMOIR_API_TOKEN" in finished.stderr
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # nothing was opened
