"""The safety rules both network front doors share: who may listen where, and what gets in.

``memoir serve`` (the HTTP API) and ``memoir mcp --transport streamable-http``
follow the same rules, written once here:

- :func:`check_exposure`: loopback by default; any other address needs a
  bearer token (``MEMOIR_API_TOKEN``), and a server refuses to start without
  one.
- :class:`RequestGuard`, a plain ASGI middleware in front of the whole
  application: when a token is configured, a request without it (on loopback
  too) is answered 401 before anything else runs; a request body larger than
  ``MEMOIR_MAX_REQUEST_BYTES`` is answered 413, from its ``Content-Length``
  before a byte is read, or, for a chunked body without one, as soon as the
  bytes read pass the cap, never holding more than the cap in memory. Refused
  requests touch nothing: the application is not called.

Standard library only (no FastAPI, no Starlette), so that the MCP server, which
has neither the ``serve`` extra nor FastAPI, uses the very same code.
"""

from __future__ import annotations

import enum
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from memoir_ai.errors import ConfigurationError

__all__ = ["RequestGuard", "check_exposure", "is_loopback"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.1``, ``::1``, ...)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_exposure(host: str, token: str | None, *, command: str) -> None:
    """Refuse to listen beyond loopback without a bearer token.

    Args:
        host: The address the server is asked to listen on.
        token: The configured bearer token (``MEMOIR_API_TOKEN``), or None.
        command: The command starting the server, for the message (``memoir serve``).

    Raises:
        ConfigurationError: ``host`` is not a loopback address and there is no token:
            anyone who reached it could read and delete the memory.
    """
    if token is not None or is_loopback(host):
        return
    raise ConfigurationError(
        f"{command} will not listen on {host!r} without a token: anyone who reaches that "
        "address could read and delete the memory.",
        remedy="set MEMOIR_API_TOKEN to a long random secret (python -c 'import secrets; "
        "print(secrets.token_urlsafe(32))') and have clients send it as "
        "'Authorization: Bearer <token>', or listen on loopback (--host 127.0.0.1, the default).",
    )


class _Unread(enum.Enum):
    """Why a request's body was not read whole."""

    TOO_LARGE = "too large"
    GONE = "client gone"


class RequestGuard:
    """ASGI middleware: the bearer token and the body cap, checked before the application runs.

    Args:
        app: The application to guard (FastAPI, or the MCP SDK's Starlette app).
        token: The bearer token every HTTP request must carry, or None for none.
        max_body_bytes: The largest request body let through.
    """

    def __init__(self, app: ASGIApp, *, token: str | None, max_body_bytes: int) -> None:
        """Guard ``app`` with ``token`` (None: no token needed) and the body cap."""
        self.app = app
        self._token = token.encode("utf-8") if token is not None else None
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 or 413 for a refused request; pass anything else on untouched."""
        if scope["type"] == "websocket" and not self._authorized(scope):
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        if not self._authorized(scope):
            await _refuse(
                send,
                401,
                "The request has no valid bearer token.",
                "send the server's token (MEMOIR_API_TOKEN) as 'Authorization: Bearer <token>'.",
                headers=[(b"www-authenticate", b'Bearer realm="memoir"')],
            )
            return
        headers = _headers(scope)
        length_header = headers.get(b"content-length")
        chunked = b"transfer-encoding" in headers
        if length_header is None and not chunked:
            await self.app(scope, receive, send)  # no body
            return
        if length_header is not None:
            try:
                length = int(length_header)
            except ValueError:
                await _refuse(
                    send, 400, "The Content-Length header is not a number.", _LENGTH_REMEDY
                )
                return
            if length > self.max_body_bytes:
                await self._too_large(send, length)
                return
        body = await self._read_body(receive)
        if body is _Unread.GONE:
            return  # the client left before its body was whole: nothing to do
        if body is _Unread.TOO_LARGE:
            await self._too_large(send, None)
            return
        await self.app(scope, _replay(body, receive), send)

    def _authorized(self, scope: Scope) -> bool:
        if self._token is None:
            return True
        given = _headers(scope).get(b"authorization", b"")
        scheme, _, credentials = given.partition(b" ")
        if scheme.lower() != b"bearer":
            return False
        return hmac.compare_digest(credentials.strip(), self._token)

    async def _read_body(self, receive: Receive) -> bytes | _Unread:
        """The whole body, or TOO_LARGE as soon as it passes the cap (the rest is never read).

        A client that disconnects before the end gives GONE: a truncated body is
        never handed to the application, even one that happens to parse.
        """
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return _Unread.GONE
            part = message.get("body", b"")
            size += len(part)
            if size > self.max_body_bytes:
                return _Unread.TOO_LARGE
            parts.append(part)
            if not message.get("more_body", False):
                return b"".join(parts)

    async def _too_large(self, send: Send, length: int | None) -> None:
        given = f" ({length:,} bytes)" if length is not None else ""
        await _refuse(
            send,
            413,
            f"The request body{given} is larger than this server accepts "
            f"({self.max_body_bytes:,} bytes).",
            "send a smaller body (split a long text into several sources), or raise "
            "MEMOIR_MAX_REQUEST_BYTES on the server.",
        )


_LENGTH_REMEDY = "send a Content-Length that is the body's size in bytes, or none (chunked)."


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands over the body already read, then the client's own messages."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(
    send: Send,
    status: int,
    error: str,
    remedy: str,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer with ``{"error", "remedy"}`` and close the connection (the body stays unread)."""
    payload = json.dumps({"error": error, "remedy": remedy}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode("ascii")),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload, "more_body": False})
