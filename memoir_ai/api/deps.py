"""What a route of the HTTP API gets from its application: the one opened memory.

A router of another package (the web view, the category endpoints) takes
the memory the same way::

    from fastapi import APIRouter

    from memoir_ai.api.deps import MemoirDep

    router = APIRouter(prefix="/api/categories", tags=["categories"])

    @router.get("")
    def categories(memoir: MemoirDep) -> CategoryTree:
        return memoir.get_category_tree()

A plain ``def`` route runs in a worker thread (FastAPI's thread pool), so the
database work of the synchronous ``MemoirAI`` methods never blocks the event
loop; an ``async def`` route awaits the async methods (``ingest_text``,
``query``), which do their own database work in threads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from memoir_ai.memoir import MemoirAI

__all__ = ["MemoirDep", "get_memoir"]


def get_memoir(request: Request) -> MemoirAI:
    """The memory the application was created with (:func:`memoir_ai.api.create_app`)."""
    memoir: MemoirAI = request.app.state.memoir
    return memoir


MemoirDep = Annotated[MemoirAI, Depends(get_memoir)]
"""A route parameter of this type receives the application's :class:`MemoirAI`."""
