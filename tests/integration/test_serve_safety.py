"""The HTTP API's guard over a real socket: the bearer token, the body cap, CORS, the host rule.

The same guard runs in front of ``memoir mcp`` over HTTP (tests/integration/test_mcp.py).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from memoir_ai import MemoirAI
from memoir_ai._http_guard import check_exposure, is_loopback
from memoir_ai.api import create_app
from memoir_ai.config import ServerConfig
from memoir_ai.errors import ConfigurationError
from tests.http_servers import MEMOIR, memoir_env, serve_in_thread

TOKEN = "s3cret-token-for-the-tests-0123456789"
CAP = 64 * 1024
TEXT = "The Moon shows phases because half of it is lit by the Sun. " * 20


@pytest.fixture
def guarded(sqlite_url: str) -> Iterator[tuple[str, str]]:
    """A server with a token and a 64 KiB cap; yields (base URL, database URL)."""
    settings = ServerConfig(
        api_token=TOKEN, max_request_bytes=CAP, cors_origins="https://app.example"
    )
    with MemoirAI(database_url=sqlite_url, front_door="http") as memoir:
        memoir.initialize()
        with serve_in_thread(create_app(memoir, settings)) as base:
            yield base, sqlite_url


def _stored(url: str) -> list[str]:
    with MemoirAI(database_url=url) as memoir:
        return [source.source_id for source in memoir.list_sources()]


def _refused(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "remedy"}
    return body


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-of-the-same-length-0123456"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
    ids=["absent", "wrong", "longer", "basic", "no-scheme"],
)
def test_without_the_token_nothing_happens(
    guarded: tuple[str, str], headers: dict[str, str]
) -> None:
    base, url = guarded
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for answer in (
            client.post("/api/sources", json={"text": TEXT, "source_id": "s"}),
            client.get("/api/sources"),
            client.get("/docs"),
            client.delete("/api/sources/s", params={"confirm": "true"}),
        ):
            body = _refused(answer, 401)
            assert "Authorization: Bearer" in body["remedy"]
            assert answer.headers["www-authenticate"].startswith("Bearer")
        # A probe needs no token: the health check says only that the server is up.
        health = client.get("/healthz")
        assert health.status_code == 200 and set(health.json()) == {"status", "version"}
        assert client.post("/healthz").status_code == 401  # public means GET/HEAD only
    assert _stored(url) == []


def test_with_the_token(guarded: tuple[str, str]) -> None:
    base, url = guarded
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        created = client.post("/api/sources", json={"text": TEXT, "source_id": "s"}, timeout=120)
        assert created.status_code == 201, created.text
        assert client.get("/healthz").status_code == 200
        assert [s["source_id"] for s in client.get("/api/sources").json()] == ["s"]
    assert _stored(url) == ["s"]


def test_bodies_over_the_cap(guarded: tuple[str, str]) -> None:
    base, url = guarded
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    big = ('{"source_id": "big", "text": "' + "word " * (CAP // 5 + 100) + '"}').encode()
    assert len(big) > CAP

    def chunked(data: bytes) -> Iterator[bytes]:  # no Content-Length: chunked encoding
        for start in range(0, len(data), 8192):
            yield data[start : start + 8192]

    with httpx.Client(base_url=base, headers=auth, timeout=120) as client:
        declared = client.post("/api/sources", content=big)
        assert "content-length" in declared.request.headers
        assert "65,536" in _refused(declared, 413)["error"]
        streamed = client.post("/api/sources", content=chunked(big))
        assert "content-length" not in streamed.request.headers
        assert streamed.request.headers["transfer-encoding"] == "chunked"
        _refused(streamed, 413)
        # A chunked body under the cap goes through.
        small = b'{"source_id": "small", "text": "' + TEXT.encode() + b'"}'
        accepted = client.post("/api/sources", content=chunked(small))
        assert accepted.status_code == 201, accepted.text
    assert _stored(url) == ["small"]


def test_cors_only_for_the_configured_origins(guarded: tuple[str, str], sqlite_url: str) -> None:
    base, _ = guarded
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with httpx.Client(base_url=base) as client:
        allowed = client.options("/api/sources", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        other = client.options(
            "/api/sources", headers={**preflight, "Origin": "https://evil.example"}
        )
        assert other.headers.get("access-control-allow-origin") is None
    # Without configured origins, no CORS header at all.
    with (
        MemoirAI(database_url=sqlite_url, front_door="http") as memoir,
        serve_in_thread(create_app(memoir, ServerConfig(api_token=None, cors_origins=()))) as plain,
        httpx.Client(base_url=plain) as client,
    ):
        answer = client.get("/healthz", headers={"Origin": "https://app.example"})
        assert answer.status_code == 200
        assert "access-control-allow-origin" not in answer.headers


def test_host_rule() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.com"))
    check_exposure("127.0.0.1", None, command="memoir serve")
    check_exposure("0.0.0.0", TOKEN, command="memoir serve")
    with pytest.raises(ConfigurationError, match="MEMOIR_API_TOKEN"):
        check_exposure("0.0.0.0", None, command="memoir serve")
    with pytest.raises(ConfigurationError, match="at least 16"):
        ServerConfig(api_token="short")
    assert ServerConfig(api_token="").token is None
    assert TOKEN not in repr(ServerConfig(api_token=TOKEN))


@pytest.mark.parametrize("command", [["serve"], ["mcp", "--transport", "streamable-http"]])
def test_refuses_beyond_loopback_without_a_token(
    sqlite_url: str, tmp_path: Path, command: list[str]
) -> None:
    finished = subprocess.run(
        [MEMOIR, "--db", sqlite_url, *command, "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        env=memoir_env(),
        cwd=tmp_path,
        timeout=60,
    )
    assert finished.returncode == 1, finished.stderr
    assert "0.0.0.0" in finished.stderr and "MEMOIR_API_TOKEN" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # nothing was opened


def test_an_unreachable_database_is_503_with_its_password_masked(tmp_path: Path) -> None:
    from tests.http_servers import free_port

    url = f"postgresql+psycopg://memoir:hunter2-secret@127.0.0.1:{free_port()}/memoir"
    settings = {"db_retry_attempts": 1, "db_retry_max_seconds": 1, "db_connect_timeout": 1}
    with (
        MemoirAI(database_url=url, **settings, front_door="http") as memoir,
        serve_in_thread(create_app(memoir, ServerConfig(api_token=None))) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        for answer in (client.get("/api/sources"), client.get("/api/info")):
            body = _refused(answer, 503)
            assert "hunter2-secret" not in answer.text and "***" in body["error"], body
        assert client.get("/healthz").status_code == 200  # the server itself is up
