"""Run the HTTP API with uvicorn until SIGTERM or Ctrl-C, then stop gracefully.

On SIGTERM (or SIGINT) uvicorn stops accepting connections and lets the
requests in flight finish, for at most ``graceful_timeout`` seconds; what is
still running then is cancelled. Either way no source is left half stored:
an ingestion writes its source in one transaction, after every model call,
and a write already in a worker thread is waited for before the process
exits (``asyncio.run`` joins its threads); a transaction cut off by a hard
kill is rolled back by the database. After a graceful stop the process exits
normally (status 0) and the memory is closed; uvicorn's own server would
re-raise the signal and die by it.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from memoir_ai.api.app import create_app
from memoir_ai.config import ServerConfig
from memoir_ai.errors import DatabaseError
from memoir_ai.memoir import MemoirAI

if TYPE_CHECKING:
    import uvicorn

__all__ = ["run"]

logger = logging.getLogger(__name__)


def run(
    memoir: MemoirAI,
    settings: ServerConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    graceful_timeout: int = 30,
) -> None:
    """Serve ``memoir`` on ``host:port`` until the process is stopped.

    The schema is created or upgraded first (as the first ingestion would), so
    that reads work from the first request; a read-only database is served
    for reading.
    """
    import uvicorn

    try:
        memoir.initialize()
    except DatabaseError as error:
        if error.kind != "read-only":
            raise
        logger.warning("%s Serving it for reading only.", error.message)
    app = create_app(memoir, settings)
    # log_config=None: uvicorn logs through the root logger's handler (stderr, passwords
    # scrubbed) instead of its own configuration, which writes the access log to stdout.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        timeout_graceful_shutdown=graceful_timeout,
        server_header=False,
    )
    logging.getLogger("uvicorn").setLevel(logging.INFO)  # shown with --verbose
    _server_class()(config).run()
    logger.info("Stopped.")


def _server_class() -> type[uvicorn.Server]:
    import uvicorn

    class GracefulServer(uvicorn.Server):
        """uvicorn's server, except that a signal ends the process normally once it stopped."""

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            original: dict[int, Any] = {
                sig: signal.signal(sig, self.handle_exit) for sig in handled
            }
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    return GracefulServer
