"""MemoirAIConfig: each rule of SPEC §6 is a ConfigurationError that says how to fix it."""

from __future__ import annotations

from typing import Any

import pytest

from memoir_ai import ConfigurationError, MemoirAIConfig


def test_defaults_are_the_embedded_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEMOIR_DATABASE_URL", "MEMOIR_MODEL", "MEMOIR_HIERARCHY_DEPTH"):
        monkeypatch.delenv(name, raising=False)
    config = MemoirAIConfig(_env_file=None)
    assert config.database_url == "sqlite:///memoir.db"
    assert config.model is None
    assert config.model_name == "offline"
    assert config.hierarchy_depth == 3
    assert (config.chunk_min_tokens, config.chunk_max_tokens) == (300, 500)
    assert config.batch_size == 5
    assert config.category_limit(2) == 128


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMOIR_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("MEMOIR_HIERARCHY_DEPTH", "4")
    monkeypatch.setenv("MEMOIR_MAX_CATEGORIES_PER_LEVEL", '{"1": 5, "2": 6, "3": 7, "4": 8}')
    config = MemoirAIConfig(_env_file=None)
    assert config.database_url == "sqlite:///elsewhere.db"
    assert config.hierarchy_depth == 4
    assert [config.category_limit(level) for level in range(1, 5)] == [5, 6, 7, 8]


def test_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMOIR_BATCH_SIZE", "7")
    assert MemoirAIConfig(_env_file=None, batch_size=9).batch_size == 9


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"hierarchy_depth": 0}, "hierarchy_depth must be between 1 and 100"),
        ({"hierarchy_depth": 101}, "hierarchy_depth must be between 1 and 100"),
        ({"batch_size": 0}, "batch_size must be between 1 and 50"),
        ({"batch_size": 51}, "batch_size must be between 1 and 50"),
        ({"chunk_min_tokens": 500, "chunk_max_tokens": 500}, "must be smaller than"),
        ({"chunk_min_tokens": -1}, "chunk_min_tokens must be a positive"),
        ({"chunk_max_tokens": 0}, "chunk_max_tokens must be a positive"),
        ({"max_token_budget": 0}, "max_token_budget must be a positive"),
        ({"max_categories_per_level": 0}, "max_categories_per_level must be positive"),
        ({"max_categories_per_level": {1: 3, 2: 0, 3: 3}}, "for level 2 must be positive"),
        ({"max_categories_per_level": {1: 3, 2: 3}}, "missing levels [3]"),
        ({"max_categories_per_level": {1: 3, 2: 3, 3: 3, 5: 1}}, "outside the hierarchy [5]"),
        ({"max_token_budget": 400}, "must exceed chunk_min_tokens + 100"),
        ({"hierarchy_depth": "three"}, "hierarchy_depth"),
    ],
)
def test_each_rule_is_a_configuration_error_with_a_remedy(
    values: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        MemoirAIConfig(_env_file=None, **values)
    assert expected in str(caught.value)
    assert "MEMOIR_" in caught.value.remedy


def test_budget_just_above_the_minimum_is_accepted() -> None:
    config = MemoirAIConfig(_env_file=None, chunk_min_tokens=300, max_token_budget=401)
    assert config.max_token_budget == 401


def test_a_dotenv_file_in_the_working_directory_is_honoured(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MEMOIR_DATABASE_URL", "MEMOIR_MODEL", "MEMOIR_BATCH_SIZE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(
        "MEMOIR_DATABASE_URL=sqlite:///from-dotenv.db\nMEMOIR_BATCH_SIZE=12\n", "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    config = MemoirAIConfig()
    assert config.database_url == "sqlite:///from-dotenv.db"
    assert config.batch_size == 12
    monkeypatch.setenv("MEMOIR_BATCH_SIZE", "3")  # the environment wins over the file
    assert MemoirAIConfig().batch_size == 3


def test_a_broken_value_in_dotenv_is_a_configuration_error(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEMOIR_BATCH_SIZE", raising=False)
    (tmp_path / ".env").write_text("MEMOIR_BATCH_SIZE=99\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="batch_size must be between 1 and 50"):
        MemoirAIConfig()
