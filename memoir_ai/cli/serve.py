"""``memoir serve``: the memory as an HTTP JSON API (FastAPI on uvicorn).

One :class:`~memoir_ai.MemoirAI` is opened for the life of the server;
FastAPI and uvicorn load only when the command runs, so ``memoir --help``
never imports them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from memoir_ai.cli._memoir import open_memoir

__all__ = ["serve"]


def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on; any but loopback needs MEMOIR_API_TOKEN."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = (
        8000
    ),
    graceful_timeout: Annotated[
        int,
        typer.Option(
            "--graceful-timeout",
            min=0,
            help="Seconds the requests in flight may take to finish after SIGTERM.",
        ),
    ] = 30,
) -> None:
    """Serve the memory as an HTTP JSON API under /api (OpenAPI at /docs)."""
    from memoir_ai._http_guard import check_exposure
    from memoir_ai.config import ServerConfig
    from memoir_ai.errors import ConfigurationError

    settings = ServerConfig()
    check_exposure(host, settings.token, command="memoir serve")  # before anything is opened
    try:
        from memoir_ai.api.server import run
    except ImportError as error:
        raise ConfigurationError(
            f"memoir serve needs FastAPI and uvicorn, which are not installed ({error}).",
            remedy="install them with: pip install 'memoir-ai[serve]'.",
        ) from error
    with open_memoir(ctx) as memoir:
        shown = f"[{host}]" if ":" in host else host
        typer.echo(
            f"Serving the memory at http://{shown}:{port}/api (OpenAPI at /docs); "
            "stop with Ctrl-C or SIGTERM.",
            err=True,
        )
        run(memoir, settings, host=host, port=port, graceful_timeout=graceful_timeout)
