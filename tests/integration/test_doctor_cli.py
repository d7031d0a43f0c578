"""``memoir doctor`` through the installed command, against a fake OpenAI-compatible server.

Each test runs the real CLI in a fresh process; the server on 127.0.0.1 counts
what it received. No database may be created or opened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes import Behaviour, FakeOpenAIServer

PURPOSES = ["helper", "classify", "select", "summarize", "answer"]


def _memoir(cwd: Path, *args: str, base_url: str | None = None) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "memoir"
    command = [str(script)] if script.exists() else [shutil.which("memoir") or "memoir"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env.update({"LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "250"})
    if base_url is not None:
        env["MEMOIR_MODEL_BASE_URL"] = base_url
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _rows(stdout: str) -> dict[str, list[str]]:
    """The table's rows by purpose: the cells between the box-drawing bars."""
    rows = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if cells and cells[0] in PURPOSES:
            rows[cells[0]] = cells
    return rows


def _serve(behaviour: Behaviour) -> FakeOpenAIServer:
    return FakeOpenAIServer(behaviour=behaviour)


def test_doctor_reports_every_purpose_against_a_server_that_honours_the_schema(
    tmp_path: Path,
) -> None:
    with _serve("honours") as server:
        done = _memoir(
            tmp_path, "doctor", "--model", "openai-compatible:small", base_url=server.base_url
        )
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    assert list(rows) == PURPOSES
    assert {row[1] for row in rows.values()} == {"native"}  # the output mode that worked
    assert {row[6] for row in rows.values()} == {"yes"}  # validated
    assert all(row[3] == "42" for row in rows.values())  # the tokens the server reported
    # One tiny request per purpose, each with its JSON schema and its bound.
    assert len(server.requests) == 6
    assert all(
        request.body["response_format"]["type"] == "json_schema" for request in server.requests
    )
    assert all(request.body["max_tokens"] > 0 for request in server.requests)
    assert list(tmp_path.iterdir()) == []  # no database was created


def test_doctor_shows_the_fallback_to_prompted_output_for_a_prose_server(tmp_path: Path) -> None:
    with _serve("prose") as server:
        done = _memoir(
            tmp_path,
            "--model",
            "openai-compatible:small",
            "doctor",
            base_url=server.base_url,
        )
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    assert {row[1] for row in rows.values()} == {"prompted"}
    assert rows["helper"][5] == "2"  # native answered prose, then prompted worked
    assert all(row[5] == "1" for purpose, row in rows.items() if purpose != "helper")
    assert "trying prompted output instead" in done.stderr


def test_a_forced_mode_the_server_cannot_follow_fails_every_purpose_with_exit_1(
    tmp_path: Path,
) -> None:
    with _serve("no_tool_calls") as server:
        done = _memoir(
            tmp_path,
            "--structured-output",
            "tool",
            "doctor",
            "--model",
            "openai-compatible:small",
            base_url=server.base_url,
        )
    assert done.returncode == 1
    rows = _rows(done.stdout)
    assert list(rows) == PURPOSES
    assert {row[1] for row in rows.values()} == {"tool"}
    assert {row[6] for row in rows.values()} == {"no"}
    assert "6 purpose(s) failed" in done.stdout
    assert "--structured-output" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_doctor_never_opens_the_database(tmp_path: Path) -> None:
    unreachable = "postgresql://nobody:secret@127.0.0.1:9/nothing"
    done = _memoir(tmp_path, "--db", unreachable, "doctor")  # the offline model
    assert done.returncode == 0, done.stderr
    assert set(_rows(done.stdout)) == set(PURPOSES)
    assert "Model offline" in done.stdout


@pytest.mark.parametrize("args", [["doctor", "--help"], ["--help"]])
def test_doctor_has_help(tmp_path: Path, args: list[str]) -> None:
    done = _memoir(tmp_path, *args)
    assert done.returncode == 0
    assert "doctor" in done.stdout
