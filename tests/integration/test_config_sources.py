"""A configuration file or variable cannot crash memoir, and mistakes say where they came from."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memoir_ai.cli.main import app
from memoir_ai.config import MemoirAIConfig
from memoir_ai.errors import ConfigurationError


def test_a_dotenv_that_is_not_utf8_is_one_error_line_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes(b"MEMOIR_BATCH_SIZE=\xff\xfe5\n")
    result = CliRunner().invoke(app, ["tree"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: The settings file ")
    assert str(tmp_path / ".env") in result.stderr and "not UTF-8" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_a_bad_value_from_dotenv_says_it_came_from_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MEMOIR_BATCH_SIZE", raising=False)
    (tmp_path / ".env").write_text("MEMOIR_BATCH_SIZE=500\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        MemoirAIConfig()
    assert "from MEMOIR_BATCH_SIZE in .env" in str(raised.value)
    assert ".env" in raised.value.remedy


def test_a_bad_value_from_a_variable_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMOIR_HIERARCHY_DEPTH", "0")
    with pytest.raises(ConfigurationError, match="from the environment variable MEMOIR_HIERARCHY"):
        MemoirAIConfig()
    with pytest.raises(ConfigurationError) as raised:  # an argument is named as itself
        MemoirAIConfig(hierarchy_depth=200)
    assert "from the environment variable" not in str(raised.value)


def test_an_unknown_variable_is_warned_about_with_the_closest_name(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="memoir_ai.config")
    monkeypatch.setenv("MEMOIR_BATCH_SIZ", "3")
    MemoirAIConfig()
    MemoirAIConfig()
    warnings = [r.getMessage() for r in caplog.records if "MEMOIR_BATCH_SIZ " in r.getMessage()]
    assert warnings == [
        "MEMOIR_BATCH_SIZ is not a memoir-ai setting and is ignored; did you mean "
        "MEMOIR_BATCH_SIZE?"
    ]


def test_repr_of_a_configuration_never_shows_a_password() -> None:
    config = MemoirAIConfig(database_url="postgresql://memoir:s3cret-pw@db:5432/memoir")
    assert "s3cret-pw" not in repr(config) and "memoir:***@db" in repr(config)
    assert config.database_url.endswith("s3cret-pw@db:5432/memoir")  # the value itself is whole
