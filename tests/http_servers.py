"""HTTP servers for the tests: the API in a uvicorn thread, or the installed ``memoir serve``.

Both listen on a real loopback socket; clients talk to them with httpx.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["MEMOIR", "free_port", "memoir_env", "serve_in_thread", "serve_process"]

MEMOIR = str(Path(sys.executable).parent / "memoir")


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def memoir_env(**settings: str) -> dict[str, str]:
    """The environment of a ``memoir`` subprocess: no MEMOIR_* of ours, then ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env.update(settings)
    return env


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free port; yield its base URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped before it listened"
        assert time.monotonic() < deadline, "the server never listened"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def wait_listening(process: subprocess.Popen[Any], port: int, log: Path) -> None:
    """Wait until ``process`` accepts connections on ``port`` (fail if it exits first)."""
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text("utf-8")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.1)


@contextmanager
def serve_process(
    database_url: str, tmp_path: Path, *args: str, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """Run the installed ``memoir --verbose serve`` on a free port; yield (URL, process, log)."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [MEMOIR, "--db", database_url, "--verbose", "serve", "--port", str(port), *args],
            env=memoir_env(**settings),
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_listening(process, port, log)
        yield f"http://127.0.0.1:{port}", process, log
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)
