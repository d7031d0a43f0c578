"""The web view in a real headless Chromium, against the installed ``memoir serve``.

One memory is filed from ``samples/`` with the offline model and served with a
token. The browser types the token, opens the tree, expands a branch, opens a
chunk, asks a question and follows a citation, then renames and merges two
categories and undoes both. What the page shows is checked against measures of
its own: the sample files themselves, the Python API's answer to the same
question, and the database rows read with ``sqlite3``. The run saves its
screenshots in its own temporary folder; with ``MEMOIR_TEST_SCREENSHOTS=1`` it
refreshes the README's, in ``docs/screenshots/``, instead.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from memoir_ai import MemoirAI
from memoir_ai.query.results import QueryResult
from tests.browser import chromium, require_chromium
from tests.http_servers import serve_process

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SCREENSHOTS = ROOT / "docs" / "screenshots"
TOKEN = "browser-test-token-0123456789abcdef"
QUESTION = "Why does the Moon have phases?"
NEW_NAME = "Sky & Space"


def rows(db: Path) -> tuple[dict[int, tuple[str, int | None]], dict[int, int]]:
    """Categories (id → name, parent) and chunk placements (id → category), read with sqlite3."""
    with sqlite3.connect(db) as connection:
        categories = {
            id_: (name, parent)
            for id_, name, parent in connection.execute(
                "SELECT id, name, parent_id FROM categories"
            )
        }
        placements = dict(connection.execute("SELECT id, category_id FROM chunks"))
    return categories, placements


class Page:
    """The browser on the web view, with waits on what the page shows (never on time)."""

    def __init__(self, browser: Any, base: str, screenshots: Path) -> None:
        from selenium.webdriver.common.by import By

        self.browser = browser
        self.base = base
        self.by = By
        self.screenshots = screenshots

    def wait(self, condition: Callable[[], Any], what: str) -> Any:
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )
        from selenium.webdriver.support.ui import WebDriverWait

        # The page redraws the tree and the view whole: an element read mid-redraw is asked again.
        redrawn = (NoSuchElementException, StaleElementReferenceException)
        return WebDriverWait(self.browser, 60, ignored_exceptions=redrawn).until(
            lambda _: condition(), message=what
        )

    def find(self, css: str) -> Any:
        return self.browser.find_element(self.by.CSS_SELECTOR, css)

    def all(self, css: str) -> list[Any]:
        return list(self.browser.find_elements(self.by.CSS_SELECTOR, css))

    def text(self, css: str) -> str:
        return str(self.find(css).get_attribute("textContent"))

    def shown(self, hash_: str) -> None:
        """Wait until the view has drawn the route ``hash_``."""
        self.wait(
            lambda: (
                self.find("#view").get_attribute("data-route") == hash_
                and self.find("#view").get_attribute("aria-busy") is None
            ),
            f"the view of {hash_}",
        )

    def go(self, hash_: str) -> None:
        self.browser.execute_script("location.hash = arguments[0]", hash_)
        self.shown(hash_)

    def node(self, category_id: int) -> Any:
        return self.find(f"li[data-category-id='{category_id}'] > .node")

    def confirm(self) -> None:
        self.wait(lambda: self.find("#confirm-dialog").get_attribute("open") is not None, "confirm")
        self.find("#confirm-ok").click()

    def fits(self) -> bool:
        width, inner = self.browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        return bool(width <= inner)

    def screenshot(self, name: str) -> None:
        self.screenshots.mkdir(parents=True, exist_ok=True)
        assert self.browser.save_screenshot(str(self.screenshots / name))
        assert (self.screenshots / name).read_bytes().startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, QueryResult]:
    require_chromium()  # before filing anything
    db = tmp_path_factory.mktemp("web-browser") / "memoir.db"
    with MemoirAI(database_url=f"sqlite:///{db}") as memoir:
        for path in sorted(SAMPLES.rglob("*.md")):
            name = path.relative_to(SAMPLES).as_posix()
            memoir.ingest_text_sync(path.read_text("utf-8"), source_id=name)
        expected = memoir.query_sync(QUESTION, strategy="wide_branch")
    return db, expected


def test_the_web_view_in_a_browser(memory: tuple[Path, QueryResult], tmp_path: Path) -> None:
    db, expected = memory
    url = f"sqlite:///{db}"
    original = rows(db)
    with (
        serve_process(url, tmp_path, MEMOIR_API_TOKEN=TOKEN) as (base, _, log),
        chromium(1280, 900) as browser,
    ):
        refresh = os.environ.get("MEMOIR_TEST_SCREENSHOTS") == "1"
        page = Page(browser, base, SCREENSHOTS if refresh else tmp_path / "screenshots")
        browser.get(f"{base}/")
        check_token_is_required(page)
        leaf = check_tree_and_chunk(page, db)
        check_question(page, expected)
        check_rename_merge_undo(page, db, original)
        check_narrow(page, leaf)
        errors = [
            entry["message"]
            for entry in browser.get_log("browser")
            if entry["level"] == "SEVERE" and "401" not in entry["message"]
        ]
        assert errors == [], errors
        assert "Traceback" not in log.read_text("utf-8")


def check_token_is_required(page: Page) -> None:
    dialog = page.find("#token-dialog")
    page.wait(lambda: dialog.get_attribute("open") is not None, "the token dialog")
    assert page.all("#tree li[data-category-id]") == []  # nothing is shown without it
    page.find("#token-input").send_keys("not-the-token-at-all")
    page.find("#token-ok").click()
    page.wait(lambda: "refused" in page.text("#token-text"), "a refusal of the wrong token")
    page.find("#token-input").send_keys(TOKEN)
    page.find("#token-ok").click()
    page.wait(lambda: page.find("body").get_attribute("data-ready") == "true", "the page")


def check_tree_and_chunk(page: Page, db: Path) -> int:
    """Expand a branch, open a leaf and a chunk; return the leaf's id."""
    categories, placements = rows(db)
    roots = sorted(
        (name.casefold(), id_) for id_, (name, parent) in categories.items() if not parent
    )
    shown = [item.get_attribute("data-category-id") for item in page.all("#tree > li")]
    assert shown == [str(id_) for _, id_ in roots]
    first = roots[0][1]
    page.find(f"li[data-category-id='{first}'] button.toggle").click()
    children = [id_ for id_, (_, parent) in categories.items() if parent == first]
    page.wait(
        lambda: len(page.all(f"li[data-category-id='{first}'] > ul > li")) == len(children),
        "children",
    )
    page.find("#expand-all").click()

    leaf = next(id_ for id_ in sorted(categories) if id_ in placements.values())
    page.node(leaf).find_element(page.by.CSS_SELECTOR, "a.name").click()
    page.shown(f"#/category/{leaf}")
    page.screenshot("web-tree.png")
    listed = [int(item.get_attribute("data-chunk-id")) for item in page.all(".chunk-list li")]
    assert listed == sorted(chunk for chunk, category in placements.items() if category == leaf)
    page.find(".chunk-list a.chunk-link").click()
    page.shown(f"#/chunk/{listed[0]}")
    check_span(page, listed[0], db)
    return leaf


