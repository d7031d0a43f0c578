"""What ``memoir ingest PATHS...`` reads: each input with the source id it is stored under.

The source id rule (the README's command-line section says the same):

- a folder's files are named by their path inside the folder given;
- a pattern's matches by their path below the pattern's leading folders
  (those without wildcards);
- a file given by name by its path as typed (just its name when the path is
  absolute);
- ``--source-id`` names a single input, and standard input needs it.

A folder is searched for files with a text suffix (:data:`TEXT_SUFFIXES`)
and for files without an extension whose content is text (``README``,
``COPYING``, ``changelog``, ``README.Debian``: an extension is 1 to 4 letters
or digits after the last dot). Their first 8 KiB are read: a NUL byte or bytes
that are not UTF-8 make a file binary, skipped with a note. Other extensions
(``.py``, ``.pdf``) and hidden files are not read. FIFOs, devices, sockets,
broken links and symbolic link loops are never opened (reading a FIFO would
wait forever): they are named as what they are — a note in a folder, an error
when given by name.

Two different files never share an id: when two inputs of one run would get
the same id (``memoir ingest projA projB``, each with a ``README.md``), both
are refused before anything is read, with a line naming both paths. Across
runs the memory remembers the file each source was read from (its resolved
path, the ``origin``), and refuses another file under that id.
"""

from __future__ import annotations

import errno
import glob
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["TEXT_SUFFIXES", "Collected", "Input", "collect_inputs", "special_file"]

# What a folder is searched for; a file named explicitly is read whatever its suffix.
TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".rst", ".org", ".adoc", ".asciidoc", ".tex"}
)
_GLOB_CHARACTERS = frozenset("*?[")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,4}$")
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Input:
    """One text to ingest: where it comes from and the source id it is stored under."""

    source_id: str
    path: Path | None  # None: standard input
    problem: str | None = None  # why it is not ingested, found before reading it

    @property
    def origin(self) -> str | None:
        """The file's resolved absolute path, which the source remembers (None for stdin)."""
        return str(self.path.resolve()) if self.path is not None else None


@dataclass
class Collected:
    """The inputs of a run, and the files of its folders that were skipped, with why."""

    inputs: list[Input] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _posix(path: Path) -> str:
    return path.as_posix()


def special_file(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file or folder (following links), else None."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symbolic link loop"
        if path.is_symlink():
            return f"a broken symbolic link (to {os.readlink(path)})"
        return None  # missing or unreadable: reported when it is read
    kinds = (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((what for test, what in kinds if test(mode)), None)


def _not_text(path: Path) -> str | None:
    """Why a file without an extension is not text (its opening), or None when it is."""
    try:
        with path.open("rb") as file:
            head = file.read(SNIFF_BYTES)
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if b"\x00" in head:
        return "binary (NUL bytes)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is still text.
        if not (error.reason == "unexpected end of data" and len(head) == SNIFF_BYTES):
            return "binary (not UTF-8)"
    return None


def _folder_inputs(folder: Path, collected: Collected) -> None:
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        special = special_file(path)
        if special is not None:
            collected.skipped.append((path, special))
        elif not path.is_file():
            continue
        elif path.suffix.lower() in TEXT_SUFFIXES:
            found.append(path)
        elif not _EXTENSION.search(path.name):
            why = _not_text(path)
            if why is None:
                found.append(path)
            else:
                collected.skipped.append((path, why))
    if not found:
        suffixes = " ".join(sorted(TEXT_SUFFIXES))
        problem = f"no text files ({suffixes}, or text without an extension) in this folder"
        collected.inputs.append(Input(_posix(folder), None, problem))
    collected.inputs.extend(Input(_posix(path.relative_to(folder)), path) for path in found)


def _file_id(path: Path) -> str:
    return path.name if path.is_absolute() else _posix(Path(*path.parts))


def _glob_root(pattern: str) -> Path:
    """The folder a pattern starts from: its leading parts without wildcards."""
    parts: list[str] = []
    for part in Path(pattern).parts[:-1]:
        if _GLOB_CHARACTERS & set(part):
            break
        parts.append(part)
    return Path(*parts) if parts else Path()


def collect_inputs(paths: Sequence[str], source_id: str | None) -> Collected:
    """Expand the PATHS arguments into inputs with their source ids (see the module docstring).

    The same file reached twice under the same id is read once; different
    files that would share an id are all marked with the problem.
    """
    collected = Collected()
    inputs = collected.inputs
    for argument in paths:
        path = Path(argument)
        special = None if argument == "-" else special_file(path)
        if argument == "-":
            inputs.append(Input(source_id or "", None))
        elif special is not None:
            inputs.append(
                Input(
                    argument,
                    None,
                    f"{special}, not a file: memoir reads regular files and folders "
                    "(give - to read standard input).",
                )
            )
        elif path.is_dir():
            _folder_inputs(path, collected)
        elif path.is_file():
            inputs.append(Input(_file_id(path), path))
        elif _GLOB_CHARACTERS & set(argument):
            matches = [Path(match) for match in sorted(glob.glob(argument, recursive=True))]
            files = [match for match in matches if match.is_file() and not special_file(match)]
            collected.skipped.extend(
                (match, what) for match in matches if (what := special_file(match)) is not None
            )
            if not files:
                inputs.append(Input(argument, None, "no file matches this pattern"))
            root = _glob_root(argument)
            inputs.extend(Input(_posix(match.relative_to(root)), match) for match in files)
        else:
            inputs.append(Input(argument, None, "no such file or folder"))
    if source_id is not None and len(inputs) == 1 and inputs[0].problem is None:
        inputs[:] = [Input(source_id, inputs[0].path)]
    inputs[:] = _refuse_long_ids(refuse_shared_ids(inputs))
    return collected


def _refuse_long_ids(inputs: list[Input]) -> list[Input]:
    from memoir_ai.database.models import SOURCE_ID_LENGTH

    return [
        replace(
            item,
            problem=f"its path is {len(item.source_id)} characters long, more than a source id "
            f"holds ({SOURCE_ID_LENGTH}). Fix: ingest it on its own with --source-id ID.",
        )
        if item.problem is None and len(item.source_id) > SOURCE_ID_LENGTH
        else item
        for item in inputs
    ]


def refuse_shared_ids(inputs: Sequence[Input]) -> list[Input]:
    """Mark every file whose source id another file of the run would take too."""
    files_of: dict[str, dict[str, Path]] = {}
    for item in inputs:
        if item.problem is None and item.path is not None and item.origin is not None:
            files_of.setdefault(item.source_id, {}).setdefault(item.origin, item.path)
    checked: list[Input] = []
    seen: set[tuple[str, str | None]] = set()
    for item in inputs:
        if item.problem is not None or item.path is None:
            checked.append(item)
            continue
        if (item.source_id, item.origin) in seen:
            continue  # the same file again, under the same id
        seen.add((item.source_id, item.origin))
        files = files_of[item.source_id]
        if len(files) < 2:
            checked.append(item)
            continue
        named = " and ".join(str(path) for path in files.values())
        checked.append(
            replace(
                item,
                problem=f"{named} are different files that would all be stored as source "
                f"{item.source_id!r}; none of them was ingested. Fix: ingest the folder that "
                "holds them (each is then named by its path inside it), or ingest each on its "
                "own with --source-id ID.",
            )
        )
    return checked
