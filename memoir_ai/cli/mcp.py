"""``memoir mcp``: serve the memory to agents over the Model Context Protocol.

One :class:`~memoir_ai.MemoirAI` is opened for the life of the server; the
server itself (:mod:`memoir_ai.mcp`) and the ``mcp`` SDK load only when the
command runs, so ``memoir --help`` never imports them.
"""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from memoir_ai.cli._memoir import open_memoir

__all__ = ["mcp"]


class TransportChoice(enum.StrEnum):
    """How MCP clients reach the server."""

    STDIO = "stdio"
    STREAMABLE_HTTP = "streamable-http"


def mcp(
    ctx: typer.Context,
    transport: Annotated[
        TransportChoice,
        typer.Option(
            "--transport",
            help="stdio for a client that starts the server itself (Claude Desktop and most "
            "others); streamable-http to serve remote clients at http://HOST:PORT/mcp.",
        ),
    ] = TransportChoice.STDIO,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on with streamable-http; any but loopback needs "
            "MEMOIR_API_TOKEN.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option("--port", min=1, max=65535, help="Port to listen on with streamable-http."),
    ] = 8000,
) -> None:
    """Serve the memory over MCP: tools to ingest, query, browse and delete, and resources."""
    from memoir_ai.config import ServerConfig
    from memoir_ai.errors import ConfigurationError

    try:
        from memoir_ai.mcp.transports import check_host, serve
    except ImportError as error:
        raise ConfigurationError(
            f"memoir mcp needs the MCP Python SDK, which is not installed ({error}).",
            remedy="install it with: pip install 'memoir-ai[mcp]'.",
        ) from error
    settings = ServerConfig()
    if transport is TransportChoice.STREAMABLE_HTTP:
        check_host(host, settings)  # before anything is opened
    with open_memoir(ctx) as memoir:
        serve(memoir, transport.value, host=host, port=port, settings=settings)
