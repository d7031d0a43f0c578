"""The API's interactive documentation at ``/docs``, served whole by this server.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN, which a machine
without internet cannot reach. This page is the same Swagger UI, from the
``swagger-ui-bundle`` package, its files served under ``/docs/assets/``:
nothing is fetched from elsewhere. Like every route but the web view, it sits
behind the token when one is set.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

__all__ = ["DOCS_ASSETS", "docs_router"]

DOCS_ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
"""The Swagger UI files the page uses, with their media types (nothing else is served)."""


def _swagger_folder() -> Path:
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


def docs_router(openapi_url: str = "/openapi.json", title: str = "memoir-ai") -> APIRouter:
    """``GET /docs`` (Swagger UI over ``openapi_url``) and ``GET /docs/assets/{name}``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )

    @router.get("/docs/assets/{name}")
    def asset(name: str) -> FileResponse:
        if name not in DOCS_ASSETS:
            raise HTTPException(status_code=404, detail=f"The docs page has no file {name!r}.")
        return FileResponse(_swagger_folder() / name, media_type=DOCS_ASSETS[name])

    return router
