"""``memoir serve``: the memory as an HTTP JSON API (FastAPI on uvicorn).

A thin front door over one :class:`~memoir_ai.MemoirAI`, opened once for the
life of the server: every route calls one of its public methods and answers
with the JSON dump of the public result it returns.

- :mod:`memoir_ai.api.app`: :func:`create_app`, the application factory, and
  how to add routers to it.
- :mod:`memoir_ai.api.routes`: the endpoints under ``/api`` and ``/healthz``.
- :mod:`memoir_ai.api.deps`: :data:`~memoir_ai.api.deps.MemoirDep`, how a
  route (of any router) receives the memory.
- :mod:`memoir_ai.api.errors`: errors to ``{"error", "remedy"}`` and a status.
- :mod:`memoir_ai.api.server`: running it with uvicorn, shut down gracefully.

The token, the body cap and the loopback rule are shared with the MCP server
(:mod:`memoir_ai._http_guard`). Needs the ``serve`` extra
(``pip install 'memoir-ai[serve]'``); nothing here is imported by
``import memoir_ai`` or ``memoir --help``.
"""

from memoir_ai.api.app import create_app

__all__ = ["create_app"]
