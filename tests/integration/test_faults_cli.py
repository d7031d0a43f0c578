"""Bad input and dead servers through the real ``memoir`` process: one line, no traceback.

Each case runs ``python -m memoir_ai.cli.main`` (or the installed console
script) in a subprocess, with a distinctive password in the URL, and checks
stdout, stderr and the exit code: exactly one ``Error: ... Fix: ...`` line on
stderr, exit code 1, no traceback, and the password nowhere.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._proxy import refusing_port

SECRET = "Zebra-Unicorn-4711"
MEMOIR = Path(sys.executable).with_name("memoir")
BLOCK_DRIVER = (
    "import sys; sys.modules[{module!r}] = None; from memoir_ai.cli.main import main; main()"
)


def memoir(
    *args: str, cwd: Path, env: dict[str, str] | None = None, python_code: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    environment |= {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1"} | (env or {})
    command = (
        [sys.executable, "-c", python_code]
        if python_code
        else [sys.executable, "-m", "memoir_ai.cli.main"]
    )
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=120
    )


def assert_one_clean_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("Error: ") and " Fix: " in line
    for fragment in expected:
        assert fragment in line
    assert "Traceback" not in result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr
    return line


BAD_URLS = {
    "unknown scheme": (f"oracle://scott:{SECRET}@db.example/orcl", "Unsupported database URL"),
    "malformed port": (f"postgresql://memoir:{SECRET}@db.example:port/m", "not a valid URL"),
    "missing colon": (f"postgresql//memoir:{SECRET}@db.example/m", "not a valid URL"),
    "unsupported driver": (f"mysql+mysqldb://memoir:{SECRET}@db.example/m", "not supported"),
}


@pytest.mark.parametrize("case", list(BAD_URLS))
@pytest.mark.parametrize("command", [["db", "status"], ["db", "init"]])
def test_a_bad_url_is_one_clean_line(case: str, command: list[str], tmp_path: Path) -> None:
    url, expected = BAD_URLS[case]
    assert_one_clean_line(memoir("--db", url, *command, cwd=tmp_path), expected)


def test_a_bad_url_from_the_environment_is_one_clean_line_from_the_console_script(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [str(MEMOIR), "db", "status"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=os.environ | {"MEMOIR_DATABASE_URL": f"foo://u:{SECRET}@h/d", "NO_COLOR": "1"},
        timeout=120,
    )
    assert_one_clean_line(result, "Unsupported database URL scheme 'foo'", "foo://u:***@h/d")


@pytest.mark.parametrize(
    ("url", "module", "extra"),
    [
        (f"postgresql://memoir:{SECRET}@127.0.0.1/memoir", "psycopg", "postgres"),
        (f"mariadb://memoir:{SECRET}@127.0.0.1/memoir", "pymysql", "mysql"),
    ],
)
def test_a_missing_driver_names_the_extra_to_install(
    url: str, module: str, extra: str, tmp_path: Path
) -> None:
    result = memoir(
        "--db", url, "db", "init", cwd=tmp_path, python_code=BLOCK_DRIVER.format(module=module)
    )
    assert_one_clean_line(
        result, f"{module!r} is not installed", f"pip install 'memoir-ai[{extra}]'"
    )


def test_an_sqlite_path_in_a_missing_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/memoir.db"
    line = assert_one_clean_line(memoir("--db", url, "db", "init", cwd=tmp_path), "does not exist")
    assert "mkdir -p" in line
    assert not (tmp_path / "no").exists()


def test_an_sqlite_path_through_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    url = f"sqlite:///{tmp_path}/notes.txt/memoir.db"
    assert_one_clean_line(
        memoir("--db", url, "db", "init", cwd=tmp_path), "is a file, not a folder"
    )


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot write: chmod for normal users, a read-only mount for root."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    # root ignores permission bits; /proc/sys is mounted read-only in containers, even for root.
    candidates = [folder, Path("/proc/sys")]
    chosen = next((c for c in candidates if c.is_dir() and not os.access(c, os.W_OK)), None)
    if chosen is None:
        folder.chmod(0o755)
        pytest.skip("root can write everywhere here (no read-only folder to test against)")
    yield chosen
    folder.chmod(0o755)


def test_an_sqlite_path_in_a_read_only_folder(read_only_folder: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{read_only_folder}/memoir.db"
    assert_one_clean_line(memoir("--db", url, "db", "init", cwd=tmp_path), "is not writable")
    assert not (read_only_folder / "memoir.db").exists()


@pytest.fixture
def read_only_file(tmp_path: Path) -> Iterator[Path]:
    """An existing file this process cannot write (see ``read_only_folder`` for root)."""
    path = tmp_path / "memoir.db"
    sqlite3.connect(path).close()
    path.chmod(0o444)
    candidates = [path, Path("/proc/sys/kernel/hostname")]
    chosen = next((c for c in candidates if c.is_file() and not os.access(c, os.W_OK)), None)
    if chosen is None:
        pytest.skip("root can write every file here (no read-only file to test against)")
    yield chosen


def test_a_read_only_sqlite_file(read_only_file: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{read_only_file}"
    line = assert_one_clean_line(memoir("--db", url, "db", "init", cwd=tmp_path), "is read-only")
    assert "chmod" in line


@pytest.mark.slow
def test_a_server_that_never_starts_ends_in_one_error_line(tmp_path: Path) -> None:
    with refusing_port() as port:
        url = f"postgresql://memoir:{SECRET}@127.0.0.1:{port}/memoir"
        result = memoir(
            "--db", url, "db", "status", cwd=tmp_path, env={"MEMOIR_DB_RETRY_MAX_SECONDS": "1.5"}
        )
    assert result.returncode == 1
    *warnings, last = result.stderr.splitlines()
    assert warnings and all(w.startswith("WARNING: ") and "retrying" in w.lower() for w in warnings)
    assert last.startswith(
        f"Error: Could not connect to postgresql+psycopg://memoir:***@127.0.0.1:{port}/memoir"
    )
    assert "MEMOIR_DB_RETRY_MAX_SECONDS" in last
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_verbose_shows_the_traceback_but_never_the_password(tmp_path: Path) -> None:
    url = f"postgresql://memoir:{SECRET}@db.example:port/memoir"
    result = memoir("--verbose", "--db", url, "db", "status", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr  # --verbose is for debugging
    assert result.stderr.splitlines()[-1].startswith("Error: ")
    assert SECRET not in result.stdout + result.stderr
