"""From chosen paths to chunks: one SQL read per unique leaf, in a deterministic order.

Paths arrive sorted by their category ids; each leaf is read once, its chunks
oldest first (``created_at``, then ``id``) up to the per-path limit. A leaf
with no chunk becomes a dropped path (``empty_leaf``) and the query goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from memoir_ai.database.chunks import StoredChunk, read_leaf_chunks
from memoir_ai.query.results import CategoryPath, DroppedPath

__all__ = ["RetrievedPath", "retrieve_paths"]


@dataclass(frozen=True)
class RetrievedPath:
    """A complete path and the chunks read from its leaf, in order."""

    path: CategoryPath
    chunks: tuple[StoredChunk, ...]


def retrieve_paths(
    session: Session, paths: Sequence[CategoryPath], *, per_path_limit: int
) -> tuple[list[RetrievedPath], list[DroppedPath]]:
    """Read the chunks of every path's leaf (once per leaf), keeping the paths' order."""
    retrieved: list[RetrievedPath] = []
    dropped: list[DroppedPath] = []
    seen: set[int] = set()
    for path in paths:
        if path.leaf_id in seen:
            continue
        seen.add(path.leaf_id)
        chunks = read_leaf_chunks(session, path.leaf_id, limit=per_path_limit)
        if chunks:
            retrieved.append(RetrievedPath(path, tuple(chunks)))
        else:
            dropped.append(
                DroppedPath(path=path, reason="empty_leaf", detail=f"{path.label()} holds no chunk")
            )
    return retrieved, dropped
