"""TCP forwarders in front of a real database server, to make it late or make it vanish.

``DelayedTcpProxy(host, port, delay)`` reserves a port on 127.0.0.1 at once
(bound, so nobody else takes it) but only *listens* after ``delay`` seconds:
until then, connecting is refused, exactly like a server that is still
starting. Afterwards it forwards every byte to the real server.

``outage(seconds)`` on a running proxy is a server going away mid-work: every
open connection is cut, and for ``seconds`` every new one is accepted and
dropped at once; then forwarding resumes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import TracebackType


class DelayedTcpProxy:
    """Forward 127.0.0.1:<port> to ``target``, refusing connections for the first ``delay`` s."""

    def __init__(self, target_host: str, target_port: int, delay: float) -> None:
        self.target = (target_host, target_port)
        self.delay = delay
        self.accepted = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Bound but not listening: the kernel refuses connections (ECONNREFUSED).
        self._listener.bind(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="delayed-proxy", daemon=True)
        self._down_until = 0.0
        self.dropped = 0

    def outage(self, seconds: float) -> None:
        """Cut every open connection and drop new ones for ``seconds``."""
        with self._lock:
            self._down_until = time.monotonic() + seconds
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def __enter__(self) -> DelayedTcpProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        if self._stop.wait(self.delay):
            return
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            if time.monotonic() < self._down_until:
                with self._lock:
                    self.dropped += 1
                client.close()  # the server is away: the client sees the link die
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self.accepted += 1
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses every connection (a server that never starts).

    The port stays bound (not listening) while the block runs, so no other
    process can start listening on it meanwhile.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as reserved:
        reserved.bind(("127.0.0.1", 0))
        yield int(reserved.getsockname()[1])
