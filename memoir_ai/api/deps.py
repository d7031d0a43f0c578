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
from memoir_ai.query.wording import QueryWording

__all__ = ["HTTP_WORDING", "MemoirDep", "get_memoir"]


def get_memoir(request: Request) -> MemoirAI:
    """The memory the application was created with (:func:`memoir_ai.api.create_app`)."""
    memoir: MemoirAI = request.app.state.memoir
    return memoir


MemoirDep = Annotated[MemoirAI, Depends(get_memoir)]
"""A route parameter of this type receives the application's :class:`MemoirAI`."""

HTTP_WORDING = QueryWording(
    question='"question"',
    budget_template='"max_token_budget": {value}',
    budget_name='"max_token_budget"',
    limit_template='"limit": {value}',
    limit_name='"limit"',
    param_name='"strategy_params": {{"{name}": ...}}',
    param_template='"strategy_params": {{"{name}": {value}}}',
    strategy_template='"strategy": "{value}"',
    prune='"prompt_limiting_strategy": "prune"',
    summarize='"prompt_limiting_strategy": "summarize"',
    ingest="POST /api/sources",
)
"""How query errors name the fields of ``POST /api/query``."""
