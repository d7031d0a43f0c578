"""The MCP server of one memory: its tools and resources, each one call of ``MemoirAI``.

Tools answer with the public result's JSON (``to_json_data()``, the same
``model_dump(mode="json")`` the CLI prints with ``--json``) as structured
content, and the same JSON as text for clients that read only text. A
:class:`~memoir_ai.errors.MemoirAIError` becomes a tool error whose text is its
one line — message and remedy — never a traceback; anything else is a bug,
which the SDK logs on stderr and reports without details.

Model and database work never runs on the event loop: ingest and query are
``MemoirAI``'s async methods (which do their database work in threads), and
the synchronous reads run in a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import MCPServer, ResourceSecurity
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import ValidationError as PydanticValidationError

from memoir_ai import __version__
from memoir_ai.door_words import MCP_WORDS, refuse_other_door
from memoir_ai.errors import MemoirAIError, ValidationError
from memoir_ai.front_doors import SourceDeleted, json_data
from memoir_ai.mcp._answers import JsonObject, answer, failure, in_thread
from memoir_ai.mcp.maintenance import add_maintenance_tools
from memoir_ai.memoir import MemoirAI
from memoir_ai.query.results import QueryStrategy
from memoir_ai.results import CategoryTree, ChunkDetail, SourceSummary

__all__ = ["SourceDeleted", "build_server", "json_data"]

_T = TypeVar("_T")

INSTRUCTIONS = (
    "A long-term memory that files texts under a category tree in a SQL database. "
    "Store a text with ingest_text; answer a question from the memory with query, which "
    "cites the stored chunks it used with their category paths; browse with get_tree, "
    "list_sources and get_chunk. Correct the tree with rename_category, merge_categories, "
    "move_category and move_chunks (categories by id or by path such as "
    "'Astronomy > Moon'); each change is recorded and answers with what it changed, before "
    f"and after. To revert one there is {MCP_WORDS.undo}."
)
_READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
_JSON = "application/json"


class MemoirMCPServer(MCPServer[Any]):
    """The SDK's server, with arguments checked as the tools' own errors are reported.

    The SDK reports arguments that fail its schema check as pydantic's many-line
    text and lets unknown arguments through; here both are one line with the fix,
    like every other refusal, and nothing runs.
    """

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        """Call tool ``name`` after refusing arguments it does not take."""
        tool = self._tool_manager.get_tool(name)
        if tool is not None:
            taken = tuple(tool.parameters.get("properties", {}))
            unknown = sorted(set(arguments) - set(taken))
            if unknown:
                return failure(
                    ValidationError(
                        f"{name} takes no argument {', '.join(map(repr, unknown))}.",
                        remedy=f"call {name} with its own arguments: {', '.join(taken)}.",
                    )
                )
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as error:
            cause = error.__cause__
            if not isinstance(cause, PydanticValidationError):
                raise
            problems = "; ".join(
                f"{'.'.join(map(str, item['loc'])) or 'arguments'}: {item['msg']}"
                for item in cause.errors(include_url=False)
            )
            return failure(
                ValidationError(
                    f"Invalid arguments for {name}: {problems}.",
                    remedy=f"call {name} with arguments of the types its input schema gives "
                    "(tools/list).",
                )
            )


def build_server(memoir: MemoirAI) -> MCPServer[Any]:
    """The MCP server over ``memoir``: ten tools and three resources (module docstring).

    ``memoir`` is opened with ``front_door="mcp"``: its refusals name the tools.

    Raises:
        ConfigurationError: ``memoir`` was opened for another front door.
    """
    refuse_other_door(memoir.front_door, "mcp", "build_server")
    server: MCPServer[Any] = MemoirMCPServer(
        "memoir-ai",
        instructions=INSTRUCTIONS,
        version=__version__,
    )
    _add_writing_tools(server, memoir)
    _add_reading_tools(server, memoir)
    add_maintenance_tools(server, memoir)
    _add_resources(server, memoir)
    return server


def _add_writing_tools(server: MCPServer[Any], memoir: MemoirAI) -> None:
    @server.tool()
    async def ingest_text(
        text: str,
        source_id: str,
        title: str | None = None,
        metadata: dict[str, Any] | None = None,
        replace: bool = False,
    ) -> Annotated[CallToolResult, JsonObject]:
        """Store a text in the memory: chunk it and file every chunk under a leaf category.

        Args:
            text: The text to remember (plain text or Markdown).
            source_id: A stable id for the text, such as a file path or a URL. The same
                text under the same id again changes nothing (status "unchanged").
            title: A title for the source; by default one is taken from the text.
            metadata: Extra JSON fields stored with the source.
            replace: Replace what is stored under source_id when the text differs;
                without it, different text under an existing id is refused.

        Returns the source id, status (created, replaced or unchanged), each chunk with
        its category path, the categories created, and the model calls made.
        """

        async def run() -> JsonObject:
            result = await memoir.ingest_text(
                text, source_id, metadata=metadata, replace=replace, title=title
            )
            return json_data(result)

        return await answer(run())

    @server.tool(annotations=ToolAnnotations(destructive_hint=True, idempotent_hint=True))
    async def delete_source(
        source_id: str, confirm: bool = False
    ) -> Annotated[CallToolResult, SourceDeleted]:
        """Delete a stored source with its chunks, its helper, and categories left empty.

        Args:
            source_id: The id the source was stored under (see list_sources).
            confirm: Must be true: deleting cannot be undone. Without it nothing is deleted.

        Returns the source id and how many chunks were deleted.
        """

        async def run() -> JsonObject:
            if not confirm:
                raise ValidationError(
                    f"Deleting source {source_id!r} needs confirm=true: it cannot be undone, "
                    "and nothing was deleted.",
                    remedy="call delete_source again with confirm set to true if the user "
                    "wants this source and its chunks gone.",
                )
            removed = await in_thread(partial(memoir.delete_source, source_id))
            return SourceDeleted(source_id=source_id, chunks_deleted=removed).to_json_data()

        return await answer(run())


def _add_reading_tools(server: MCPServer[Any], memoir: MemoirAI) -> None:
    # Not read-only: a query records its model calls in the audit log.
    @server.tool(annotations=ToolAnnotations(destructive_hint=False))
    async def query(
        question: str,
        strategy: QueryStrategy = QueryStrategy.ONE_SHOT,
        max_token_budget: int | None = None,
        limit: int = 10,
    ) -> Annotated[CallToolResult, JsonObject]:
        """Answer a question from the memory, citing the stored chunks the answer uses.

        The model walks the category tree from the top, picks the categories that fit
        the question, reads the chunks filed under the chosen leaves, and answers.

        Args:
            question: The question, in plain language.
            strategy: How widely the tree is walked: one_shot (a single path), wide_branch
                (3 categories at every level), zoom_in (wide at the top, narrowing) or
                branch_out (narrow at the top, widening).
            max_token_budget: The most tokens the answer prompt may hold (default 40000).
            limit: The most chunks read from each chosen leaf.

        Returns the answer, the chunks used with their category paths and which are
        cited, the paths dropped and why, and the model calls made.
        """

        async def run() -> JsonObject:
            result = await memoir.query(
                question, strategy=strategy, max_token_budget=max_token_budget, limit=limit
            )
            return json_data(result)

        return await answer(run())

    @server.tool(annotations=_READ)
    async def get_tree(depth: int | None = None) -> Annotated[CallToolResult, CategoryTree]:
        """Show the category tree: every category with its id, level and chunk counts.

        Args:
            depth: Show only the first levels, down to this one (1 = the top level);
                every level by default. Counts always cover whole subtrees.
        """

        async def run() -> JsonObject:
            tree = await in_thread(partial(memoir.get_category_tree, depth))
            return tree.to_json_data()

        return await answer(run())

    @server.tool(annotations=_READ)
    async def list_sources() -> Annotated[CallToolResult, list[SourceSummary]]:
        """List every stored source: its id, title, chunk and token counts, when stored.

        Returns ``{"result": [...]}``, the sources oldest first.
        """

        async def run() -> JsonObject:
            sources = await in_thread(memoir.list_sources)
            return {"result": [source.to_json_data() for source in sources]}

        return await answer(run())

    @server.tool(annotations=_READ)
    async def get_chunk(chunk_id: int) -> Annotated[CallToolResult, ChunkDetail]:
        """Read one stored chunk: its text, category path, source and character offsets.

        Args:
            chunk_id: The id of a chunk, as a query's citations or get_tree give it.
        """

        async def run() -> JsonObject:
            chunk = await in_thread(partial(memoir.get_chunk, chunk_id))
            return chunk.to_json_data()

        return await answer(run())


def _add_resources(server: MCPServer[Any], memoir: MemoirAI) -> None:
    @server.resource("memoir://tree", name="tree", mime_type=_JSON)
    async def tree() -> str:
        """The whole category tree, as the get_tree tool returns it."""
        found = await _read(memoir.get_category_tree)
        return _json_text(found.to_json_data())

    # Source ids are often paths ("notes/2024-06.md"): {+source_id} keeps the slashes,
    # and the id only ever reaches the database as a value, never the file system.
    @server.resource(
        "memoir://sources/{+source_id}",
        name="source",
        mime_type=_JSON,
        security=ResourceSecurity(exempt_params={"source_id"}),
    )
    async def source(source_id: str) -> str:
        """One stored source: its id, title, chunk and token counts, helper version."""
        sources = await _read(memoir.list_sources)
        for summary in sources:
            if summary.source_id == source_id:
                return _json_text(summary.to_json_data())
        raise ResourceNotFoundError(
            f"There is no source {source_id!r} in the memory. "
            "Fix: use an id from the list_sources tool."
        )

    @server.resource("memoir://chunks/{chunk_id}", name="chunk", mime_type=_JSON)
    async def chunk(chunk_id: str) -> str:
        """One stored chunk with its category path, source and offsets."""
        if not chunk_id.isdigit():
            raise ResourceNotFoundError(
                f"{chunk_id!r} is not a chunk id. Fix: use a number from a query's citations."
            )
        found = await _read(partial(memoir.get_chunk, int(chunk_id)))
        return _json_text(found.to_json_data())


async def _read(function: Callable[[], _T]) -> _T:
    """A resource read off the event loop; a user error becomes the resource's error."""
    try:
        return await in_thread(function)
    except ValidationError as error:
        raise ResourceNotFoundError(str(error)) from error
    except MemoirAIError as error:
        raise ResourceError(str(error)) from error


def _json_text(data: JsonObject) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
