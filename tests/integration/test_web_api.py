"""The category endpoints and the web view's files over a real socket, spoken to with httpx.

A memory is filed once from three of ``samples/`` with the offline model; each
test serves a copy of it (SQLite) with a token, as ``memoir serve`` does. What
the endpoints changed is read back with the standard library's ``sqlite3``,
not with memoir-ai: an independent look at the rows.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from memoir_ai import MemoirAI
from memoir_ai.api import create_app
from memoir_ai.config import ServerConfig
from memoir_ai.web import ASSETS
from tests.http_servers import serve_in_thread

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FILES = (
    "astronomy/moon-phases.md",
    "astronomy/planets-and-telescopes.md",
    "baking/sourdough-starter.md",
)
TOKEN = "web-view-test-token-0123456789"


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-api") / "filed.db"
    with MemoirAI(database_url=f"sqlite:///{path}") as memoir:
        for name in FILES:
            memoir.ingest_text_sync((SAMPLES / name).read_text("utf-8"), source_id=name)
    return path


@pytest.fixture
def db(filed: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "memoir.db"
    shutil.copy(filed, copy)
    return copy


@pytest.fixture
def client(db: Path) -> Iterator[httpx.Client]:
    with MemoirAI(database_url=f"sqlite:///{db}", front_door="http") as memoir:
        app = create_app(memoir, ServerConfig(api_token=TOKEN))
        with (
            serve_in_thread(app) as base,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
            ) as client,
        ):
            yield client


class Rows:
    """The tree as the database file holds it, read with sqlite3."""

    def __init__(self, db: Path) -> None:
        with sqlite3.connect(db) as connection:
            self.categories = {
                id_: (name, level, parent)
                for id_, name, level, parent in connection.execute(
                    "SELECT id, name, level, parent_id FROM categories"
                )
            }
            self.placements = dict(connection.execute("SELECT id, category_id FROM chunks"))

    def path(self, category_id: int) -> str:
        name, _, parent = self.categories[category_id]
        return name if parent is None else f"{self.path(parent)} > {name}"

    def at_level(self, level: int) -> list[int]:
        return sorted(id_ for id_, (_, lvl, _) in self.categories.items() if lvl == level)

    def children(self, parent: int) -> list[int]:
        return sorted(id_ for id_, (_, _, par) in self.categories.items() if par == parent)

    def chunks_in(self, category_id: int) -> list[int]:
        return sorted(chunk for chunk, cat in self.placements.items() if cat == category_id)


def error(answer: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "remedy"} and body["error"] and body["remedy"], body
    for fragment in fragments:
        assert fragment in body["error"] + body["remedy"], body
    return body


def test_a_category_is_read_by_id_by_path_or_by_the_end_of_its_path(
    client: httpx.Client, db: Path
) -> None:
    rows = Rows(db)
    leaf = rows.at_level(3)[0]
    by_id = client.get(f"/api/categories/{leaf}").json()
    assert by_id["path"] == rows.path(leaf).split(" > ")
    assert (by_id["level"], by_id["parent_id"]) == rows.categories[leaf][1:]
    assert by_id["chunk_count"] == len(rows.chunks_in(leaf))
    by_path = client.get(f"/api/categories/{quote(rows.path(leaf), safe='')}").json()
    assert by_path == by_id
    ending = " > ".join(rows.path(leaf).split(" > ")[1:])
    assert client.get(f"/api/categories/{quote(ending, safe='')}").json()["id"] == leaf

    chunks = client.get("/api/chunks", params={"category": rows.path(leaf)}).json()
    assert [chunk["id"] for chunk in chunks] == rows.chunks_in(leaf)
    top = rows.at_level(1)[0]
    below = client.get("/api/chunks", params={"category": top}).json()
    assert sorted(chunk["id"] for chunk in below) == sorted(
        chunk for chunk, cat in rows.placements.items() if rows.path(cat).startswith(rows.path(top))
    )
    source = client.get("/api/chunks", params={"source_id": FILES[0]}).json()
    assert [chunk["position"] for chunk in source] == list(range(len(source)))

    error(client.get("/api/categories/999999"), 404, "999999")
    error(client.get("/api/categories/No%20Such%20Thing"), 404, "No Such Thing")
    error(client.get("/api/chunks"), 400, "category", "source_id")


def test_rename_merge_and_move_over_http_are_recorded_and_undone_exactly(
    client: httpx.Client, db: Path
) -> None:
    before = Rows(db)
    first, second = before.at_level(1)[:2]

    renamed = client.post(f"/api/categories/{first}/rename", json={"new_name": "Sky Things"})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["operation"], renamed.json()["front_door"]) == ("rename", "http")
    assert Rows(db).categories[first][0] == "Sky Things"

    # Merge the second top-level category into the renamed one, addressed by its new path.
    moving = [
        chunk
        for chunk, cat in before.placements.items()
        if before.path(cat).startswith(before.path(second))
    ]
    merged = client.post(
        f"/api/categories/{quote(before.path(second), safe='')}/merge", json={"into": "Sky Things"}
    )
    assert merged.status_code == 200, merged.text
    after = Rows(db)
    assert second not in after.categories
    assert all(after.path(after.placements[chunk]).startswith("Sky Things > ") for chunk in moving)
    assert len(after.placements) == len(before.placements)

    history = client.get("/api/categories/changes").json()
    assert [(c["operation"], c["front_door"]) for c in history] == [
        ("rename", "http"),
        ("merge", "http"),
    ]

    assert client.post("/api/categories/undo").json()["operation"] == "merge"
    assert Rows(db).placements == before.placements
    assert client.post("/api/categories/undo").json()["operation"] == "rename"
    restored = Rows(db)
    assert (restored.categories, restored.placements) == (before.categories, before.placements)
    error(client.post("/api/categories/undo"), 400, "no change to undo")

    # A sub-category moves under another parent one level up, and keeps its level.
    sub = before.children(first)[0]
    moved = client.post(f"/api/categories/{sub}/move", json={"new_parent": str(second)})
    assert moved.status_code == 200, moved.text
    now = Rows(db)
    assert now.categories[sub] == (before.categories[sub][0], 2, second)
    assert all(now.categories[leaf][1] == 3 for leaf in now.children(sub))


def test_chunks_move_between_leaves_and_empty_categories_go(client: httpx.Client, db: Path) -> None:
    before = Rows(db)
    leaves = [leaf for leaf in before.at_level(3) if before.chunks_in(leaf)]
    source, target = leaves[0], leaves[1]
    chunks = before.chunks_in(source)
    answer = client.post(
        "/api/chunks/move", json={"chunk_ids": chunks, "leaf": before.path(target)}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["chunks_moved"] == len(chunks)
    after = Rows(db)
    assert after.chunks_in(target) == sorted(before.chunks_in(target) + chunks)
    assert after.chunks_in(source) == []

    deleted = client.post("/api/categories/delete-empty")
    assert deleted.status_code == 200, deleted.text
    assert source in deleted.json()["categories_removed"]
    assert source not in Rows(db).categories
    assert client.post("/api/categories/delete-empty").status_code == 204


def test_refusals_say_why_and_what_to_do(client: httpx.Client, db: Path) -> None:
    rows = Rows(db)
    top = rows.at_level(1)[0]
    first, second = rows.children(top)[:2]
    sibling_name = rows.categories[second][0]
    error(client.post(f"/api/categories/{first}/rename", json={"new_name": sibling_name}), 409)
    error(client.post(f"/api/categories/{first}/merge", json={"into": top}), 400)
    error(client.post(f"/api/categories/{first}/move", json={"new_parent": first}), 400)
    leaf = rows.children(first)[0]
    error(client.post("/api/chunks/move", json={"chunk_ids": [1], "leaf": top}), 400)
    error(client.post("/api/chunks/move", json={"chunk_ids": [], "leaf": leaf}), 400, "chunk_ids")
    error(client.post(f"/api/categories/{first}/rename", json={"name": "x"}), 400, "new_name")
    error(client.post("/api/categories/999999/rename", json={"new_name": "x"}), 404)

    # Two leaves of one name under different parents: the bare name is ambiguous.
    other = next(leaf for leaf in rows.at_level(3) if rows.categories[leaf][2] != first)
    client.post(f"/api/categories/{other}/rename", json={"new_name": rows.categories[leaf][0]})
    body = error(client.get(f"/api/categories/{quote(rows.categories[leaf][0], safe='')}"), 400)
    assert rows.path(leaf) in body["error"]
    assert Rows(db).categories[first] == rows.categories[first]  # nothing refused changed a row

    anonymous = httpx.post(client.base_url.join("/api/categories/undo"))
    error(anonymous, 401, "MEMOIR_API_TOKEN")
    assert client.get("/api/categories/changes").json()[-1]["operation"] == "rename"


def test_the_page_and_its_files_need_no_token_and_name_nothing_elsewhere(
    client: httpx.Client,
) -> None:
    anonymous = httpx.Client(base_url=client.base_url, timeout=30)
    page = anonymous.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    referenced = set(re.findall(r'(?:src|href)="assets/([^"]+)"', page.text))
    for name in ASSETS:
        if name == "index.html":
            continue
        asset = anonymous.get(f"/assets/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-security-policy"] == policy
        referenced |= set(re.findall(r'from "\./([^"]+)"', asset.text))
        assert not re.search(r"https?://", asset.text), f"{name} names another origin"
    assert referenced == set(ASSETS) - {"index.html"}  # every file used, none missing
    error(anonymous.get("/assets/secrets.txt"), 401)  # public paths are the files listed
    error(client.get("/assets/secrets.txt"), 404)
    error(anonymous.get("/api/tree"), 401)
    error(anonymous.post("/", json={}), 401)  # only reading the page is public
