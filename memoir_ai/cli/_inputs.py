"""What ``memoir ingest PATHS...`` reads: each input with the source id it is stored under.

The source id rule (the README's command-line section says the same):

- a folder's files are named by their path inside the folder given;
- a pattern's matches by their path below the pattern's leading folders
  (those without wildcards);
- a file given by name by its path as typed (just its name when the path is
  absolute);
- ``--source-id`` names a single input, and standard input needs it.

Two different files never share an id: when two inputs of one run would get
the same id (``memoir ingest projA projB``, each with a ``README.md``), both
are refused before anything is read, with a line naming both paths. Across
runs the memory remembers the file each source was read from (its resolved
path, the ``origin``), and refuses another file under that id.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["TEXT_SUFFIXES", "Input", "collect_inputs"]

# What a folder is searched for; a file named explicitly is read whatever its suffix.
TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".rst", ".org", ".adoc", ".asciidoc", ".tex"}
)
_GLOB_CHARACTERS = frozenset("*?[")


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


def _posix(path: Path) -> str:
    return path.as_posix()


def _folder_inputs(folder: Path) -> list[Input]:
    found = [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix.lower() in TEXT_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]
    if not found:
        suffixes = " ".join(sorted(TEXT_SUFFIXES))
        return [Input(_posix(folder), None, f"no text files ({suffixes}) in this folder")]
    return [Input(_posix(path.relative_to(folder)), path) for path in found]


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


def collect_inputs(paths: Sequence[str], source_id: str | None) -> list[Input]:
    """Expand the PATHS arguments into inputs with their source ids (see the module docstring).

    The same file reached twice under the same id is read once; different
    files that would share an id are all marked with the problem.
    """
    inputs: list[Input] = []
    for argument in paths:
        path = Path(argument)
        if argument == "-":
            inputs.append(Input(source_id or "", None))
        elif path.is_dir():
            inputs.extend(_folder_inputs(path))
        elif path.is_file():
            inputs.append(Input(_file_id(path), path))
        elif _GLOB_CHARACTERS & set(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            files = [Path(match) for match in matches if Path(match).is_file()]
            if not files:
                inputs.append(Input(argument, None, "no file matches this pattern"))
            root = _glob_root(argument)
            inputs.extend(Input(_posix(match.relative_to(root)), match) for match in files)
        else:
            inputs.append(Input(argument, None, "no such file or folder"))
    if source_id is not None and len(inputs) == 1 and inputs[0].problem is None:
        inputs = [Input(source_id, inputs[0].path)]
    return refuse_shared_ids(inputs)


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
