"""Every remedy that names a listing or an action names the caller's own door's way to it.

One tree (``tests.maintenance_tree``) is built once; each test provokes the
same refusals through one front door on a copy of it: HTTP (the API in a
uvicorn thread, spoken to with httpx, opened with ``front_door="http"`` as
``memoir serve`` opens it), MCP (the installed ``memoir mcp`` over stdio,
spoken to by the SDK's client), the CLI and Python. Over HTTP and MCP no
answer may name a ``memoir`` command; on the CLI each names its command.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from mcp import ClientSession
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.api import create_app
from memoir_ai.cli.main import app
from memoir_ai.config import ServerConfig
from memoir_ai.errors import (
    CategoryNotFoundError,
    ConfigurationError,
    NotFoundError,
    ValidationError,
)
from memoir_ai.mcp.server import build_server
from tests.http_servers import serve_in_thread
from tests.maintenance_tree import build_tree
from tests.mcp_client import over_stdio, refused

CLI_COMMAND = re.compile(r"memoir (tree|sources|log|category|chunk|show)\b")
TIDES = "Astronomy > Moon & Half > Tides"
UNKNOWN_CHUNK = 999_999


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("door-words") / "built.db"
    build_tree(f"sqlite:///{path}")
    return path


@pytest.fixture
def url(built: Path, tmp_path: Path) -> str:
    copy = tmp_path / "memoir.db"
    shutil.copy(built, copy)
    return f"sqlite:///{copy}"


def _said(answer: httpx.Response, status: int, *fragments: str) -> str:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    said = f"{body['error']} {body['remedy']}"
    assert not CLI_COMMAND.search(said), said
    for fragment in fragments:
        assert fragment in body["remedy"], said
    return said


@pytest.fixture
def client(url: str) -> Iterator[httpx.Client]:
    with MemoirAI(database_url=url, front_door="http") as memoir:
        application = create_app(memoir, ServerConfig(api_token=None))
        with serve_in_thread(application) as base, httpx.Client(base_url=base, timeout=120) as c:
            yield c


def test_http_remedies_name_http_routes(client: httpx.Client) -> None:
    tree, sources, chunks = "GET /api/tree", "GET /api/sources", "GET /api/chunks?source_id="
    _said(client.post("/api/categories/undo"), 400, "GET /api/categories/changes")
    _said(client.get("/api/categories/999999"), 404, tree)
    _said(client.get(f"/api/categories/{quote('Astronomy > Nowhere', safe='')}"), 404, tree)
    _said(client.post("/api/categories/999999/rename", json={"new_name": "X"}), 404, tree)
    nowhere = quote("Astronomy > Nowhere", safe="")
    _said(client.post(f"/api/categories/{nowhere}/rename", json={"new_name": "X"}), 404, tree)
    _said(client.get("/api/chunks", params={"category": 999999}), 404, tree)
    _said(client.delete("/api/sources/nope", params={"confirm": "true"}), 404, sources)
    _said(client.get("/api/chunks", params={"source_id": "nope"}), 404, sources)
    _said(client.get(f"/api/chunks/{UNKNOWN_CHUNK}"), 404, chunks)
    # An unknown chunk to move is "not found", as reading it is: 404, not 400.
    moving = {"chunk_ids": [UNKNOWN_CHUNK], "leaf": TIDES}
    _said(client.post("/api/chunks/move", json=moving), 404, chunks)
    _said(client.get(f"/api/calls/{UNKNOWN_CHUNK}"), 404, "GET /api/calls")
    tides = quote(TIDES, safe="")
    merge = "POST /api/categories/{category}/merge"
    _said(client.post(f"/api/categories/{tides}/rename", json={"new_name": "Phases"}), 409, merge)
    levels = {"into": "Space > Planets > Jupiter"}
    moon = quote("Astronomy > Moon & Half", safe="")
    move = "POST /api/categories/{category}/move"
    _said(client.post(f"/api/categories/{moon}/merge", json=levels), 400, move)
    _said(client.post("/api/categories/Astronomy/move", json={"new_parent": "Space"}), 400, merge)
    _said(client.get("/api/tree", params={"depth": 0}), 400, "depth")
    # Undo refused because a row changed since: the remedy names the history's route.
    dough = quote("Cooking > Bread > Dough", safe="")
    assert client.post(f"/api/categories/{dough}/rename", json={"new_name": "Doughs"}).is_success
    assert client.delete("/api/sources/d1", params={"confirm": "true"}).is_success
    _said(client.post("/api/categories/undo"), 409, "GET /api/categories/changes")


def test_mcp_remedies_name_mcp_tools(url: str, tmp_path: Path) -> None:
    async def scenario(session: ClientSession) -> None:
        started = await session.initialize()
        assert started.instructions and not CLI_COMMAND.search(started.instructions)
        assert "no undo" in started.instructions
        for tool in (await session.list_tools()).tools:
            assert not CLI_COMMAND.search(tool.description or ""), tool.name

        async def said(tool: str, arguments: dict[str, Any], *fragments: str) -> None:
            text = refused(await session.call_tool(tool, arguments), *fragments)
            assert not CLI_COMMAND.search(text), text

        tree, chunks = "the get_tree tool", "the query tool's results cite chunk ids"
        await said("rename_category", {"category": 999999, "new_name": "X"}, tree)
        await said("rename_category", {"category": "Astronomy > Nowhere", "new_name": "X"}, tree)
        renaming = {"category": TIDES, "new_name": "Phases"}
        await said("rename_category", renaming, "the merge_categories tool")
        levels = {"source": "Astronomy > Moon & Half", "into": "Space > Planets > Jupiter"}
        await said("merge_categories", levels, "the move_category tool")
        top = {"category": "Astronomy", "new_parent": "Space"}
        await said("move_category", top, "the merge_categories tool")
        await said("move_chunks", {"chunk_ids": [UNKNOWN_CHUNK], "leaf": TIDES}, chunks)
        await said("get_chunk", {"chunk_id": UNKNOWN_CHUNK}, chunks)
        await said("delete_source", {"source_id": "nope", "confirm": True}, "the list_sources tool")
        await said("get_tree", {"depth": 0}, "depth")

    over_stdio(url, tmp_path, scenario)


def test_cli_remedies_name_cli_commands(url: str) -> None:
    def said(*args: str) -> str:
        result = CliRunner().invoke(app, ["--db", url, *args])
        assert result.exit_code == 1, result.output
        return result.stderr

    assert "`memoir tree --ids`" in said("category", "rename", "999999", "X")
    assert "`memoir category merge`" in said("category", "rename", TIDES, "Phases")
    assert "`memoir category move`" in said(
        "category", "merge", "Astronomy > Moon & Half", "Space > Planets > Jupiter", "--yes"
    )
    unknown = said("chunk", "move", str(UNKNOWN_CHUNK), "--to", TIDES)
    assert "`memoir sources chunks SOURCE_ID`" in unknown
    assert "`memoir category history`" in said("category", "undo", "--yes")


def test_python_remedies_name_methods(url: str) -> None:
    with MemoirAI(database_url=url) as memoir:
        with pytest.raises(CategoryNotFoundError) as unknown:
            memoir.rename_category(999999, "X")
        assert "get_category_tree()" in str(unknown.value.remedy)
        with pytest.raises(NotFoundError) as missing:
            memoir.move_chunks([UNKNOWN_CHUNK], TIDES)
        assert "list_chunks(source_id)" in str(missing.value.remedy)
        with pytest.raises(ValidationError, match="depth must be 1 or more"):
            memoir.get_category_tree(depth=0)
        assert [root.children for root in memoir.get_category_tree(depth=1).roots] == [()] * len(
            memoir.get_category_tree().roots
        )
    for error in (unknown.value, missing.value):
        assert not CLI_COMMAND.search(str(error)), error


def test_a_server_refuses_a_memory_opened_for_another_door(url: str) -> None:
    with MemoirAI(database_url=url) as memoir:
        with pytest.raises(ConfigurationError, match='front_door="http"'):
            create_app(memoir, ServerConfig(api_token=None))
        with pytest.raises(ConfigurationError, match='front_door="mcp"'):
            build_server(memoir)
