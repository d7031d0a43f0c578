"""What MemoirAI's public methods take and return is exported from ``memoir_ai`` and frozen.

Read from the signatures themselves: every class named in a public method's
annotations that lives in memoir_ai must be importable from ``memoir_ai`` and,
if it is a result or input model, a frozen pydantic model.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing

import pydantic

import memoir_ai
from memoir_ai import MemoirAI


def _classes(annotation: object) -> set[type]:
    found: set[type] = set()
    if isinstance(annotation, type):
        found.add(annotation)
    for argument in typing.get_args(annotation):
        found |= _classes(argument)
    return found


def test_every_type_of_the_public_methods_is_exported_and_frozen() -> None:
    exported = {name: getattr(memoir_ai, name) for name in memoir_ai.__all__}
    named: dict[str, type] = {}
    for name, method in inspect.getmembers(MemoirAI, inspect.isfunction):
        if name.startswith("_"):
            continue
        # A name neither exported nor imported at run time is a NameError here: not public.
        hints = typing.get_type_hints(method, localns=exported)
        for annotation in hints.values():
            for cls in _classes(annotation):
                if cls.__module__.startswith("memoir_ai") and not issubclass(cls, BaseException):
                    named[f"{name}: {cls.__name__}"] = cls
    assert named  # the signatures were read
    for where, cls in named.items():
        assert getattr(memoir_ai, cls.__name__, None) is cls, f"{where} is not exported"
        if issubclass(cls, pydantic.BaseModel):
            assert cls.model_config.get("frozen"), f"{where} is not frozen"
        elif dataclasses.is_dataclass(cls):  # a caller's setting, e.g. QueryWording
            assert cls.__dataclass_params__.frozen, f"{where} is not frozen"  # type: ignore[attr-defined]
        else:
            assert issubclass(cls, str | MemoirAI), f"{where} is neither a model nor an enum"
