"""How the offline model reads a request: the typed inputs it carries and the output schema.

The inputs (see :mod:`~memoir_ai.llm.inputs`) say what the call is about —
the chunks, the question, the source descriptions, the existing tree — and
travel with the request as metadata. The schema says what is asked (its
properties name the purpose) and what is allowed (``enum`` values of a
``Literal``, array lengths). The prompt's prose is never parsed, so a prompt
can be reworded freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from memoir_ai.llm import inputs as typed
from memoir_ai.llm import prompts

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage
    from pydantic_ai.models.function import AgentInfo

__all__ = ["OfflineRequest", "parse_request"]

RequestKind = Literal[
    "helper", "classify", "classify_paths", "select", "summarize", "answer", "curate"
]
DEFAULT_SUMMARY_CHARS = 200


@dataclass
class OfflineRequest:
    """Everything the offline model needs from one request."""

    kind: RequestKind
    schema: dict[str, Any] | None
    tool_name: str | None
    chunks: list[tuple[int, str]] = field(default_factory=list)
    targets: dict[int, int] = field(default_factory=dict)
    helpers: list[str] = field(default_factory=list)
    question: str = ""
    level: int = 1
    depth: int = 1
    parent_path: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    allowed: list[str] | None = None
    tree: prompts.Outline = field(default_factory=dict)
    full_levels: set[int] = field(default_factory=set)
    candidates: list[str] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)
    count: int = 1
    allowed_ids: list[int] | None = None
    excerpt: str = ""
    title: str | None = None
    file_name: str | None = None
    headers: list[str] = field(default_factory=list)
    siblings: list[typed.CurationCandidate] = field(default_factory=list)

    def summary_targets(self) -> list[tuple[int, str, int]]:
        """(id, text, character target) of each chunk to summarize."""
        return [
            (chunk_id, text, self.targets.get(chunk_id, DEFAULT_SUMMARY_CHARS))
            for chunk_id, text in self.chunks
        ]


def parse_request(messages: list[ModelMessage], info: AgentInfo) -> OfflineRequest:
    """Read the typed inputs and the expected output of a request."""
    tool_name = None
    schema: dict[str, Any] | None = None
    if info.output_tools:
        tool_name = info.output_tools[0].name
        schema = dict(info.output_tools[0].parameters_json_schema)
    elif info.model_request_parameters.output_object is not None:
        schema = dict(info.model_request_parameters.output_object.json_schema)
    request = OfflineRequest(kind=_kind(schema), schema=schema, tool_name=tool_name)
    found = typed.request_inputs(messages)
    if found is not None:
        _read_inputs(request, found)
    if schema is not None:
        _read_schema(request, schema)
    return request


def _read_inputs(request: OfflineRequest, found: typed.PromptInputs) -> None:
    match found:
        case typed.HelperInputs():
            request.excerpt = found.excerpt
            request.title = found.title
            request.file_name = found.file_name
            request.headers = list(found.headers)
        case typed.ClassificationInputs():
            request.chunks = [(chunk.id, chunk.text) for chunk in found.chunks]
            request.level, request.depth = found.level, found.depth
            request.existing = list(found.existing)
            request.parent_path = list(found.parent_path)
            request.helpers = [found.helper] if found.helper else []
        case typed.PathClassificationInputs():
            request.chunks = [(chunk.id, chunk.text) for chunk in found.chunks]
            request.depth = found.depth
            request.tree = prompts.outline(found.tree)
            request.full_levels = set(found.full_levels)
            request.helpers = [found.helper] if found.helper else []
        case typed.SelectionInputs():
            request.question = found.query
            request.candidates = [candidate.name for candidate in found.candidates]
            request.descriptions = {
                candidate.name: candidate.description or "" for candidate in found.candidates
            }
            request.count = found.count
            request.level, request.depth = found.level, found.depth
            request.parent_path = list(found.parent_path)
            request.helpers = list(found.helpers)
        case typed.SummaryInputs():
            request.chunks = [(chunk.id, chunk.text) for chunk in found.chunks]
            request.targets = {chunk.id: chunk.target_chars for chunk in found.chunks}
            request.question = found.query or ""
        case typed.CurationInputs():
            request.siblings = list(found.siblings)
            request.level = found.level
            request.parent_path = list(found.parent_path)
        case typed.AnswerInputs():
            request.chunks = [(chunk.id, chunk.text) for chunk in found.chunks]
            request.question = found.query
            request.helpers = list(found.helpers)


def _kind(schema: Mapping[str, Any] | None) -> RequestKind:
    if schema is None:
        return "answer"
    properties = schema.get("properties", {})
    if "chunks" in properties:
        item = _item(schema, properties["chunks"])
        return "classify_paths" if "path" in item.get("properties", {}) else "classify"
    if "categories" in properties:
        return "select"
    if "summaries" in properties:
        return "summarize"
    if "merges" in properties:
        return "curate"
    if "topic" in properties and "summary" in properties:
        return "helper"
    return "answer"


def _read_schema(request: OfflineRequest, schema: dict[str, Any]) -> None:
    properties = schema.get("properties", {})
    if request.kind in ("classify", "classify_paths"):
        item = _item(schema, properties["chunks"])
        item_properties = item.get("properties", {})
        if "category" in item_properties:
            enum = _choices(_resolve(schema, item_properties["category"]))
            request.allowed = list(enum) if enum else None
        if "path" in item_properties:
            request.depth = int(item_properties["path"].get("minItems", request.depth))
    elif request.kind == "select":
        categories = properties["categories"]
        item = _item(schema, categories)
        names = _choices(_resolve(schema, item.get("properties", {}).get("name", {})))
        if names:
            request.candidates = list(names)
        request.count = int(categories.get("minItems", request.count))
    elif request.kind == "summarize":
        item = _item(schema, properties["summaries"])
        ids = _choices(_resolve(schema, item.get("properties", {}).get("id", {})))
        request.allowed_ids = list(ids) if ids else None
    elif request.kind == "answer" and "cited_chunk_ids" in properties:
        ids = _choices(_item(schema, properties["cited_chunk_ids"]))
        request.allowed_ids = list(ids) if ids else None
    request.count = max(1, min(request.count, len(request.candidates) or request.count))


def _choices(node: Mapping[str, Any]) -> list[Any] | None:
    """The allowed values of a ``Literal``: ``enum``, or ``const`` for a single value."""
    if "enum" in node:
        return list(node["enum"])
    if "const" in node:
        return [node["const"]]
    return None


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        node = root.get("$defs", {}).get(name) or root.get("definitions", {}).get(name) or {}
    return node


def _item(root: Mapping[str, Any], array: Mapping[str, Any]) -> Mapping[str, Any]:
    return _resolve(root, _resolve(root, array).get("items", {}))
