"""The CLI's plain coercion of option values gives what typer's own (pydantic) coercion gives."""

from __future__ import annotations

from typing import Any

import pytest
from typer._click.core import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.main import get_command

from memoir_ai.cli._coercion import PlainValue, install
from memoir_ai.cli.main import app

VALUES: list[Any] = [None, "", "7", "007", "0", "-3", "+4", " 5", "2.5", "abc", "٣", 12, 0, True]


def _outcome(coerce: Any, value: Any, param: Any, ctx: Context) -> tuple[str, Any]:
    try:
        return "value", coerce(value, param=param, ctx=ctx)
    except BadParameter as error:
        return "error", error.format_message()


def _reading_params() -> list[tuple[Any, Any]]:
    group = get_command(app)
    found = []
    commands: list[Any] = [group]
    while commands:
        command = commands.pop()
        commands.extend(getattr(command, "commands", {}).values())
        found += [(command, param) for param in command.params]
    return found


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_value_is_coerced_as_typer_coerces_it(value: Any) -> None:
    checked = 0
    for command, param in _reading_params():
        descriptor = param.type_descriptor
        if descriptor.annotation not in (str, int, bool) or param.multiple or param.nargs == -1:
            continue
        ctx = Context(command)
        typer_own = build_runtime_param(descriptor)
        ours = PlainValue(param)
        assert _outcome(ours.coerce, value, param, ctx) == _outcome(
            typer_own.coerce, value, param, ctx
        ), (command.name, param.name, value)
        checked += 1
    assert checked > 20


def test_install_covers_the_help_option_and_keeps_what_typer_built() -> None:
    group = get_command(app)
    install(group)
    tree = group.commands["tree"]  # type: ignore[attr-defined]
    help_option = tree.get_help_option(Context(tree))
    assert isinstance(help_option._runtime_param, PlainValue)
    depth = next(param for param in tree.params if param.name == "depth")
    assert isinstance(depth._runtime_param, PlainValue)
