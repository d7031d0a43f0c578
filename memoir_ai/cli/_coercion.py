"""Plain command-line values without pydantic: the reading commands start fast.

typer (≥ 0.25) converts every option value that is not a flag through a
pydantic ``TypeAdapter``, built on first use, so merely parsing ``--db URL``
imports pydantic and builds validators: several times the cost of a bare
Python start. The values the reading commands take are plain: text, whole
numbers written in digits or given as defaults (within ``min``/``max`` where declared), and flags
that are already True or False (or not given: None). For those
alone, :func:`install` gives each parameter a coercion that returns exactly
what typer's own would (a test compares the two); any other value, type or
constraint is handed to typer's own coercion, so its conversions and error
messages are unchanged.

typer keeps the coercion of a parameter in ``_runtime_param`` (built lazily
by ``get_runtime_param``); :func:`install` fills it before parsing, only where
typer has not built one yet. typer is pinned in ``requirements.lock``, and the
test of this module fails if that attribute or its meaning changes.
"""

from __future__ import annotations

from typing import Any

from typer._click.core import Command, Context, Parameter
from typer._coercion import RuntimeParam, build_runtime_param

__all__ = ["PlainValue", "install"]


class PlainValue:
    """A parameter's coercion: text and digits directly, anything else by typer's own."""

    def __init__(self, param: Any) -> None:
        """The coercion of ``param`` (a typer parameter)."""
        self._descriptor = param.type_descriptor
        self._typer: RuntimeParam | None = None

    def coerce(self, value: Any, param: Any, ctx: Context) -> Any:
        """``value`` as typer would give it to the command (typer's own for the rest)."""
        if not (param.multiple or param.nargs == -1):
            if value is None:
                return None
            plain = self._plain(value)
            if plain is not None:
                return plain
        return self._full().coerce(value, param=param, ctx=ctx)

    def _plain(self, value: Any) -> str | int | bool | None:
        info = self._descriptor.parameter_info
        annotation = self._descriptor.annotation
        if info.parser is not None:
            return None
        if annotation is bool:
            return value if isinstance(value, bool) else None
        if annotation is str:
            return value if isinstance(value, str) else None
        # annotation is int: a default (an int) or digits from the command line
        if isinstance(value, str) and value.isascii() and value.isdigit():
            number = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            return None
        if info.clamp or (info.min is not None and number < info.min):
            return None
        return number if info.max is None or number <= info.max else None

    def _full(self) -> RuntimeParam:
        if self._typer is None:
            self._typer = build_runtime_param(self._descriptor)
        return self._typer


def install(command: Command) -> None:
    """Give every parameter of ``command`` and its subcommands the plain coercion.

    The ``--help`` option is made here, as click would make it on first use
    (``get_help_option`` keeps it), so that its value is covered too: no
    command of memoir changes the names of the help option.
    """
    help_option = (
        command.get_help_option(Context(command))
        if "help_option_names" not in command.context_settings
        else None
    )
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        _install(param)
    for sub in getattr(command, "commands", {}).values():  # a group's commands
        install(sub)


def _install(param: Parameter) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", False) is not None:
        return  # not a typer parameter, or typer built its own already
    if descriptor.annotation in (str, int, bool) and not (
        descriptor.is_list
        or descriptor.is_tuple
        or descriptor.is_choice
        or descriptor.is_file
        or descriptor.is_path
    ):
        param._runtime_param = PlainValue(param)  # type: ignore[attr-defined]
