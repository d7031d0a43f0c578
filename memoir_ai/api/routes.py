"""The routes of the HTTP API: each one call of :class:`~memoir_ai.MemoirAI`, its result dumped.

Sources are ingested, listed, read and deleted under ``/api/sources``; the tree,
chunks, questions, the call log and the database's state have a route each;
``/healthz`` says the server is up. Source ids may contain ``/``: they are the
rest of the path (``DELETE /api/sources/notes/2024-06.md?confirm=true``), with
``%``-escapes for anything a URL cannot hold.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from memoir_ai import __version__
from memoir_ai.api.deps import MemoirDep
from memoir_ai.api.models import ErrorBody, Health, IngestRequest, QueryRequest
from memoir_ai.errors import NotFoundError, ValidationError
from memoir_ai.front_doors import CallLog, SourceDeleted, json_data
from memoir_ai.ingest.results import IngestResult
from memoir_ai.query.results import QueryResult
from memoir_ai.results import (
    CategoryTree,
    ChunkDetail,
    DatabaseInfo,
    LoggedCallDetail,
    SourceSummary,
)

__all__ = ["api_router", "health_router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Bad input"),
        (401, "No valid bearer token"),
        (404, "Unknown id"),
        (413, "Body too large"),
        (503, "Database or model unavailable"),
    )
}

api_router = APIRouter(prefix="/api", responses=_ERRORS)
health_router = APIRouter()

SourceId = Annotated[str, Path(description="The source id; it may contain '/'.")]


@api_router.post(
    "/sources",
    response_model=IngestResult,
    status_code=201,
    tags=["sources"],
    responses={
        200: {"model": IngestResult, "description": "Unchanged or replaced"},
        409: {"model": ErrorBody, "description": "The source exists with other content"},
    },
)
async def ingest_source(body: IngestRequest, memoir: MemoirDep) -> JSONResponse:
    """Store a text as one source: chunk it and file every chunk under a leaf category.

    201 when the source is new; 200 when the same text was already stored
    (``unchanged``) or ``replace`` swapped it (``replaced``). Different text
    under a stored id is refused with 409 unless ``replace`` is true.
    """
    result = await memoir.ingest_text(
        body.text,
        body.source_id,
        contextual_helper=body.contextual_helper,
        metadata=body.metadata,
        replace=body.replace,
        title=body.title,
    )
    status = 201 if result.status == "created" else 200
    return JSONResponse(json_data(result), status_code=status)


@api_router.get("/sources", tags=["sources"])
def list_sources(memoir: MemoirDep) -> list[SourceSummary]:
    """Every stored source (id, title, chunk and token counts, helper version), oldest first."""
    return memoir.list_sources()


@api_router.get("/sources/{source_id:path}", tags=["sources"])
def get_source(source_id: SourceId, memoir: MemoirDep) -> SourceSummary:
    """One stored source."""
    for summary in memoir.list_sources():
        if summary.source_id == source_id:
            return summary
    raise NotFoundError(
        f"There is no source {source_id!r} in the memory.",
        remedy="use a source id of GET /api/sources.",
    )


@api_router.delete("/sources/{source_id:path}", tags=["sources"])
def delete_source(
    source_id: SourceId,
    memoir: MemoirDep,
    confirm: Annotated[
        Literal["true", "false"],
        Query(description="Must be true: deleting cannot be undone."),
    ] = "false",
) -> SourceDeleted:
    """Delete a source with its chunks, its helper, and categories left empty.

    Nothing is deleted without ``?confirm=true``.
    """
    if confirm != "true":
        raise ValidationError(
            f"Deleting source {source_id!r} needs confirm=true: it cannot be undone, and "
            "nothing was deleted.",
            remedy="send the request again with ?confirm=true.",
        )
    removed = memoir.delete_source(source_id)
    return SourceDeleted(source_id=source_id, chunks_deleted=removed)


@api_router.get("/tree", tags=["browse"])
def get_tree(
    memoir: MemoirDep,
    depth: Annotated[
        int | None, Query(description="Only the first levels, down to this one (1 or more).")
    ] = None,
) -> CategoryTree:
    """The category tree: every category with its id, level and chunk counts."""
    return memoir.get_category_tree(depth)


@api_router.get("/chunks/{chunk_id}", tags=["browse"])
def get_chunk(chunk_id: int, memoir: MemoirDep) -> ChunkDetail:
    """One stored chunk: its text, category path, source and character offsets."""
    return memoir.get_chunk(chunk_id)


@api_router.post("/query", response_model=QueryResult, tags=["query"])
async def query(body: QueryRequest, memoir: MemoirDep) -> JSONResponse:
    """Answer a question from the memory, citing the chunks the answer uses."""
    result = await memoir.query(
        body.question,
        strategy=body.strategy,
        strategy_params=body.strategy_params,
        prompt_limiting_strategy=body.prompt_limiting_strategy,
        max_token_budget=body.max_token_budget,
        use_rankings=body.use_rankings,
        limit=body.limit,
    )
    return JSONResponse(json_data(result))


@api_router.get("/calls", tags=["calls"])
def list_calls(
    memoir: MemoirDep,
    source_id: Annotated[str | None, Query(description="Only this source's calls.")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="The most recent calls.")] = 100,
) -> CallLog:
    """The recorded model calls (the most recent ``limit``) and totals over all of them."""
    return memoir.call_log(source_id=source_id, limit=limit)


@api_router.get("/calls/{call_id}", tags=["calls"])
def get_call(call_id: int, memoir: MemoirDep) -> LoggedCallDetail:
    """One recorded call with the exact prompt it sent and the answer it got."""
    return memoir.llm_call(call_id)


@api_router.get("/info", tags=["info"])
def info(memoir: MemoirDep) -> DatabaseInfo:
    """Where the memory lives (password masked), its schema state, and how much it holds."""
    return memoir.get_database_info()


@health_router.get("/healthz", tags=["info"])
def healthz() -> Health:
    """The server is up (touches neither the database nor the model; needs no token)."""
    return Health(version=__version__)
