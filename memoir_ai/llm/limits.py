"""How many tokens a call may generate: a bound derived from its output type, so no call runs away.

Every call sends a ``max_tokens``. It is the longest answer the output type
admits, written out as JSON, converted to tokens at a deliberately low
:data:`CHARS_PER_TOKEN` (English prose runs at about 4 characters a token;
names, numbers, JSON punctuation and other scripts run lower), plus
:data:`MARGIN_TOKENS` for the wrapping and a model's habit of adding a space
or a newline. Bounded fields bound the answer: category names (a
``maxLength`` or a ``Literal`` of the names allowed), chunk ids, lists whose
length is the batch size or the candidate count, the helper's fields. A field
without a bound (an answer's text, a summary) takes the caller's
``free_text_chars``: :func:`answer_max_tokens` derives it from the prompt
budget, :func:`summary_max_tokens` from the character targets.

So a helper is bounded near its 300-token ceiling, a classification by its
batch size and the name limits, a selection by its candidate count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

__all__ = [
    "ANSWER_MAX_TOKENS",
    "ANSWER_MIN_TOKENS",
    "CHARS_PER_TOKEN",
    "MARGIN_TOKENS",
    "answer_max_tokens",
    "output_token_limit",
    "summary_max_tokens",
]

CHARS_PER_TOKEN = 3.0
MARGIN_TOKENS = 64
DEFAULT_FREE_TEXT_CHARS = 4000
DEFAULT_LIST_ITEMS = 50
NUMBER_CHARS = 8
ANSWER_MIN_TOKENS = 512
ANSWER_MAX_TOKENS = 2048


def output_token_limit(
    output_type: type[BaseModel], *, free_text_chars: int = DEFAULT_FREE_TEXT_CHARS
) -> int:
    """The ``max_tokens`` for a call whose answer must validate as ``output_type``."""
    schema = output_type.model_json_schema()
    chars = _chars(schema, schema, free_text_chars, depth=0)
    return math.ceil(chars / CHARS_PER_TOKEN) + MARGIN_TOKENS


def answer_max_tokens(prompt_budget: int) -> int:
    """The answer's bound: an eighth of the prompt budget, between 512 and 2,048 tokens.

    An answer condenses the material it is given; it never needs to be as
    long as that material, and a few paragraphs hold any answer worth citing.
    """
    return min(ANSWER_MAX_TOKENS, max(ANSWER_MIN_TOKENS, prompt_budget // 8))


def summary_max_tokens(target_chars: Sequence[int]) -> int:
    """The bound of a summary call: one summary per chunk at its character target, with its id."""
    chars = 20 + sum(
        _chars_of_object({"id": NUMBER_CHARS, "summary": target + 2}) + 2 for target in target_chars
    )
    return math.ceil(chars / CHARS_PER_TOKEN) + MARGIN_TOKENS


def _chars_of_object(fields: Mapping[str, int]) -> int:
    return 2 + sum(len(name) + 4 + size for name, size in fields.items())


def _chars(root: Mapping[str, Any], node: Mapping[str, Any], free: int, depth: int) -> int:
    """The most characters a JSON value matching ``node`` can take."""
    node = _resolve(root, node)
    if depth > 20:  # a recursive schema: none of ours is, so this only stops a loop
        return free
    if "enum" in node or "const" in node:
        values = node.get("enum", [node.get("const")])
        return max(len(str(value)) + 2 for value in values)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        return max(_chars(root, option, free, depth + 1) for option in options)
    kind = node.get("type")
    if kind == "string":
        return int(node.get("maxLength", free)) + 2
    if kind in ("integer", "number"):
        return NUMBER_CHARS
    if kind in ("boolean", "null"):
        return 5
    if kind == "array":
        items = int(node.get("maxItems", DEFAULT_LIST_ITEMS))
        item = _chars(root, node.get("items", {}), free, depth + 1)
        return 2 + items * (item + 2)
    properties = node.get("properties", {})
    return _chars_of_object(
        {name: _chars(root, value, free, depth + 1) for name, value in properties.items()}
    )


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        node = root.get("$defs", {}).get(name, {})
    return node
