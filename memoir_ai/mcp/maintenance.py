"""The MCP tools that correct the tree: rename, merge and move categories, refile chunks.

Each tool is one call of a :class:`~memoir_ai.MemoirAI` maintenance method,
run in a worker thread; it answers with the recorded change
(:class:`~memoir_ai.CategoryChange`, the same JSON as ``memoir category … --json``)
and records ``mcp`` as the front door. A category is its id (a number) or its
path of names (``"Astronomy > Moon"``); a refusal is a tool error with its remedy.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from memoir_ai.category_paths import parse_reference
from memoir_ai.maintenance.results import CategoryChange
from memoir_ai.mcp._answers import JsonObject, answer, in_thread
from memoir_ai.memoir import MemoirAI

__all__ = ["add_maintenance_tools"]

CategoryRef = Annotated[
    int | str,
    Field(
        description="A category id (a number, as get_tree gives it) or its path of names from "
        "the top level joined by ' > ', e.g. 'Astronomy > Moon & Half'."
    ),
]
_CHANGE = ToolAnnotations(destructive_hint=False, idempotent_hint=False)


async def _change(work: partial[CategoryChange]) -> CallToolResult:
    async def run() -> JsonObject:
        change = await in_thread(work)
        return change.to_json_data()

    return await answer(run())


def add_maintenance_tools(server: MCPServer[Any], memoir: MemoirAI) -> None:
    """Add rename_category, merge_categories, move_category and move_chunks to ``server``."""

    @server.tool(annotations=_CHANGE)
    async def rename_category(
        category: CategoryRef, new_name: str
    ) -> Annotated[CallToolResult, CategoryChange]:
        """Rename a category; its chunks and sub-categories stay where they are.

        Args:
            category: The category to rename, by id or path.
            new_name: The new name, 1 to 4 words; no sibling may have it already
                (merge the two with merge_categories instead).

        Returns the recorded change: the category before and after.
        """
        return await _change(partial(memoir.rename_category, parse_reference(category), new_name))

    @server.tool(annotations=ToolAnnotations(destructive_hint=True, idempotent_hint=False))
    async def merge_categories(
        source: CategoryRef, into: CategoryRef
    ) -> Annotated[CallToolResult, CategoryChange]:
        """Merge one category into another of the same level, and remove the emptied one.

        Sub-categories move under the target; one whose name the target has too is
        merged the same way; chunks move with them. This server has no undo tool:
        check both categories first (get_tree); the answer lists every category and
        chunk touched, before and after, to put them back by hand if needed.

        Args:
            source: The category to merge away, by id or path.
            into: The category of the same level that receives its contents.

        Returns the recorded change: every category and chunk touched, before and after.
        """
        return await _change(
            partial(memoir.merge_categories, parse_reference(source), parse_reference(into))
        )

    @server.tool(annotations=_CHANGE)
    async def move_category(
        category: CategoryRef, new_parent: CategoryRef
    ) -> Annotated[CallToolResult, CategoryChange]:
        """Move a category, with everything below it, under another parent.

        Every category keeps its depth, so the new parent must be one level above
        the category (a level-1 category cannot move; merge it instead).

        Args:
            category: The category to move, by id or path.
            new_parent: Its new parent, by id or path.
        """
        return await _change(
            partial(memoir.move_category, parse_reference(category), parse_reference(new_parent))
        )

    @server.tool(annotations=_CHANGE)
    async def move_chunks(
        chunk_ids: Annotated[list[int], Field(min_length=1)], leaf: CategoryRef
    ) -> Annotated[CallToolResult, CategoryChange]:
        """File stored chunks under another leaf category (a category at the last level).

        Args:
            chunk_ids: The ids of the chunks, as query citations or get_chunk give them.
            leaf: The leaf to file them under, by id or path.

        Returns the recorded change: where each chunk was and where it is now.
        """
        return await _change(partial(memoir.move_chunks, chunk_ids, parse_reference(leaf)))
