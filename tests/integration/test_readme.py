"""The README cannot rot: its code runs, its tables and command list match the code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import typer

from memoir_ai import MemoirAIConfig
from memoir_ai.cli.main import app
from memoir_ai.config import ServerConfig

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def _blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def _commands(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path] if path else []
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _commands(sub, (*path, name))
    return found


def test_the_two_set_up_commands_come_first() -> None:
    first = _blocks("bash")[0]
    commands = [line.split("#")[0].strip() for line in first.splitlines() if line.strip()]
    assert commands[:2] == ["make demo", "make test"]
    assert README.index("make demo") < README.index("## ")


def test_make_demo_ingests_the_samples_prints_the_tree_and_answers() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "ingest samples" in recipe and " tree" in recipe and " query " in recipe
    assert any((ROOT / "samples").rglob("*.md"))


def test_the_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _blocks("python")
    assert blocks, "the README shows the Python API"
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    for name in ("MEMOIR_DATABASE_URL", "MEMOIR_MODEL", "MEMOIR_HIERARCHY_DEPTH"):
        monkeypatch.delenv(name, raising=False)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
    assert (tmp_path / "memoir.db").exists()


def test_the_configuration_table_lists_every_field() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `")]
    for name in MemoirAIConfig.model_fields:
        row = next((r for r in rows if r.startswith(f"| `{name}`")), None)
        assert row is not None, f"{name} is missing from the configuration table"
        assert f"`MEMOIR_{name.upper()}`" in row
    for name in ServerConfig.model_fields:  # the network front doors' own table
        assert f"| `MEMOIR_{name.upper()}`" in README, f"MEMOIR_{name.upper()} is not described"


@pytest.mark.parametrize(
    "path", _commands(typer.main.get_command(app)), ids=lambda path: " ".join(path)
)
def test_every_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    assert f"memoir {' '.join(path)}" in README
