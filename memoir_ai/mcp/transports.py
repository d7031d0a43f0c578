"""Run the MCP server of a memory over stdio (the default) or streamable HTTP.

Over stdio the SDK owns the process's stdin and stdout while it serves (file
descriptor 1 is pointed at stderr meanwhile), so nothing but protocol reaches
stdout; logs go to stderr. Over HTTP the server follows the rules of
:mod:`memoir_ai._http_guard`, shared with ``memoir serve``: loopback unless told
otherwise, any other address only with a bearer token (``MEMOIR_API_TOKEN``),
every request checked for the token and its body capped before the SDK sees
it. uvicorn logs through the same stderr handler as the rest.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer

from memoir_ai._http_guard import RequestGuard, check_exposure
from memoir_ai.config import ServerConfig
from memoir_ai.mcp.server import build_server
from memoir_ai.memoir import MemoirAI

__all__ = ["HTTP_PATH", "Transport", "check_host", "serve"]

Transport = Literal["stdio", "streamable-http"]
HTTP_PATH = "/mcp"


def check_host(host: str, settings: ServerConfig) -> None:
    """Refuse to listen beyond loopback without a token (the rule of ``memoir serve`` too).

    Raises:
        ConfigurationError: ``host`` is not loopback and ``MEMOIR_API_TOKEN`` is not set.
    """
    check_exposure(host, settings.token, command="memoir mcp")


def serve(
    memoir: MemoirAI,
    transport: Transport = "stdio",
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: ServerConfig | None = None,
) -> None:
    """Serve ``memoir`` until the client disconnects (stdio) or the process is stopped (HTTP)."""
    server = build_server(memoir)
    if transport == "stdio":
        anyio.run(server.run_stdio_async)
        return
    settings = settings if settings is not None else ServerConfig()
    check_host(host, settings)
    anyio.run(partial(_serve_http, server, host, port, settings))


async def _serve_http(server: MCPServer[Any], host: str, port: int, settings: ServerConfig) -> None:
    import uvicorn

    app = server.streamable_http_app(streamable_http_path=HTTP_PATH, host=host)
    guarded = RequestGuard(app, token=settings.token, max_body_bytes=settings.max_request_bytes)
    # log_config=None: uvicorn's own config would send its access log to stdout.
    config = uvicorn.Config(guarded, host=host, port=port, log_config=None)
    await uvicorn.Server(config).serve()
