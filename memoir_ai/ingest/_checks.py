"""What an ingestion checks of its arguments before anything is read, chunked or paid for.

Every check here is pure and runs before the first model call, so a text that
cannot be stored costs nothing:

- ``content`` must be a string (``None`` is refused, not turned into "None");
- it must hold no NUL character: PostgreSQL cannot store one in a text
  column, and a text is refused alike on every backend rather than stored on
  two and failing on the third;
- ``metadata`` must be JSON (string keys; strings, numbers, booleans, null,
  lists and objects), since it is stored as a JSON document on every backend.

A UTF-8 byte order mark at the start of the text is not part of it: the chunks
begin after it, and their offsets still index the text as given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from memoir_ai.database.sources import PROVENANCE_KEY
from memoir_ai.errors import ValidationError

__all__ = ["BYTE_ORDER_MARK", "check_content", "check_metadata", "text_start"]

BYTE_ORDER_MARK = "\ufeff"
_JSON_SCALARS = (str, int, float, bool, type(None))


def check_content(content: object, source_id: str) -> str:
    """Return ``content`` if it is text that every backend can store.

    Raises:
        ValidationError: not a string, or a string with NUL characters.
    """
    if not isinstance(content, str):
        raise ValidationError(
            f"The content of {source_id!r} is {type(content).__name__}, not text.",
            remedy="pass the text as a str (read a file with Path.read_text(encoding='utf-8')).",
        )
    first = content.find("\x00")
    if first >= 0:
        count = content.count("\x00")
        raise ValidationError(
            f"The text of {source_id!r} contains {count} NUL character(s) (\\x00, the first at "
            f"character {first}), which PostgreSQL cannot store; such a text is refused on "
            "every backend.",
            remedy="remove the NUL characters; a text full of them is usually a binary file.",
        )
    return content


def check_metadata(metadata: object) -> dict[str, Any]:
    """Return a copy of ``metadata`` if it can be stored as a JSON document.

    Raises:
        ValidationError: not a mapping, a key that is not a string, a value JSON
            cannot hold (naming where it sits, e.g. ``metadata['tags'][2]``), or
            memoir-ai's own key ``_memoir``.
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise ValidationError(
            f"metadata is {type(metadata).__name__}, not a mapping.",
            remedy="pass a dict of JSON values, e.g. {'author': 'Ada', 'year': 1843}.",
        )
    _check_json(metadata, "metadata")
    if PROVENANCE_KEY in metadata:
        raise ValidationError(
            f"metadata[{PROVENANCE_KEY!r}] is memoir-ai's own key: it records where a "
            "source was read from (title, file name, origin).",
            remedy="rename that key; every other key is stored as you give it.",
        )
    return dict(metadata)


def text_start(content: str) -> int:
    """Where the text proper begins: after a byte order mark, else at 0."""
    return len(BYTE_ORDER_MARK) if content.startswith(BYTE_ORDER_MARK) else 0


def _check_json(value: object, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        _refuse(where, f"the number {value!r}, which JSON cannot hold")
    if isinstance(value, _JSON_SCALARS):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                _refuse(f"{where}[{key!r}]", f"a key of type {type(key).__name__}")
            _check_json(item, f"{where}[{key!r}]")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    _refuse(where, f"a {type(value).__name__}, which JSON cannot hold")


def _refuse(where: str, what: str) -> None:
    raise ValidationError(
        f"{where} is {what}.",
        remedy="metadata must be JSON: string keys; strings, numbers, booleans, None, "
        "lists and dicts (turn dates and other objects into strings first).",
    )
