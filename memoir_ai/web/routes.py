"""The routes of the web view: the page at ``/`` and its assets at ``/assets/{name}``.

Neither holds data (the page asks the API for it), so neither needs the
token: a browser can load the page, which then asks for the token when the
API refuses it. Every response forbids loading anything from another origin
(``Content-Security-Policy``), which is also how the browser test proves that
the page fetches nothing from the internet.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["ASSETS", "CONTENT_SECURITY_POLICY", "PUBLIC_PATHS", "web_router"]

ASSETS: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "dom.js": "text/javascript; charset=utf-8",
    "tree.js": "text/javascript; charset=utf-8",
    "views.js": "text/javascript; charset=utf-8",
    "answer.js": "text/javascript; charset=utf-8",
    "maintain.js": "text/javascript; charset=utf-8",
}
"""Every file the page is made of, with its media type (nothing else is served)."""

PUBLIC_PATHS: frozenset[str] = frozenset({"/", *(f"/assets/{name}" for name in ASSETS)})
"""The paths a browser may GET without the token: the page and its files, which hold no data."""

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""Only this server's own files and API: no script, style, font or image from elsewhere."""

_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The files change with the installed package; a browser revalidates instead of guessing.
    "Cache-Control": "no-cache",
}


@cache
def _asset(name: str) -> bytes:
    return (resources.files("memoir_ai.web") / "static" / name).read_bytes()


def web_router() -> APIRouter:
    """The router of the page and its assets, for ``create_app`` to include."""
    from fastapi import APIRouter, HTTPException
    from fastapi.responses import Response

    router = APIRouter(include_in_schema=False)

    def send(name: str) -> Response:
        return Response(_asset(name), media_type=ASSETS[name], headers=_HEADERS)

    @router.get("/")
    def page() -> Response:
        return send("index.html")

    @router.get("/assets/{name}")
    def asset(name: str) -> Response:
        if name not in ASSETS or name == "index.html":
            raise HTTPException(status_code=404, detail=f"The web view has no file {name!r}.")
        return send(name)

    return router