def check_span(page: Page, chunk_id: int, db: Path) -> None:
    """The chunk's span is highlighted in its source's text, which is the sample file itself."""
    with sqlite3.connect(db) as connection:
        source_id, start, end = connection.execute(
            "SELECT source_id, start_offset, end_offset FROM chunks WHERE id = ?", (chunk_id,)
        ).fetchone()
    text = (SAMPLES / source_id).read_text("utf-8")
    assert page.text("#source-text") == text
    assert page.text("#source-text mark") == text[start:end]


def check_question(page: Page, expected: QueryResult) -> None:
    from selenium.webdriver.support.ui import Select

    page.find("#question").send_keys(QUESTION)
    Select(page.find("#strategy")).select_by_value("wide_branch")
    page.find("#ask").click()
    page.shown("#/answer")
    assert page.text("#answer-text") == expected.answer
    for level in expected.trace.levels:
        for step in level.steps:
            for choice in step.chosen:
                node = page.node(choice.category_id)
                badge = f"relevance {choice.ranked_relevance} of {len(step.chosen)}"
                assert badge in node.get_attribute("textContent"), (choice, badge)
                marks = {"chosen", "used", "dropped"} if choice.kept else {"not-kept"}
                assert marks & set(node.get_attribute("class").split()), choice
    for path in expected.paths:
        assert "used" in page.node(path.leaf_id).get_attribute("class").split()
    page.screenshot("web-answer-trace.png")

    citations = page.all("a.citation")
    assert [int(link.get_attribute("data-chunk-id")) for link in citations] == list(
        expected.cited_chunk_ids
    )
    citations[0].click()
    page.shown(f"#/chunk/{expected.cited_chunk_ids[0]}")
    cited = next(chunk for chunk in expected.chunks if chunk.id == expected.cited_chunk_ids[0])
    assert page.text("#source-text mark") == cited.text


