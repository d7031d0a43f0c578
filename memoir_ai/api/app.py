"""The application factory of the HTTP API: :func:`create_app`."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from memoir_ai import __version__
from memoir_ai._http_guard import RequestGuard
from memoir_ai.api.categories import categories_router
from memoir_ai.api.docs import docs_router
from memoir_ai.api.errors import install_error_handlers
from memoir_ai.api.routes import api_router, health_router
from memoir_ai.config import ServerConfig
from memoir_ai.door_words import refuse_other_door
from memoir_ai.memoir import MemoirAI
from memoir_ai.web import PUBLIC_PATHS, web_router

__all__ = ["create_app"]

DESCRIPTION = (
    "An explainable long-term memory: texts filed under an LLM-built category tree in an "
    "ordinary SQL database. Every body is a public result of memoir-ai, as `memoir ... "
    '--json` prints it; every error is `{"error", "remedy"}`.'
)


def create_app(
    memoir: MemoirAI,
    settings: ServerConfig | None = None,
    *,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The HTTP API over one opened memory.

    Args:
        memoir: The memory every route works on, opened with ``front_door="http"``
            (its refusals then name the API's routes, its changes are recorded as
            made over HTTP). The caller owns it (and closes it when the server
            stops); routes reach it with :data:`memoir_ai.api.deps.MemoirDep`.
        settings: The token, body cap and CORS origins; by default read from
            ``MEMOIR_API_TOKEN``, ``MEMOIR_MAX_REQUEST_BYTES`` and
            ``MEMOIR_CORS_ORIGINS`` (:class:`~memoir_ai.config.ServerConfig`).
        routers: More routers to include after the API's own, in order.

    Extending it: pass routers here, or include them on the returned app —
    the token check, the body cap, CORS and the error handler wrap the whole
    application, so whatever is added later is guarded the same way::

        app = create_app(memoir, routers=[my_router])
        app.include_router(other_router)

    The web view (:mod:`memoir_ai.web`) is at ``/``, and the category endpoints
    (:mod:`memoir_ai.api.categories`) under ``/api/categories`` and ``/api/chunks``.
    The page and its assets hold no data and need no token (:data:`PUBLIC_PATHS`):
    the page asks the user for the token when the API refuses it. Nor does
    ``/healthz``, so that a load balancer or container probe can use it: it says
    only that the server is up, and its version.

    A route raising a :class:`~memoir_ai.errors.MemoirAIError` gets the one
    ``{"error", "remedy"}`` body with the status its class maps to
    (:mod:`memoir_ai.api.errors`). Include a catch-all route or mount (static
    files at ``/``) last, so that it does not shadow ``/api`` and ``/docs``.
    """
    refuse_other_door(memoir.front_door, "http", "create_app")
    settings = settings if settings is not None else ServerConfig()
    app = FastAPI(
        title="memoir-ai",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # our own /docs: Swagger UI served from this server, not a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.memoir = memoir
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(docs_router())
    app.include_router(api_router)
    app.include_router(categories_router)
    app.include_router(web_router())
    for router in routers:
        app.include_router(router)
    # Middleware added last runs first: CORS answers a browser's preflight (which never
    # carries the token) before the guard; the guard refuses before any route runs.
    app.add_middleware(
        RequestGuard,
        token=settings.token,
        max_body_bytes=settings.max_request_bytes,
        public_paths=PUBLIC_PATHS | {"/healthz"},
    )
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app
