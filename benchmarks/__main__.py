"""Run every registered benchmark, print a table, write benchmarks/results/latest.json.

``python -m benchmarks WORD ...`` runs only the groups whose name contains a
word and leaves the results file alone; add ``--merge`` to put those groups'
figures into it in place of the old ones (each merged group's time is kept
under ``merged_groups``). Other ``--`` flags (``--quick``) are read by the
benchmarks themselves.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from benchmarks import Figure, registry

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "latest.json"


def discover() -> None:
    for module in sorted(HERE.glob("bench_*.py")):
        importlib.import_module(f"benchmarks.{module.stem}")


def run(selected: list[str], console: Console) -> dict[str, list[Figure]]:
    results: dict[str, list[Figure]] = {}
    for group, functions in registry.items():
        if selected and not any(word in group for word in selected):
            continue
        for function in functions:
            with console.status(f"{group}: {function.__name__} …"):
                results.setdefault(group, []).extend(function())
    return results


def render(results: dict[str, list[Figure]], console: Console) -> None:
    table = Table(title="memoir-ai benchmarks")
    for column in ("group", "figure", "value", "unit", "goal", "note"):
        table.add_column(column, overflow="fold")
    for group, figures in results.items():
        for figure in figures:
            value = (
                "n/a" if figure.value is None else f"{figure.value:,.3f}".rstrip("0").rstrip(".")
            )
            cells = (group, figure.name, value, figure.unit, figure.goal, figure.note)
            table.add_row(*(escape(cell) for cell in cells))
    console.print(table)


def write(results: dict[str, list[Figure]], path: Path) -> None:
    payload = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "groups": {group: [asdict(f) for f in figures] for group, figures in results.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def merge(results: dict[str, list[Figure]], path: Path) -> None:
    """Replace the figures of the groups in ``results`` in the results file, keep the others."""
    payload = json.loads(path.read_text("utf-8"))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for group, figures in results.items():
        payload["groups"][group] = [asdict(f) for f in figures]
        payload.setdefault("merged_groups", {})[group] = now
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    console = Console()
    if not console.is_terminal:  # `make bench` output piped or logged: keep notes readable
        console = Console(width=160)
    discover()
    selected = [word for word in argv if not word.startswith("--")]
    results = run(selected, console)
    render(results, console)
    if selected and "--merge" in argv:
        merge(results, RESULTS)
        console.print(f"Merged {', '.join(results)} into {RESULTS.name}")
    elif selected:
        console.print("[dim]A partial run does not overwrite the results file.[/dim]")
    else:
        write(results, RESULTS)
        shown = RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS
        console.print(f"Results written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
