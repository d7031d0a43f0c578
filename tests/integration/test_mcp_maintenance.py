"""The MCP maintenance tools spoken to by the SDK's client: rename, merge, move, move chunks.

``memoir mcp`` runs as a subprocess over stdio on a SQLite file whose tree the
test built. Each tool's structured result must equal the change the history
holds (read back with the Python API) with ``mcp`` as its front door; the tree
itself is checked with plain SQL; refusals are tool errors with their remedy.
"""

from __future__ import annotations

from pathlib import Path

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from memoir_ai import MemoirAI
from tests.integration.test_mcp import MEMOIR, _environment, _ok, _refused
from tests.maintenance_tree import build_tree, check_rules, snapshot


async def _scenario(session: ClientSession, url: str, chunks: dict[str, int]) -> None:
    await session.initialize()
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    schema = tools["merge_categories"].input_schema["properties"]["source"]
    assert {option["type"] for option in schema["anyOf"]} == {"integer", "string"}
    assert "path" in tools["rename_category"].description.lower() or "id" in str(schema)
    assert tools["move_chunks"].output_schema is not None

    renamed = _ok(
        await session.call_tool(
            "rename_category", {"category": "Astronomy > Moon & Half > Tides", "new_name": "Tide"}
        )
    )
    ambiguous = {"source": "Phases", "into": "Tide"}  # two categories are called Phases
    _refused(await session.call_tool("merge_categories", ambiguous), "names 2", "Fix:")
    merged = _ok(
        await session.call_tool(
            "merge_categories",
            {"source": "Astronomy > Half & Moon", "into": "Astronomy > Moon & Half"},
        )
    )
    with MemoirAI(database_url=url) as memoir:
        astronomy = next(
            node.id for path, node in memoir.get_category_tree().walk() if path == ("Astronomy",)
        )
    moved = _ok(
        await session.call_tool(
            "move_category", {"category": "Space > Planets", "new_parent": astronomy}
        )
    )
    refiled = _ok(
        await session.call_tool(
            "move_chunks", {"chunk_ids": [chunks["d1"]], "leaf": "Astronomy > Planets > Jupiter"}
        )
    )
    _refused(
        await session.call_tool("move_category", {"category": "Astronomy", "new_parent": "Space"}),
        "top-level",
    )
    _refused(await session.call_tool("move_chunks", {"chunk_ids": [999], "leaf": "Tide"}), "999")

    with MemoirAI(database_url=url) as memoir:
        history = memoir.category_changes()
    assert [change.model_dump(mode="json") for change in history] == [
        renamed,
        merged,
        moved,
        refiled,
    ]
    assert {change.front_door for change in history} == {"mcp"}
    placed = dict(snapshot(url)[1])
    assert placed[chunks["d1"]] == placed[chunks["j1"]]
    check_rules(url)


def test_maintenance_tools_over_stdio(sqlite_url: str, tmp_path: Path) -> None:
    chunks = build_tree(sqlite_url)
    parameters = StdioServerParameters(
        command=MEMOIR, args=["--db", sqlite_url, "mcp"], env=_environment(), cwd=str(tmp_path)
    )

    async def main() -> None:
        with (tmp_path / "stderr.log").open("w") as errlog:
            async with (
                stdio_client(parameters, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await _scenario(session, sqlite_url, chunks)

    anyio.run(main)
