"""The ``memoir`` command line without a database: help, version, errors, imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import memoir_ai
from memoir_ai.cli._output import scrub
from memoir_ai.cli.main import app

README = Path(__file__).resolve().parents[2] / "README.md"


def _walk(command: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _walk(sub, (*path, name))
    return found


COMMANDS = _walk(typer.main.get_command(app))


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "memoir" for p, _ in COMMANDS]
)
def test_every_command_and_option_has_help_text(path: tuple[str, ...], command: object) -> None:
    assert getattr(command, "help", None), f"memoir {' '.join(path)} has no help"
    for param in getattr(command, "params", []):
        if param.name == "help":
            continue
        assert getattr(param, "help", None), f"{param.name} of memoir {' '.join(path)} has no help"


def test_every_db_command_is_in_the_readme() -> None:
    readme = README.read_text()
    db_commands = [path[1] for path, _ in COMMANDS if len(path) == 2 and path[0] == "db"]
    assert {
        "init",
        "status",
        "upgrade",
        "downgrade",
        "history",
        "validate",
        "stamp",
        "reset",
    } <= set(db_commands)
    missing = [name for name in db_commands if f"memoir db {name}" not in readme]
    assert missing == []
    assert "--sql" in readme and "MEMOIR_DATABASE_URL" in readme


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"memoir-ai {memoir_ai.__version__}"


def test_usage_errors_exit_with_2() -> None:
    result = CliRunner().invoke(app, ["db", "no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.stderr
    assert CliRunner().invoke(app, ["db", "downgrade"]).exit_code == 2  # REVISION is required


def test_reset_without_yes_is_refused_before_touching_anything(tmp_path: Path) -> None:
    database = tmp_path / "memoir.db"
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{database}", "db", "reset"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Refusing to reset")
    assert "--yes" in result.stderr and result.stderr.count("\n") == 1
    assert not database.exists()


def test_a_configuration_error_is_one_red_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--db", f"sqlite:///{tmp_path}/missing/memoir.db", "db", "status"], color=True
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("\x1b[31mError: Cannot create the SQLite database")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_scrub_hides_url_passwords_and_keeps_our_placeholder() -> None:
    text = "see postgresql://u:s3cr%40t-pw@h/d and mysql//u:typo-secret@h/d"
    assert scrub(text) == "see postgresql://u:***@h/d and mysql//u:***@h/d"
    example = "e.g. postgresql+psycopg://user:password@localhost:5432/memoir"
    assert scrub(example) == example  # the placeholder of our remedies is no secret


def test_importing_the_cli_loads_nothing_heavy() -> None:
    code = (
        "import sys, memoir_ai.cli.main; "
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'pydantic_ai', 'litellm', 'rich', "
        "'memoir_ai.database', 'pydantic_settings', 'memoir_ai.config', 'mcp', 'memoir_ai.mcp', "
        "'uvicorn', 'starlette', 'fastapi', 'memoir_ai.api', 'memoir_ai._http_guard') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
