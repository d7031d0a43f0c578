"""The MCP maintenance tools spoken to by the SDK's client: rename, merge, move, move chunks.

``memoir mcp`` runs as a subprocess over stdio on a SQLite file whose tree the
test built. Each tool's structured result must equal the change the history
holds (read back with the Python API) with ``mcp`` as its front door; the tree
itself is checked with plain SQL; refusals are tool errors with their remedy.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from mcp import ClientSession

from memoir_ai import MemoirAI
from tests.maintenance_tree import build_tree, check_rules, snapshot
from tests.mcp_client import ok, over_stdio, refused


async def _scenario(session: ClientSession, url: str, chunks: dict[str, int]) -> None:
    await session.initialize()
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    schema = tools["merge_categories"].input_schema["properties"]["source"]
    assert {option["type"] for option in schema["anyOf"]} == {"integer", "string"}
    assert "path" in tools["rename_category"].description.lower() or "id" in str(schema)
    assert tools["move_chunks"].output_schema is not None

    renamed = ok(
        await session.call_tool(
            "rename_category", {"category": "Astronomy > Moon & Half > Tides", "new_name": "Tide"}
        )
    )
    ambiguous = {"source": "Phases", "into": "Tide"}  # two categories are called Phases
    refused(await session.call_tool("merge_categories", ambiguous), "names 2", "Fix:")
    merged = ok(
        await session.call_tool(
            "merge_categories",
            {"source": "Astronomy > Half & Moon", "into": "Astronomy > Moon & Half"},
        )
    )
    with MemoirAI(database_url=url) as memoir:
        astronomy = next(
            node.id for path, node in memoir.get_category_tree().walk() if path == ("Astronomy",)
        )
    moved = ok(
        await session.call_tool(
            "move_category", {"category": "Space > Planets", "new_parent": astronomy}
        )
    )
    refiled = ok(
        await session.call_tool(
            "move_chunks", {"chunk_ids": [chunks["d1"]], "leaf": "Astronomy > Planets > Jupiter"}
        )
    )
    refused(
        await session.call_tool("move_category", {"category": "Astronomy", "new_parent": "Space"}),
        "top-level",
    )
    refused(await session.call_tool("move_chunks", {"chunk_ids": [999], "leaf": "Tide"}), "999")

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
    over_stdio(sqlite_url, tmp_path, partial(_scenario, url=sqlite_url, chunks=chunks))
