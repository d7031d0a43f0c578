"""How the offline model reads a request: the prompt text of :mod:`prompts` and the output schema.

The schema says what is asked (its properties name the purpose) and what is
allowed (``enum`` values of a ``Literal``, array lengths); the prompt carries
the chunks, the question, the source descriptions and the existing tree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from memoir_ai.llm import prompts

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage
    from pydantic_ai.models.function import AgentInfo

__all__ = ["OfflineRequest", "parse_request"]

RequestKind = Literal["helper", "classify", "classify_paths", "select", "summarize", "answer"]
DEFAULT_SUMMARY_CHARS = 200

_QUOTED = re.compile(r'"""\n(.*?)\n"""', re.S)
_CHUNK = re.compile(r'^Chunk (\d+)(?: \(([^\n]*)\))?:\n"""\n(.*?)\n"""$', re.M | re.S)
_SOURCE = re.compile(re.escape(prompts.SOURCE_HEADER) + r'\n"""\n(.*?)\n"""', re.S)
_QUESTION = re.compile(re.escape(prompts.QUESTION_HEADER) + r'\n"""\n(.*?)\n"""', re.S)
_EXCERPT = re.compile(re.escape(prompts.EXCERPT_HEADER) + r'\n"""\n(.*?)\n"""', re.S)
_LEVEL = re.compile(r"^.*Level: (\d+) of (\d+)\.", re.M)
_PARENT = re.compile(r"Parent path: (.*)$", re.M)
_FULL = re.compile(r"^Level (\d+) is full", re.M)
_PATH_DEPTH = re.compile(r"path of exactly (\d+) levels")
_COUNT = re.compile(r"Choose exactly (\d+) of these")
_TARGET = re.compile(r"at most (\d+) characters")
_FIELD = re.compile(r"^(File name|Detected title): (.*)$", re.M)


@dataclass
class OfflineRequest:
    """Everything the offline model needs from one request."""

    kind: RequestKind
    schema: dict[str, Any] | None
    tool_name: str | None
    chunks: list[tuple[int, str, str | None]] = field(default_factory=list)
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

    def summary_targets(self) -> list[tuple[int, str, int]]:
        """(id, text, character target) of each chunk to summarize."""
        targets = []
        for chunk_id, text, note in self.chunks:
            found = _TARGET.search(note or "")
            targets.append(
                (chunk_id, text, int(found.group(1)) if found else DEFAULT_SUMMARY_CHARS)
            )
        return targets


def parse_request(messages: list[ModelMessage], info: AgentInfo) -> OfflineRequest:
    """Read the prompt and the expected output of a request."""
    tool_name = None
    schema: dict[str, Any] | None = None
    if info.output_tools:
        tool_name = info.output_tools[0].name
        schema = dict(info.output_tools[0].parameters_json_schema)
    elif info.model_request_parameters.output_object is not None:
        schema = dict(info.model_request_parameters.output_object.json_schema)
    prompt = _user_prompt(messages)
    request = OfflineRequest(kind=_kind(schema), schema=schema, tool_name=tool_name)
    _read_prompt(request, prompt)
    if schema is not None:
        _read_schema(request, schema)
    return request


def _user_prompt(messages: list[ModelMessage]) -> str:
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""


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
    if "topic" in properties and "summary" in properties:
        return "helper"
    return "answer"


def _read_prompt(request: OfflineRequest, prompt: str) -> None:
    request.chunks = [(int(number), text, note) for number, note, text in _CHUNK.findall(prompt)]
    request.helpers = _SOURCE.findall(prompt)
    if found := _QUESTION.search(prompt):
        request.question = found.group(1)
    if found := _EXCERPT.search(prompt):
        request.excerpt = found.group(1)
    # Section headers are looked up with quoted text blanked out, so words inside
    # a chunk or a description can never be mistaken for instructions.
    frame = _QUOTED.sub('"""\n"""', prompt)
    if found := _LEVEL.search(frame):
        request.level, request.depth = int(found.group(1)), int(found.group(2))
    if found := _PATH_DEPTH.search(frame):
        request.depth = int(found.group(1))
    if found := _COUNT.search(frame):
        request.count = int(found.group(1))
    if (found := _PARENT.search(frame)) and found.group(1) != "(none)":
        request.parent_path = found.group(1).split(prompts.PATH_SEPARATOR)
    request.full_levels = {int(level) for level in _FULL.findall(frame)}
    fields = dict(_FIELD.findall(frame))
    request.file_name = fields.get("File name")
    request.title = fields.get("Detected title")
    request.existing = _listed(frame, prompts.EXISTING_HEADER)
    request.headers = _listed(frame, "Headers:")
    request.tree = _tree(frame)
    listed = _listed(frame, prompts.CANDIDATES_HEADER)
    request.candidates = listed
    request.descriptions = {line: "" for line in listed}


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
            lines = request.candidates
            request.candidates = list(names)
            request.descriptions = _descriptions(list(names), lines)
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


def _listed(frame: str, header: str) -> list[str]:
    """The ``- item`` lines right after the line starting with ``header``."""
    lines = frame.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(header) and line.rstrip().endswith(":"):
            items = []
            for following in lines[index + 1 :]:
                if not following.startswith("- "):
                    break
                items.append(following[2:])
            return items
    return []


def _descriptions(names: list[str], lines: list[str]) -> dict[str, str]:
    """Match ``- name: description`` lines to the known names (longest name first)."""
    found: dict[str, str] = {}
    for line in lines:
        for name in sorted(names, key=len, reverse=True):
            if line == name or line.startswith(f"{name}: "):
                found.setdefault(name, line[len(name) + 2 :])
                break
    return found


def _tree(frame: str) -> prompts.Outline:
    """Rebuild the outline drawn by ``path_classification_prompt``."""
    root: prompts.Outline = {}
    lines = frame.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(prompts.TREE_HEADER)), None)
    if start is None:
        return root
    stack: list[prompts.Outline] = [root]
    for line in lines[start + 1 :]:
        stripped = line.lstrip(" ")
        if not stripped.startswith("- "):
            break
        indent = (len(line) - len(stripped)) // 2
        del stack[indent + 1 :]
        node = stack[-1].setdefault(stripped[2:], {})
        stack.append(node)
    return root
