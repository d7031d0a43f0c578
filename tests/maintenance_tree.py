"""A small tree with known paths for the maintenance tests, and SQL checks of the tree's rules.

A FunctionModel files each chunk under the path its text names (``[[A|B|C]]``), so
the tests know every category and chunk; the checks read the database with plain
SQL through a connection of their own, never through memoir-ai's code.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_ai.messages import ModelMessage
from pydantic_ai.models.function import AgentInfo, FunctionModel

from memoir_ai import MemoirAI
from memoir_ai.llm.inputs import ClassificationInputs, PathClassificationInputs
from tests.corpus import rows
from tests.fakes import answer_from_schema, inputs_of, respond_with, schema_of

__all__ = ["PATHS", "build_tree", "check_rules", "filer", "snapshot", "source_text"]

PATHS = {
    "m1": ("Astronomy", "Moon & Half", "Phases"),
    "m2": ("Astronomy", "Moon & Half", "Phases"),
    "t1": ("Astronomy", "Moon & Half", "Tides"),
    "p1": ("Astronomy", "Half & Moon", "Phases"),
    "e1": ("Astronomy", "Half & Moon", "Eclipses"),
    "j1": ("Space", "Planets", "Jupiter"),
    "d1": ("Cooking", "Bread", "Dough"),
}
SETTINGS: dict[str, Any] = {"chunk_min_tokens": 5, "chunk_max_tokens": 80}
_MARK = re.compile(r"\[\[([^\]]+)\]\]")


def source_text(source: str, path: tuple[str, ...]) -> str:
    """One chunk's worth of text that names its own path."""
    return f"Notes of {source} about the sky, bread and planets. [[{'|'.join(path)}]]"


def _path(text: str) -> list[str]:
    found = _MARK.search(text)
    assert found is not None, text
    return found.group(1).split("|")


def _file(messages: list[ModelMessage], info: AgentInfo) -> Any:
    inputs = inputs_of(messages)
    if isinstance(inputs, PathClassificationInputs):
        answer = [{"id": c.id, "path": _path(c.text)} for c in inputs.chunks]
        return respond_with(info, {"chunks": answer})
    if isinstance(inputs, ClassificationInputs):
        answer = [{"id": c.id, "category": _path(c.text)[inputs.level - 1]} for c in inputs.chunks]
        return respond_with(info, {"chunks": answer})
    return respond_with(info, answer_from_schema(schema_of(info)))


def filer() -> FunctionModel:
    """The model that files each chunk under the path its text names."""
    return FunctionModel(_file, model_name="filer")


def build_tree(url: str, **settings: Any) -> dict[str, int]:
    """Store one source per entry of :data:`PATHS`; return source id → its chunk id."""
    chunks = {}
    with MemoirAI(database_url=url, llm=filer(), **{**SETTINGS, **settings}) as memoir:
        for source, path in PATHS.items():
            result = memoir.ingest_text_sync(
                source_text(source, path), source, contextual_helper="Test notes."
            )
            (chunk,) = result.chunks
            chunks[source] = chunk.id
    return chunks


def snapshot(url: str) -> tuple[list[Any], list[Any]]:
    """Every category (id, name, level, parent) and chunk (id, category), read with plain SQL."""
    categories = rows(url, "SELECT id, name, level, parent_id FROM categories ORDER BY id")
    chunks = rows(url, "SELECT id, category_id FROM chunks ORDER BY id")
    return [tuple(r) for r in categories], [tuple(r) for r in chunks]


def check_rules(url: str, depth: int = 3) -> None:
    """The rules of the tree hold, counted in SQL, and every source keeps its chunks."""
    assert (
        rows(
            url,
            "SELECT parent_key, name FROM categories GROUP BY parent_key, name HAVING COUNT(*) > 1",
        )
        == []
    )
    assert (
        rows(
            url,
            "SELECT c.id FROM categories c LEFT JOIN categories p ON p.id = c.parent_id "
            "WHERE (c.level = 1 AND c.parent_id IS NOT NULL) OR (c.level > 1 AND "
            "(p.id IS NULL OR p.level <> c.level - 1)) OR c.level > :depth",
            depth=depth,
        )
        == []
    )
    assert (
        rows(
            url,
            "SELECT k.id FROM chunks k LEFT JOIN categories c ON c.id = k.category_id "
            "WHERE c.id IS NULL OR c.level <> :depth",
            depth=depth,
        )
        == []
    )
    with MemoirAI(database_url=url) as memoir:
        listed = {s.source_id: s.chunk_count for s in memoir.list_sources()}
        tree = memoir.get_category_tree()
    counted = dict(rows(url, "SELECT source_id, COUNT(*) FROM chunks GROUP BY source_id"))
    assert listed == {key: int(value) for key, value in counted.items()}
    ((total,),) = rows(url, "SELECT COUNT(*) FROM chunks")
    assert tree.chunk_count == int(total)
