"""``memoir helper`` the way a person uses it: typed answers, a preview, confirm / edit / cancel.

Most runs feed answers through typer's CliRunner; one runs the installed
``memoir`` console script in a real subprocess with its stdin piped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from memoir_ai.cli.main import app
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.database.migration_manager import MigrationManager
from memoir_ai.database.models import (
    Category,
    Chunk,
    ContextualHelper,
    ContextualHelperVersion,
    LLMCall,
    Source,
)
from tests._schema_tools import config_for

MEMOIR = Path(sys.executable).with_name("memoir")
LONG_DESCRIPTION = "A very long description of the engine. " * 40  # over 200 tokens


def initialized(url: str) -> str:
    with MigrationManager(config_for(url)) as manager:
        manager.initialize_database()
    return url


def run(url: str, *args: str, answers: list[str] | None = None) -> Result:
    stdin = "".join(f"{answer}\n" for answer in answers) if answers is not None else None
    return CliRunner().invoke(app, ["--db", url, "helper", *args], input=stdin)


def rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    database = DatabaseManager(config_for(url))
    try:
        with database.session() as session:
            current = session.execute(
                select(
                    ContextualHelper.source_id,
                    ContextualHelper.version,
                    ContextualHelper.is_user_provided,
                    ContextualHelper.helper_text,
                )
            ).all()
            versions = session.execute(
                select(
                    ContextualHelperVersion.version,
                    ContextualHelperVersion.is_user_provided,
                    ContextualHelperVersion.token_count,
                ).order_by(ContextualHelperVersion.version)
            ).all()
            calls = session.scalar(select(func.count()).select_from(LLMCall))
    finally:
        database.dispose()
    return {
        "current": [tuple(row) for row in current],
        "versions": [tuple(row) for row in versions],
        "calls": [(calls,)],
    }


def add_chunks(url: str, source_id: str, texts: list[str]) -> None:
    database = DatabaseManager(config_for(url))
    try:
        with database.transaction() as session:
            top = Category(name="Engines", level=1)
            leaf = Category(name="Analytical", parent=Category(name="Mechanical", parent=top))
            session.add_all([top, leaf])
            session.add(
                Source(
                    source_id=source_id,
                    content_hash="0" * 64,
                    metadata_={"file_name": "engine_notes.md"},
                )
            )
            offset = 0
            for position, text in enumerate(texts):
                session.add(
                    Chunk(
                        content=text,
                        token_count=len(text.split()),
                        category=leaf,
                        source_id=source_id,
                        position=position,
                        start_offset=offset,
                        end_offset=offset + len(text),
                    )
                )
                offset += len(text)
    finally:
        database.dispose()


def test_confirm_stores_version_1_as_user_provided(database_url: str) -> None:
    url = initialized(database_url)
    result = run(
        url,
        "set",
        "engine",
        answers=[
            "Ada Lovelace",
            "last summer",
            "1843-07-01",
            "unknown",
            "Notes on the engine.",
            "y",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "'last summer' is not an ISO 8601 date" in result.output
    assert result.output.count("Date (ISO 8601") == 2  # asked again until it parsed
    text = "Author: Ada Lovelace. Date: 1843-07-01. Topic: unknown. Notes on the engine."
    assert text in result.output
    assert "Contextual helper (" in result.output and "tokens, at most 300)" in result.output
    assert rows(url)["current"] == [("engine", 1, True, text)]
    (version,) = rows(url)["versions"]
    assert version[:2] == (1, True) and version[2] > 0
    assert f"({version[2]} tokens, at most 300)" in result.output
    assert rows(url)["calls"] == [(0,)]  # a user's helper costs no model call


def test_cancel_leaves_nothing_behind(database_url: str) -> None:
    url = initialized(database_url)
    result = run(url, "set", "engine", answers=["Ada", "1843", "engines", "Notes.", "c"])

    assert result.exit_code == 1
    assert "Author: Ada. Date: 1843. Topic: engines. Notes." in result.output
    assert "Cancelled: nothing was saved." in result.output
    assert rows(url) == {"current": [], "versions": [], "calls": [(0,)]}


def test_edit_loops_back_with_previous_answers_as_defaults(sqlite_url: str) -> None:
    url = initialized(sqlite_url)
    # Edit: keep the author and date (Enter), change the topic, keep the description.
    answers = ["Ada", "1843-07", "engnes", "Notes.", "e", "", "", "engines", "", "yes"]
    result = run(url, "set", "engine", answers=answers)

    assert result.exit_code == 0, result.output
    assert "Author [Ada]:" in result.output and "Topic [engnes]:" in result.output
    final = "Author: Ada. Date: 1843-07. Topic: engines. Notes."
    assert rows(url)["current"] == [("engine", 1, True, final)]
    assert len(rows(url)["versions"]) == 1  # the first draft was never stored


def test_too_long_description_is_asked_again(sqlite_url: str) -> None:
    url = initialized(sqlite_url)
    answers = ["unknown", "unknown", "engines", LONG_DESCRIPTION, "Short notes.", "y"]
    result = run(url, "set", "engine", answers=answers)

    assert result.exit_code == 0, result.output
    assert "tokens long; shorten it to at most 200 tokens" in result.output
    assert rows(url)["current"] == [
        ("engine", 1, True, "Author: unknown. Date: unknown. Topic: engines. Short notes.")
    ]


def test_an_unclear_decision_is_asked_again(sqlite_url: str) -> None:
    url = initialized(sqlite_url)
    result = run(url, "set", "engine", answers=["", "", "", "", "maybe", "n"])

    assert result.exit_code == 1
    assert "Please answer y (save), e (edit) or c (cancel)." in result.output
    assert rows(url)["versions"] == []


def test_options_answer_in_advance_and_yes_asks_nothing(sqlite_url: str) -> None:
    url = initialized(sqlite_url)
    result = run(
        url,
        "set",
        "engine",
        "--author",
        "Ada",
        "--date",
        "1843-07-01",
        "--topic",
        "engines",
        "--yes",
    )
    assert result.exit_code == 0, result.output
    assert "Saved the helper of 'engine': version 1" in result.output
    assert rows(url)["current"][0][3] == "Author: Ada. Date: 1843-07-01. Topic: engines."

    # Given options are not asked again; the missing ones are.
    partial = run(
        url, "set", "engine", "--author", "Babbage", "--date", "1837", answers=["mills", "", "y"]
    )
    assert partial.exit_code == 0, partial.output
    assert "Author [" not in partial.output and "Topic [unknown]:" in partial.output
    assert "has a helper (version 1" in partial.output  # warned before replacing
    assert [v[:2] for v in rows(url)["versions"]] == [(1, True), (2, True)]


def test_bad_options_with_yes_fail_cleanly_and_store_nothing(sqlite_url: str) -> None:
    url = initialized(sqlite_url)
    bad_date = run(url, "set", "engine", "--date", "13/07/1843", "--yes")
    assert bad_date.exit_code == 1
    assert "'13/07/1843' is not an ISO 8601 date" in bad_date.stderr
    assert "Traceback" not in bad_date.output

    long_text = run(url, "set", "engine", "--description", LONG_DESCRIPTION, "--yes")
    assert long_text.exit_code == 1
    assert "shorten it to at most 200 tokens" in long_text.stderr
    assert rows(url)["versions"] == []


def test_show_and_history(sqlite_url: str) -> None:
    url = initialized(sqlite_url)
    missing = run(url, "show", "engine")
    assert missing.exit_code == 1
    assert "has no contextual helper" in missing.stderr
    assert "memoir helper set engine" in missing.stderr

    run(url, "set", "engine", "--topic", "engines", "--yes")
    run(url, "set", "engine", "--topic", "looms", "--yes")
    shown = run(url, "show", "engine")
    assert shown.exit_code == 0, shown.output
    assert "Contextual helper of 'engine': version 2," in shown.stdout
    assert "user-provided" in shown.stdout
    assert "Topic: looms." in shown.stdout and "Topic: engines." not in shown.stdout

    history = run(url, "show", "engine", "--history")
    assert history.exit_code == 0, history.output
    assert "2 version(s)" in history.stdout
    assert history.stdout.index("Version 1:") < history.stdout.index("Version 2 (current):")
    assert "Topic: engines." in history.stdout and "Topic: looms." in history.stdout


def test_regenerate_needs_chunks_then_writes_a_new_version(database_url: str) -> None:
    url = initialized(database_url)
    no_chunks = run(url, "regenerate", "engine")
    assert no_chunks.exit_code == 1
    assert "has no chunks stored yet" in no_chunks.stderr
    assert rows(url)["versions"] == [] and rows(url)["calls"] == [(0,)]

    add_chunks(
        url,
        "engine",
        ["# The Analytical Engine\n\n", "By Ada Lovelace\n\n", "The engine weaves algebra.\n"],
    )
    run(url, "set", "engine", "--topic", "engines", "--yes")

    declined = run(url, "regenerate", "engine", answers=["n"])
    assert declined.exit_code == 1
    assert "has a user-provided helper" in declined.output
    assert len(rows(url)["versions"]) == 1 and rows(url)["calls"] == [(0,)]

    regenerated = run(url, "regenerate", "engine", answers=["y"])
    assert regenerated.exit_code == 0, regenerated.output
    assert "Generated the helper of 'engine': version 2" in regenerated.stdout
    assert "Title: The Analytical Engine." in regenerated.stdout
    assert "offline stand-in" in regenerated.stderr
    assert [v[:2] for v in rows(url)["versions"]] == [(1, True), (2, False)]
    assert rows(url)["calls"] == [(1,)]


def test_uninitialized_database_is_a_clear_error_before_any_question(sqlite_url: str) -> None:
    result = run(sqlite_url, "set", "engine", answers=["Ada"])
    assert result.exit_code == 1
    assert "There is no memoir database at" in result.stderr and "memoir ingest" in result.stderr
    assert "Author" not in result.output
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # not created behind --db


@pytest.mark.slow
def test_the_installed_command_with_piped_answers(sqlite_url: str, tmp_path: Path) -> None:
    url = initialized(sqlite_url)
    env = {**os.environ, "MEMOIR_DATABASE_URL": url, "NO_COLOR": "1"}
    env.pop("MEMOIR_MODEL", None)
    answers = "Ada\nsoon\n1843\n\nNotes on the engine.\ne\n\n\nengines\n\ny\n"
    done = subprocess.run(
        [str(MEMOIR), "helper", "set", "engine"],
        input=answers,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "'soon' is not an ISO 8601 date" in done.stdout
    assert "Author: Ada. Date: 1843. Topic: unknown. Notes on the engine." in done.stdout
    assert "Saved the helper of 'engine': version 1" in done.stdout

    shown = subprocess.run(
        [str(MEMOIR), "helper", "show", "engine"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert "Author: Ada. Date: 1843. Topic: engines. Notes on the engine." in shown.stdout
    assert "version 1," in shown.stdout and "user-provided" in shown.stdout


class Terminal:
    """The installed ``memoir`` on a pseudo-terminal: wait for a prompt, type an answer."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [str(MEMOIR), *args], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd
        )
        os.close(slave)
        self.screen = b""
        self.seen = 0

    def expect(self, text: str, timeout: float = 60) -> None:
        import select
        import time

        wanted = text.encode()
        deadline = time.monotonic() + timeout
        while self.screen.find(wanted, self.seen) < 0:
            assert time.monotonic() < deadline, f"no {text!r} in {self.screen.decode()!r}"
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 4096)
                except OSError:  # the program ended and closed the terminal
                    break
        position = self.screen.find(wanted, self.seen)
        assert position >= 0, f"no {text!r} in {self.screen.decode()!r}"
        self.seen = position + len(wanted)

    def type(self, answer: str) -> None:
        os.write(self.master, f"{answer}\n".encode())

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self.master)
        return code


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_terminal_session_edits_then_cancels_then_confirms(
    sqlite_url: str, tmp_path: Path
) -> None:
    url = initialized(sqlite_url)
    env = {**os.environ, "MEMOIR_DATABASE_URL": url, "TERM": "dumb", "NO_COLOR": "1"}
    env.pop("MEMOIR_MODEL", None)

    session = Terminal(["helper", "set", "engine"], env, tmp_path)
    for prompt, answer in [
        ("Author [unknown]:", "Ada"),
        ("Date (ISO 8601", "in the spring"),
        ("'in the spring' is not an ISO 8601 date", None),
        ("Date (ISO 8601", "1843"),
        ("Topic [unknown]:", ""),
        ("Description (at most 200 tokens)", "Notes."),
        ("tokens, at most 300)", None),
        ("Save it?", "c"),
        ("Cancelled: nothing was saved.", None),
    ]:
        session.expect(prompt)
        if answer is not None:
            session.type(answer)
    assert session.close() == 1
    assert rows(url)["versions"] == []

    session = Terminal(["helper", "set", "engine"], env, tmp_path)
    for prompt, answer in [
        ("Author [unknown]:", "Ada"),
        ("Date (ISO 8601", "1843"),
        ("Topic [unknown]:", ""),
        ("Description (at most 200 tokens)", "Notes."),
        ("Save it?", "e"),
        ("Author [Ada]:", ""),
        ("Date (ISO 8601", ""),
        ("Topic [unknown]:", "engines"),
        ("Description (at most 200 tokens) [Notes.]:", ""),
        ("Topic: engines. Notes.", None),
        ("Save it?", "y"),
        ("Saved the helper of 'engine': version 1", None),
    ]:
        session.expect(prompt)
        if answer is not None:
            session.type(answer)
    assert session.close() == 0
    assert rows(url)["current"] == [
        ("engine", 1, True, "Author: Ada. Date: 1843. Topic: engines. Notes.")
    ]
