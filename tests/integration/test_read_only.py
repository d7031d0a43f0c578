"""A database on a read-only file system can be browsed; writing commands say it is read-only.

The file system is made read-only for real: each command runs in its own mount
namespace (``unshare -m``) where the database's folder is bind-mounted read-only,
which stops even root from writing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from memoir_ai import MemoirAI

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MEMOIR = str(Path(sys.executable).parent / "memoir")
MOUNT_READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'


def on_read_only_mount(
    folder: Path, *command: str, **settings: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "200", **settings}
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", MOUNT_READ_ONLY, "sh", str(folder), *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Path:
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is needed to mount a folder read-only")
    probe = on_read_only_mount(tmp_path, "touch", str(tmp_path / "probe"))
    if "Read-only file system" not in probe.stderr:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()[:200]}")
    folder = tmp_path / "memory"
    folder.mkdir()
    with MemoirAI(database_url=f"sqlite:///{folder / 'memoir.db'}") as memoir:
        for sample in sorted(SAMPLES.glob("astronomy/*.md")):
            memoir.ingest_text_sync(sample.read_text("utf-8"), sample.name)
    return folder


def test_browsing_a_read_only_database_works(read_only_folder: Path) -> None:
    url = f"sqlite:///{read_only_folder / 'memoir.db'}"
    for command in (["tree"], ["sources"], ["show", "1"], ["log"], ["db", "status"]):
        result = on_read_only_mount(read_only_folder, MEMOIR, "--db", url, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert "Traceback" not in result.stderr
    tree = on_read_only_mount(read_only_folder, MEMOIR, "--db", url, "tree")
    assert "Astronomy" in tree.stdout
    sources = on_read_only_mount(read_only_folder, MEMOIR, "--db", url, "sources")
    assert "moon-phases.md" in sources.stdout


def test_writing_commands_say_the_database_is_read_only(read_only_folder: Path) -> None:
    url = f"sqlite:///{read_only_folder / 'memoir.db'}"
    note = read_only_folder.parent / "note.md"
    note.write_text("Saturn has rings of ice and rock. " * 30, encoding="utf-8")
    for command in (
        ["ingest", str(note)],
        ["sources", "delete", "moon-phases.md", "--yes"],
        ["helper", "set", "moon-phases.md", "--yes", "--author", "Ada"],
    ):
        result = on_read_only_mount(read_only_folder, MEMOIR, "--db", url, *command)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "read-only" in result.stderr, command
        assert "Traceback" not in result.stderr
    # Nothing changed: the sources are all still there, read back after the mount is gone.
    with MemoirAI(database_url=url) as memoir:
        assert sorted(s.source_id for s in memoir.list_sources()) == [
            "moon-phases.md",
            "planets-and-telescopes.md",
        ]


def test_a_query_is_refused_before_any_model_call(read_only_folder: Path) -> None:
    """A query records its calls: on a read-only memory it would pay, then lose the record."""
    from tests.fakes import FakeOpenAIServer

    url = f"sqlite:///{read_only_folder / 'memoir.db'}"
    with FakeOpenAIServer() as server:
        result = on_read_only_mount(
            read_only_folder,
            MEMOIR,
            "--db",
            url,
            "query",
            "Why does the Moon have phases?",
            MEMOIR_MODEL="openai-compatible:counted",
            MEMOIR_MODEL_BASE_URL=server.base_url,
        )
        assert result.returncode == 1, (result.stdout, result.stderr)
        assert "read-only" in result.stderr and "records every model call" in result.stderr
        assert server.requests == []  # refused before anything was paid for
