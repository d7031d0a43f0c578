"""Database URLs are checked before anything connects, and passwords never leak."""

from __future__ import annotations

from pathlib import Path

import pymysql
import pytest
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from memoir_ai.database.engine import as_database_error, mask_url
from memoir_ai.database.urls import resolve_database_url, scrub_secrets
from memoir_ai.errors import ConfigurationError, DatabaseConnectionError, DatabaseError

SECRET = "Hunter2-very-secret"


@pytest.mark.parametrize(
    ("given", "drivername"),
    [
        ("postgresql://u:p@db.example/memoir", "postgresql+psycopg"),
        ("postgres://u:p@db.example/memoir", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@db.example/memoir", "postgresql+psycopg"),
        ("mysql://u:p@db.example/memoir", "mysql+pymysql"),
        ("mariadb://u:p@db.example/memoir", "mariadb+pymysql"),
        ("mysql+pymysql://u:p@db.example/memoir", "mysql+pymysql"),
        ("sqlite://", "sqlite"),
        ("sqlite:///:memory:", "sqlite"),
    ],
)
def test_supported_urls_resolve_to_our_drivers(given: str, drivername: str) -> None:
    assert resolve_database_url(given).drivername == drivername


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (f"oracle://scott:{SECRET}@db/orcl", "Unsupported database URL scheme 'oracle'"),
        (f"postgresql+psycopg2://u:{SECRET}@db/m", "driver 'psycopg2' is not supported"),
        (f"mysql+mysqldb://u:{SECRET}@db/m", "driver 'mysqldb' is not supported"),
        (f"postgresql://u:{SECRET}@db:port/m", "its port is not a number"),
        ("not a url at all", "is not a valid URL"),
        ("   ", "The database URL is empty"),
    ],
)
def test_bad_urls_are_configuration_errors_with_a_remedy(given: str, expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected) as raised:
        resolve_database_url(given)
    assert raised.value.remedy
    assert SECRET not in str(raised.value)


def test_a_missing_driver_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "psycopg", None)  # as if not installed
    with pytest.raises(ConfigurationError, match="'psycopg' is not installed") as raised:
        resolve_database_url(f"postgresql://u:{SECRET}@db/m")
    assert raised.value.remedy == "pip install 'memoir-ai[postgres]'."
    assert SECRET not in str(raised.value)


def test_sqlite_paths_that_cannot_be_created_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist") as raised:
        resolve_database_url(f"sqlite:///{tmp_path}/missing/memoir.db")
    assert "mkdir -p" in raised.value.remedy
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigurationError, match="is a file, not a folder"):
        resolve_database_url(f"sqlite:///{blocker}/deeper/memoir.db")
    with pytest.raises(ConfigurationError, match="is a folder, not a database file"):
        resolve_database_url(f"sqlite:///{tmp_path}")
    assert resolve_database_url(f"sqlite:///{tmp_path}/new.db").database == f"{tmp_path}/new.db"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://memoir:{SECRET}@db:5432/memoir",
        f"postgresql://memoir:{SECRET}@db:not-a-port/memoir",  # does not even parse
        f"weird://memoir:{SECRET}@db/memoir",
        f"postgresql//memoir:{SECRET}@db/memoir",  # a typo: not a URL at all
    ],
)
def test_mask_url_hides_the_password_even_when_the_url_is_broken(url: str) -> None:
    masked = mask_url(url)
    assert SECRET not in masked
    assert "memoir:***@db" in masked


def test_scrub_secrets_hides_passwords_where_they_stand() -> None:
    text = (
        "via mysql://x:other-secret@h/d and postgresql://u:p%40ss-w0rd!@db/m\n"
        "dsn host=db password=hunter22 dbname=m; typo postgresql//me:typo-secret@db/m"
    )
    scrubbed = scrub_secrets(text)
    for secret in ("other-secret", "p%40ss-w0rd!", "hunter22", "typo-secret"):
        assert secret not in scrubbed
    assert "mysql://x:***@h/d" in scrubbed and "password=*** dbname=m" in scrubbed
    assert "\n" not in scrubbed


def test_a_password_that_is_also_a_word_leaves_the_word_alone() -> None:
    url = "postgresql+psycopg://memoir:memoir@db:5432/memoir"
    text = f"Could not connect to {url}. Fix: run `memoir db upgrade`."
    assert scrub_secrets(text) == (
        "Could not connect to postgresql+psycopg://memoir:***@db:5432/memoir. "
        "Fix: run `memoir db upgrade`."
    )


def _driver_failure(code: int, message: str) -> DBAPIError:
    if code == 1146:
        return ProgrammingError("SELECT", None, pymysql.err.ProgrammingError(code, message))
    return OperationalError("connect", None, pymysql.err.OperationalError(code, message))


def test_driver_errors_become_clean_errors_with_remedies() -> None:
    url = f"mysql+pymysql://memoir:{SECRET}@db:3306/memoir"
    refused = as_database_error(_driver_failure(2003, "Can't connect (refused)"), url)
    denied = as_database_error(
        _driver_failure(1045, "Access denied for user 'memoir'@'db' (using password: YES)"), url
    )
    unknown = as_database_error(_driver_failure(1049, "Unknown database 'memoir'"), url)
    other = as_database_error(_driver_failure(1146, "Table 'memoir.x' doesn't exist"), url)
    deadlock = as_database_error(_driver_failure(1213, "Deadlock found"), url)
    assert isinstance(refused, DatabaseConnectionError)
    assert "db:3306" in refused.remedy
    assert "password" in denied.remedy and SECRET not in str(denied)
    assert "(using password: YES)" in denied.message  # whether one was sent is no secret
    assert "CREATE DATABASE memoir" in unknown.remedy
    assert type(other) is DatabaseError and type(deadlock) is DatabaseError
    assert other.kind == "missing-schema" and "memoir db upgrade" in other.remedy
    assert deadlock.kind == "conflict" and deadlock.retryable and refused.retryable
    assert not other.retryable and not denied.retryable
    for error in (refused, denied, unknown, other, deadlock):
        assert "memoir:***@db:3306/memoir" in str(error)
