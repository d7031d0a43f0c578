"""The lean read path of ``memoir tree|sources|show|log|db status`` on a real SQLite file.

Each command runs in a fresh process that reports which heavy packages it
imported; the same command forced onto the full path (a setting given at its
default value is one of the path's fallback triggers) must print the very same
bytes. Each fallback trigger must give the full path's error and remedy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memoir_ai import MemoirAI
from memoir_ai.cli.main import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HEAVY = ("sqlalchemy", "pydantic", "pydantic_settings", "alembic", "litellm", "pydantic_ai")
# A setting at its default value: it changes nothing but takes the full path.
FULL_PATH = {"MEMOIR_LLM_TIMEOUT": "300"}
# Runs the console entry point, then says which heavy packages were imported.
_WRAPPER = (
    "import sys\n"
    "from memoir_ai.cli.main import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit as exit:\n"
    "    code = exit.code\n"
    f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
    "sys.stderr.write('HEAVY:' + ','.join(heavy) + '\\n')\n"
    "sys.exit(code)\n"
)
COMMANDS = [
    ["tree"],
    ["tree", "--ids"],
    ["tree", "--depth", "2"],
    ["sources"],
    ["show", "5"],
    ["log"],
    ["log", "--limit", "2"],
    ["log", "--source", "baking/sourdough-starter.md"],
    ["db", "status"],
]


def _clean_environment(**extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("MEMOIR_") or name.upper().startswith("MEMOIR_TEST_")
    }
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return {**env, **extra}


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six samples, one source deleted and one category renamed (deleted rows, a change)."""
    path = tmp_path_factory.mktemp("lean") / "memoir.db"
    with MemoirAI(database_url=f"sqlite:///{path}") as memoir:
        for sample in sorted(SAMPLES.glob("*/*.md"))[:6]:
            memoir.ingest_text_sync(
                sample.read_text("utf-8"), source_id=sample.relative_to(SAMPLES).as_posix()
            )
        memoir.delete_source("astronomy/moon-phases.md")
        first = memoir.get_category_tree().roots[0]
        memoir.rename_category(first.id, f"{first.name} [renamed]")
    return path


@pytest.fixture(scope="module")
def read_only(corrected: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lean-ro") / "memoir.db"
    shutil.copy(corrected, path)
    path.chmod(0o444)
    return path


def _lean(database: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WRAPPER, "--db", f"sqlite:///{database}", *command],
        capture_output=True,
        text=True,
        env=_clean_environment(),
        timeout=120,
    )


def _in_process(database: str, command: list[str], **env: str):  # type: ignore[no-untyped-def]
    return CliRunner(env=env).invoke(app, ["--db", database, *command])


@pytest.mark.parametrize("which", ["corrected", "read_only"])
def test_the_reading_commands_import_nothing_heavy_and_print_what_the_full_path_prints(
    which: str, request: pytest.FixtureRequest
) -> None:
    database: Path = request.getfixturevalue(which)
    before = (database.read_bytes(), database.stat().st_mtime_ns, sorted(database.parent.iterdir()))
    commands = COMMANDS if which == "corrected" else [["tree"], ["sources"], ["db", "status"]]
    for command in commands:
        lean = _lean(database, command)
        assert lean.returncode == 0, (command, lean.stderr)
        assert lean.stderr.splitlines()[-1] == "HEAVY:", (command, lean.stderr)
        full = _in_process(f"sqlite:///{database}", command, **FULL_PATH)
        assert full.exit_code == 0, (command, full.output)
        assert lean.stdout == full.stdout, command
    # Never written, not even a journal left behind.
    after = (database.read_bytes(), database.stat().st_mtime_ns, sorted(database.parent.iterdir()))
    assert after == before


def test_the_forced_full_path_really_is_the_full_path(corrected: Path) -> None:
    forced = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "--db", f"sqlite:///{corrected}", "tree"],
        capture_output=True,
        text=True,
        env=_clean_environment(**FULL_PATH),
        timeout=120,
    )
    assert forced.returncode == 0
    assert "sqlalchemy" in forced.stderr.splitlines()[-1]


def test_the_corrections_show_in_the_lean_output(corrected: Path) -> None:
    tree = _lean(corrected, ["tree"]).stdout
    assert "[renamed]" in tree  # rich would read it as markup; the tree is plain text
    sources = _lean(corrected, ["sources"]).stdout
    assert "astronomy/moon-phases.md" not in sources
    assert "5 source(s)" in sources


def _both(database: str, command: list[str], **env: str) -> tuple[object, object]:
    """The command as given, and forced onto the full path: exit code and output."""
    given = _in_process(database, command, **env)
    forced = _in_process(database, command, **env, **FULL_PATH)
    return (given.exit_code, given.stdout, given.stderr), (
        forced.exit_code,
        forced.stdout,
        forced.stderr,
    )


def test_a_missing_file_gets_the_full_paths_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.db"
    for command in (["tree"], ["sources"], ["show", "1"], ["log"]):
        given, forced = _both(f"sqlite:///{missing}", command)
        assert given == forced
        assert given[0] == 1 and "There is no memoir database" in given[2]  # type: ignore[index]
    assert not missing.exists()


def test_a_schema_behind_head_gets_the_full_paths_remedy(corrected: Path, tmp_path: Path) -> None:
    behind = tmp_path / "behind.db"
    shutil.copy(corrected, behind)
    with sqlite3.connect(behind) as connection:
        connection.execute("UPDATE memoir_alembic_version SET version_num = '0007'")
    for command in (["tree"], ["log"], ["db", "status"]):
        given, forced = _both(f"sqlite:///{behind}", command)
        assert given == forced
    given, _ = _both(f"sqlite:///{behind}", ["tree"])
    assert given[0] == 1 and "memoir db" in given[2]  # type: ignore[index]


