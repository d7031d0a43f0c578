"""The web view: one page of our own HTML, CSS and JavaScript, served by ``memoir serve`` at ``/``.

There is no build step and nothing is fetched from the internet: the files in
``static/`` are package data, sent as they are by :func:`web_router`, and the
page reads everything it shows from the JSON API under ``/api`` (with the
bearer token a user types in when the server requires one).
"""

from __future__ import annotations

from memoir_ai.web.routes import ASSETS, PUBLIC_PATHS, web_router

__all__ = ["ASSETS", "PUBLIC_PATHS", "web_router"]
