"""``memoir serve``'s HTTP API over a real socket, spoken to with httpx, on SQLite and PostgreSQL.

The application runs in a uvicorn thread over one :class:`MemoirAI` with the
offline model. What each endpoint answers is checked against the same database
opened by a second :class:`MemoirAI` here: every body must equal the dump of
what the Python API returns.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from memoir_ai import MemoirAI
from memoir_ai.api import create_app
from memoir_ai.config import ServerConfig
from tests.http_servers import serve_in_thread

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MOON = (SAMPLES / "astronomy" / "moon-phases.md").read_text("utf-8")
BREAD = (SAMPLES / "baking" / "sourdough-starter.md").read_text("utf-8")
MOON_ID = "astronomy/notes/moon phases?.md"  # slashes, a space and a '?' in one id
MOON_PATH = "astronomy/notes/moon%20phases%3F.md"
pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def client(database_url: str) -> Iterator[httpx.Client]:
    with MemoirAI(database_url=database_url, front_door="http") as memoir:
        memoir.initialize()  # as `memoir serve` does at start-up
        app = create_app(memoir, ServerConfig(api_token=None))
        with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=300) as client:
            yield client


def _error(answer: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "remedy"} and body["error"] and body["remedy"], body
    for fragment in fragments:
        assert fragment in body["error"] + body["remedy"], body
    return body


def test_every_endpoint(client: httpx.Client, database_url: str) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert client.get("/api/sources").json() == []
    # A question on an empty memory is bad input, with the remedy.
    _error(client.post("/api/query", json={"question": "Why does the Moon have phases?"}), 400)

    created = client.post(
        "/api/sources", json={"text": MOON, "source_id": MOON_ID, "title": "Moon phases"}
    )
    assert created.status_code == 201, created.text
    ingested = created.json()
    assert ingested["source_id"] == MOON_ID and ingested["status"] == "created"
    again = client.post("/api/sources", json={"text": MOON, "source_id": MOON_ID})
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert client.post("/api/sources", json={"text": BREAD, "source_id": "b"}).status_code == 201
    # Other text under a stored id: 409, the remedy names the field, nothing changed.
    _error(
        client.post("/api/sources", json={"text": "Other words.", "source_id": "b"}),
        409,
        '"replace": true',
    )
    # Only JSON true confirms a replacement: "yes" or 1 is a 400 and replaces nothing.
    for loose in ("yes", 1, "true"):
        _error(
            client.post(
                "/api/sources", json={"text": "Other words.", "source_id": "b", "replace": loose}
            ),
            400,
            "replace",
        )

    answered = client.post(
        "/api/query",
        json={"question": "Why does the Moon have phases?", "strategy": "wide_branch", "limit": 5},
    )
    assert answered.status_code == 200, answered.text
    result = answered.json()
    chunk_id = ingested["chunks"][0]["id"]

    with MemoirAI(database_url=database_url) as memoir:  # the independent reader
        assert client.get("/api/sources").json() == [
            s.model_dump(mode="json") for s in memoir.list_sources()
        ]
        moon = next(s for s in memoir.list_sources() if s.source_id == MOON_ID)
        assert moon.title == "Moon phases"
        assert client.get(f"/api/sources/{MOON_PATH}").json() == moon.model_dump(mode="json")
        tree = memoir.get_category_tree()
        assert client.get("/api/tree").json() == tree.model_dump(mode="json")
        assert client.get("/api/tree", params={"depth": 1}).json() == tree.trimmed(1).model_dump(
            mode="json"
        )
        assert client.get(f"/api/chunks/{chunk_id}").json() == memoir.get_chunk(
            chunk_id
        ).model_dump(mode="json")
        for stored in ingested["chunks"]:
            detail = memoir.get_chunk(stored["id"])
            assert (detail.content, list(detail.category_path)) == (
                stored["content"],
                stored["category_path"],
            )
        assert result["query"] == "Why does the Moon have phases?" and result["answer"]
        assert set(result["cited_chunk_ids"]) <= {chunk["id"] for chunk in result["chunks"]}
        for used in result["chunks"]:
            assert list(memoir.get_chunk(used["id"]).category_path) == used["category_path"]

        log = client.get("/api/calls", params={"limit": 3}).json()
        assert log["calls"] == [c.model_dump(mode="json") for c in memoir.llm_calls(limit=3)]
        assert log["totals"] == memoir.llm_call_totals().model_dump(mode="json")
        assert log["totals"]["calls"] == len(memoir.llm_calls()) > 3
        call_id = log["calls"][0]["id"]
        assert client.get(f"/api/calls/{call_id}").json() == memoir.llm_call(call_id).model_dump(
            mode="json"
        )
        mine = client.get("/api/calls", params={"source_id": "b"}).json()
        assert mine["totals"] == memoir.llm_call_totals(source_id="b").model_dump(mode="json")
        info = client.get("/api/info").json()
        assert info["schema_valid"] is True and info["source_count"] == 2
        assert info["chunk_count"] == memoir.get_database_info().chunk_count

        # Unknown ids: 404 with the remedy; bad values: 400.
        _error(client.get("/api/chunks/999999"), 404, "999999")
        _error(client.get("/api/chunks/abc"), 400, "chunk_id")
        _error(client.get("/api/calls/999999"), 404)
        _error(client.get("/api/sources/nope/nothing"), 404, "nope/nothing")
        _error(client.get("/api/tree", params={"depth": 0}), 400, "depth")
        _error(client.post("/api/query", json={"question": "Moon?", "limit": 0}), 400, '"limit"')
        _error(client.get("/api/nothing-here"), 404)

        # Deleting needs ?confirm=true; an id with slashes is the rest of the path.
        _error(client.delete(f"/api/sources/{MOON_PATH}"), 400, "confirm=true")
        for loose in ("yes", "1", "True", "on"):  # only confirm=true deletes
            _error(client.delete(f"/api/sources/{MOON_PATH}", params={"confirm": loose}), 400)
        assert len(memoir.list_sources()) == 2
        deleted = client.delete(f"/api/sources/{MOON_PATH}", params={"confirm": "true"})
        assert deleted.status_code == 200, deleted.text
        assert deleted.json() == {"source_id": MOON_ID, "chunks_deleted": len(ingested["chunks"])}
        assert [s.source_id for s in memoir.list_sources()] == ["b"]
        _error(client.delete(f"/api/sources/{MOON_PATH}", params={"confirm": "true"}), 404)

    assert "/api/sources/{source_id}" in client.get("/openapi.json").json()["paths"]
    _docs_come_from_this_server(client)


def _docs_come_from_this_server(client: httpx.Client) -> None:
    """/docs is Swagger UI whose every file this server serves: nothing from a CDN."""
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    linked = re.findall(r'(?:src|href)=["\']([^"\']+)', page.text) + re.findall(
        r"url: ?'([^']+)'", page.text
    )
    assert linked and all(link.startswith("/") for link in linked), linked
    assert "//" not in "".join(linked)
    for link in linked:
        answer = client.get(link)
        assert answer.status_code == 200, link
        assert len(answer.content) > 100, link
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text
    _error(client.get("/docs/assets/../../README.md"), 404)
    _error(client.get("/docs/assets/index.html"), 404)


def test_bad_bodies(client: httpx.Client, database_url: str) -> None:
    headers = {"Content-Type": "application/json"}
    _error(client.post("/api/sources", content=b'{"text": "x", ', headers=headers), 400, "JSON")
    _error(client.post("/api/sources", content=b"\xff\xfe", headers=headers), 400)
    _error(client.post("/api/sources", json={"text": "Some words."}), 400, "source_id")
    _error(client.post("/api/sources", json=["a list"]), 400)
    _error(
        client.post("/api/sources", json={"text": "Words.", "source_id": "s", "replce": True}),
        400,
        "replce",
    )
    _error(client.post("/api/sources", json={"text": "   ", "source_id": "s"}), 400)
    _error(client.post("/api/query", json={"question": "Moon?", "strategy": "sideways"}), 400)
    _error(client.put("/api/sources"), 405)
    with MemoirAI(database_url=database_url) as memoir:
        assert memoir.list_sources() == []  # nothing got in


def test_passwords_never_leave(
    client: httpx.Client, database_url: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy.engine import make_url

    caplog.set_level(logging.DEBUG)
    password = make_url(database_url).password
    if backend == "sqlite":
        pytest.skip("an SQLite URL holds no password")
    assert password
    bodies = [
        client.get("/api/info"),
        client.get("/api/chunks/424242"),  # the message names the (masked) database
        client.delete("/api/sources/nope", params={"confirm": "true"}),
        client.get("/openapi.json"),
    ]
    info = bodies[0].json()
    assert "***" in info["database_url"]
    for answer in bodies:
        assert str(password) not in answer.text
    assert caplog.records and str(password) not in caplog.text