def check_rename_merge_undo(
    page: Page, db: Path, original: tuple[dict[int, tuple[str, int | None]], dict[int, int]]
) -> None:
    from selenium.webdriver.support.ui import Select

    categories, _ = original
    first, second = sorted(
        (id_ for id_, (_, parent) in categories.items() if parent is None),
        key=lambda id_: categories[id_][0].casefold(),
    )[:2]
    page.go(f"#/category/{first}")
    field = page.find("#rename-input")
    field.clear()
    field.send_keys(NEW_NAME)
    page.find("#rename-form button[type=submit]").click()
    page.confirm()
    page.wait(
        lambda: page.text(f"li[data-category-id='{first}'] > .node a.name") == NEW_NAME,
        "the new name",
    )
    assert rows(db)[0][first] == (NEW_NAME, None)

    page.go(f"#/category/{second}")
    Select(page.find("#merge-target")).select_by_value(str(first))
    page.find("#merge-form button[type=submit]").click()
    page.confirm()
    page.shown(f"#/category/{first}")
    page.wait(lambda: not page.all(f"li[data-category-id='{second}']"), "the merged category gone")
    merged_categories, merged_placements = rows(db)
    assert second not in merged_categories
    assert merged_placements.keys() == original[1].keys()

    page.find("#banner-undo").click()  # undo the merge from the banner after it
    page.confirm()
    page.wait(lambda: page.all(f"li[data-category-id='{second}']"), "the merge undone")
    assert rows(db)[1] == original[1]

    page.go("#/changes")
    history = page.all("#changes tbody tr")
    assert len(history) == 2  # newest first: the merge, undone; the rename, from http
    assert "undone" in history[0].get_attribute("textContent")
    assert "http" in history[1].get_attribute("textContent")
    assert "undone" not in history[1].get_attribute("textContent")
    page.find("#undo-last").click()
    page.confirm()
    page.wait(
        lambda: page.text(f"li[data-category-id='{first}'] > .node a.name") != NEW_NAME,
        "the rename undone",
    )
    assert rows(db) == original


def check_narrow(page: Page, leaf: int) -> None:
    """At 390 px wide nothing runs off the side of the screen."""
    page.browser.set_window_size(390, 844)
    for hash_ in ("#/", "#/answer", "#/sources", "#/calls", "#/changes", f"#/category/{leaf}"):
        page.go(hash_)
        assert page.fits(), hash_
    chunk_id = page.find(".chunk-list li").get_attribute("data-chunk-id")
    page.go(f"#/chunk/{chunk_id}")
    assert page.fits()
    page.screenshot("web-chunk-narrow.png")
