"""The guard as plain ASGI, for what a real client cannot send on purpose.

A client that disconnects in the middle of its body, and a Content-Length that
is not a number: the application behind the guard must never be called.
The socket-level behaviour (token, caps) is tested in test_serve_safety.py.
"""

from __future__ import annotations

import json
from typing import Any

import anyio

from memoir_ai._http_guard import RequestGuard


def _run(
    headers: list[tuple[bytes, bytes]], messages: list[dict[str, Any]]
) -> tuple[list[Any], list[Any]]:
    called: list[Any] = []
    sent: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        called.append(await receive())

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/sources", "headers": headers}
    anyio.run(RequestGuard(app, token=None, max_body_bytes=1024), scope, receive, send)
    return called, sent


def test_a_body_cut_off_by_a_disconnect_never_reaches_the_application() -> None:
    whole_json = json.dumps({"text": "Words.", "source_id": "s"}).encode()
    called, sent = _run(
        [(b"transfer-encoding", b"chunked")],
        [
            {"type": "http.request", "body": whole_json, "more_body": True},
            {"type": "http.disconnect"},
        ],
    )
    assert called == [] and sent == []


def test_a_whole_chunked_body_is_handed_over_once() -> None:
    called, _ = _run(
        [(b"transfer-encoding", b"chunked")],
        [
            {"type": "http.request", "body": b'{"a": ', "more_body": True},
            {"type": "http.request", "body": b"1}", "more_body": False},
        ],
    )
    assert called == [{"type": "http.request", "body": b'{"a": 1}', "more_body": False}]


def test_a_content_length_that_is_no_number_is_400() -> None:
    called, sent = _run([(b"content-length", b"ten")], [])
    assert called == []
    assert sent[0]["status"] == 400
    assert set(json.loads(sent[1]["body"])) == {"error", "remedy"}
