"""How a remedy names a way to list or do something: in the words of the caller's front door.

"``memoir tree --ids`` shows every category's id" is right on the command
line and wrong over HTTP, where the same listing is ``GET /api/tree``. The
core therefore never spells a command itself: every remedy that names a
listing (categories with ids, sources, chunk ids, recorded calls, the change
history) or an action (merge, move, undo) reads :class:`DoorWords`, the one
set of words of the door :class:`~memoir_ai.MemoirAI` was opened for
(``front_door``: :func:`words_for`). A new front door adds its entry to
:data:`DOOR_WORDS`. A query's parameters have their own wording
(:mod:`memoir_ai.query.wording`). Pure and standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DOOR_WORDS", "DoorWords", "words_for"]


@dataclass(frozen=True)
class DoorWords:
    """Where one front door lists things, and how it changes the tree.

    Each listing reads after "with" or before "shows"/"lists";
    :attr:`chunk_ids` is a whole clause (some doors have no listing of a
    source's chunks, only citations).
    """

    tree: str
    """Every category with its id and path."""
    sources: str
    """The stored sources with their ids."""
    chunk_ids: str
    """Where chunk ids are found (a clause)."""
    calls: str
    """The recorded model calls with their ids."""
    history: str
    """The tree's change history (changes made and undone)."""
    merge: str
    """Merging one category into another."""
    move: str
    """Moving a category under another parent."""
    undo: str
    """Undoing the last change (or what to do where there is no undo)."""


PYTHON_WORDS = DoorWords(
    tree="get_category_tree()",
    sources="list_sources()",
    chunk_ids="list_chunks(source_id) lists a source's chunk ids, and query results cite them",
    calls="llm_calls()",
    history="category_changes()",
    merge="merge_categories()",
    move="move_category()",
    undo="undo_last_change()",
)

CLI_WORDS = DoorWords(
    tree="`memoir tree --ids`",
    sources="`memoir sources`",
    chunk_ids="`memoir sources chunks SOURCE_ID` lists a source's chunk ids, and query "
    "results cite them",
    calls="`memoir log`",
    history="`memoir category history`",
    merge="`memoir category merge`",
    move="`memoir category move`",
    undo="`memoir category undo`",
)

MCP_WORDS = DoorWords(
    tree="the get_tree tool",
    sources="the list_sources tool",
    chunk_ids="the query tool's results cite chunk ids, and the get_chunk tool reads one",
    calls="the calls an ingest_text or query result reports",
    history="the change each maintenance tool answers with",
    merge="the merge_categories tool",
    move="the move_category tool",
    undo="no tool (this server has no undo): put things back with rename_category, "
    "move_category, merge_categories or move_chunks",
)

HTTP_WORDS = DoorWords(
    tree="GET /api/tree",
    sources="GET /api/sources",
    chunk_ids="GET /api/chunks?source_id=SOURCE_ID lists a source's chunk ids, and query "
    "results cite them",
    calls="GET /api/calls",
    history="GET /api/categories/changes",
    merge="POST /api/categories/{category}/merge",
    move="POST /api/categories/{category}/move",
    undo="POST /api/categories/undo",
)

DOOR_WORDS: dict[str, DoorWords] = {
    "python": PYTHON_WORDS,
    "cli": CLI_WORDS,
    "mcp": MCP_WORDS,
    "http": HTTP_WORDS,
}
"""Each front door (``MemoirAI.front_door``) → its words."""


def words_for(front_door: str) -> DoorWords:
    """The words of ``front_door`` (python, cli, mcp or http)."""
    return DOOR_WORDS[front_door]