def test_a_file_without_memoirs_tables_gets_the_full_paths_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    other = tmp_path / "other.txt"
    other.write_text("not a database at all\n" * 100)
    for path in (empty, other):
        given, forced = _both(f"sqlite:///{path}", ["tree"])
        assert given == forced
        assert given[0] == 1  # type: ignore[index]


def test_a_changed_schema_gets_the_full_validation(corrected: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed.db"
    shutil.copy(corrected, changed)
    with sqlite3.connect(changed) as connection:
        connection.execute("CREATE INDEX extra_index ON chunks (token_count)")
    given, forced = _both(f"sqlite:///{changed}", ["db", "status"])
    assert given == forced
    assert "Schema: 1 problem(s)" in given[1]  # type: ignore[index]


def test_another_setting_takes_the_full_path(corrected: Path) -> None:
    url = f"sqlite:///{corrected}"
    # The database is 3 levels deep: an explicit depth of 5 is the full path's error.
    given = _in_process(url, ["tree"], MEMOIR_HIERARCHY_DEPTH="5")
    assert given.exit_code == 1 and "MEMOIR_HIERARCHY_DEPTH" in given.stderr
    # A misspelt setting: the full path warns about it.
    given = _in_process(url, ["tree"], MEMOIR_HIERARCHY_DEPHT="3")
    assert given.exit_code == 0 and "did you mean MEMOIR_HIERARCHY_DEPTH" in given.stderr
    # A global option the lean path does not handle, and --json.
    assert _in_process(url, ["--structured-output", "bogus", "tree"]).exit_code != 0
    assert _in_process(url, ["tree", "--json"]).stdout.lstrip().startswith("{")


def test_the_env_file_is_read_like_the_settings_read_it(
    corrected: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"MEMOIR_DATABASE_URL=sqlite:///{corrected}\n", "utf-8")
    lean = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "tree"],
        capture_output=True,
        text=True,
        env=_clean_environment(),
        cwd=tmp_path,
        timeout=120,
    )
    assert lean.returncode == 0 and lean.stderr.splitlines()[-1] == "HEAVY:"
    assert lean.stdout == _lean(corrected, ["tree"]).stdout
    (tmp_path / ".env").write_text(
        f"MEMOIR_DATABASE_URL=sqlite:///{corrected}\nMEMOIR_HIERARCHY_DEPTH=5\n", "utf-8"
    )
    given = CliRunner().invoke(app, ["tree"])
    assert given.exit_code == 1 and "MEMOIR_HIERARCHY_DEPTH" in given.stderr


def test_a_missing_chunk_gets_the_full_paths_error(corrected: Path) -> None:
    given, forced = _both(f"sqlite:///{corrected}", ["show", "99999"])
    assert given == forced
    assert given[0] == 1 and "There is no chunk with id 99999" in given[2]  # type: ignore[index]


def test_the_schema_digest_is_the_one_the_migrations_create(tmp_path: Path) -> None:
    from memoir_ai.config import MemoirAIConfig
    from memoir_ai.database.lean import SCHEMA_DIGEST, schema_digest
    from memoir_ai.database.migration_manager import MigrationManager
    from memoir_ai.database.models import Base
    from memoir_ai.database.reading import MEMOIR_TABLES

    assert tuple(sorted(Base.metadata.tables)) == MEMOIR_TABLES
    path = tmp_path / "fresh.db"
    with MigrationManager(MemoirAIConfig(database_url=f"sqlite:///{path}")) as manager:
        manager.initialize_database()
    with sqlite3.connect(path) as connection:
        digest = schema_digest(connection)
    assert digest == SCHEMA_DIGEST, f"a new revision? set SCHEMA_DIGEST = {digest!r}"


def test_two_recorded_revisions_get_the_full_paths_refusal(corrected: Path, tmp_path: Path) -> None:
    doubled = tmp_path / "doubled.db"
    shutil.copy(corrected, doubled)
    with sqlite3.connect(doubled) as connection:
        connection.execute("INSERT INTO memoir_alembic_version VALUES ('0007')")
    given, forced = _both(f"sqlite:///{doubled}", ["db", "status"])
    assert given == forced
    assert given[0] == 1 and "several revisions" in given[2]  # type: ignore[index]


def test_a_path_sqlalchemy_quotes_is_printed_as_the_full_path_prints_it(
    corrected: Path, tmp_path: Path
) -> None:
    odd = tmp_path / "memoir (copy) é.db"
    shutil.copy(corrected, odd)
    given, forced = _both(f"sqlite:///{odd}", ["db", "status"])
    assert given == forced
    assert "%28copy%29" in given[1]  # type: ignore[index]


def test_ids_that_look_like_markup_are_shown_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "markup.db"
    odd_id = "texts/[bold]x[-bold].txt"
    with MemoirAI(database_url=f"sqlite:///{path}") as memoir:
        memoir.ingest_text_sync((SAMPLES / "astronomy" / "moon-phases.md").read_text(), odd_id)
    lean = _lean(path, ["sources"])
    assert odd_id in lean.stdout, lean.stdout
    assert lean.stdout == _in_process(f"sqlite:///{path}", ["sources"], **FULL_PATH).stdout


def test_numbers_beyond_an_id_column_are_answered_not_crashed_on(corrected: Path) -> None:
    url = f"sqlite:///{corrected}"
    given, forced = _both(url, ["show", "99999999999999999999"])
    assert given == forced
    assert given[0] == 1 and "There is no chunk with id 99999999999999999999" in given[2]  # type: ignore[index]
    given, forced = _both(url, ["log", "--limit", "99999999999999999999"])
    assert given == forced and given[0] == 0  # type: ignore[index]
