"""Run the MCP server of a memory over stdio (the default) or streamable HTTP.

Over stdio the SDK owns the process's stdin and stdout while it serves (file
descriptor 1 is pointed at stderr meanwhile), so nothing but protocol reaches
stdout; logs go to stderr. Over HTTP the server listens on loopback unless
told otherwise, and uvicorn logs through the same stderr handler as the rest.
"""

from __future__ import annotations

import ipaddress
from functools import partial
from typing import Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer

from memoir_ai.errors import ConfigurationError
from memoir_ai.mcp.server import build_server
from memoir_ai.memoir import MemoirAI

__all__ = ["HTTP_PATH", "Transport", "check_host", "serve"]

Transport = Literal["stdio", "streamable-http"]
HTTP_PATH = "/mcp"


def check_host(host: str) -> None:
    """Refuse to listen anywhere but on loopback.

    Raises:
        ConfigurationError: ``host`` is not a loopback address: the server has no
            authentication yet, so anyone who can reach it could read and delete.
    """
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigurationError(
            f"memoir mcp will not listen on {host!r}: the MCP server has no authentication "
            "yet, so anyone who reaches that address could read and delete the memory.",
            remedy="listen on loopback (--host 127.0.0.1, the default) and reach it through "
            "an SSH tunnel or an authenticating reverse proxy.",
        )


def serve(
    memoir: MemoirAI, transport: Transport = "stdio", host: str = "127.0.0.1", port: int = 8000
) -> None:
    """Serve ``memoir`` until the client disconnects (stdio) or the process is stopped (HTTP)."""
    server = build_server(memoir)
    if transport == "stdio":
        anyio.run(server.run_stdio_async)
        return
    check_host(host)
    anyio.run(partial(_serve_http, server, host, port))


async def _serve_http(server: MCPServer[Any], host: str, port: int) -> None:
    import uvicorn

    app = server.streamable_http_app(streamable_http_path=HTTP_PATH, host=host)
    # log_config=None: uvicorn's own config would send its access log to stdout.
    config = uvicorn.Config(app, host=host, port=port, log_config=None)
    await uvicorn.Server(config).serve()
