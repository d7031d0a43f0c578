"""How a remedy names a way to list or do something: in the words of the caller's front door.

"``memoir tree --ids`` shows every category's id" is right on the command
line and wrong over HTTP, where the same listing is ``GET /api/tree``. The
core therefore never spells a command itself: every remedy that names a
listing (categories with ids, sources, chunk ids, recorded calls, the change
history) or an action (merge, move, undo) reads :class:`DoorWords`, the one
set of words of the door :class:`~memoir_ai.MemoirAI` was opened for
(``front_door``: :func:`words_for`, :attr:`memoir_ai.MemoirAI.door_words`).
:attr:`DoorWords.query` is how that door names a query's parameters
(:mod:`memoir_ai.query.wording`). A new front door adds its entry to
:data:`DOOR_WORDS` and its query wording. Pure and standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memoir_ai.query.wording import QueryWording

__all__ = ["DOOR_WORDS", "DoorWords", "refuse_other_door", "words_for"]


@dataclass(frozen=True)
class DoorWords:
    """Where one front door lists things, and how it changes the tree.

    Each listing reads after "with" or before "shows"/"lists";
    :attr:`chunk_ids` is a whole clause (some doors have no listing of a
    source's chunks, only citations).
    """

    door: str
    """The front door: python, cli, mcp or http."""
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

    @property
    def query(self) -> QueryWording:
        """How this door's query refusals name the query's parameters."""
        from memoir_ai.query.wording import QUERY_WORDINGS

        return QUERY_WORDINGS[self.door]


PYTHON_WORDS = DoorWords(
    door="python",
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
    door="cli",
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
    door="mcp",
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
    door="http",
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


def refuse_other_door(front_door: str, door: str, built_by: str) -> None:
    """Refuse to serve door ``door`` over a memory opened for ``front_door``.

    A server's memory speaks its door's words and records its changes as made
    there; one opened for another door would do neither.

    Raises:
        ConfigurationError: ``front_door`` is not ``door``.
    """
    if front_door != door:
        from memoir_ai.errors import ConfigurationError

        raise ConfigurationError(
            f"{built_by} serves the {door} front door, but the MemoirAI given was opened for "
            f"{front_door!r}.",
            remedy=f'open it with MemoirAI(..., front_door="{door}"), so that its refusals name '
            f"this door's own ways and its changes are recorded as made over {door}.",
        )
