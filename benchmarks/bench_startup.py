"""Start-up costs: ``import memoir_ai`` and ``memoir --help``, each in a fresh process."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import Figure, benchmark

REPEAT = 9
_IMPORT = (
    "import time; started = time.perf_counter(); import memoir_ai; "
    "print(time.perf_counter() - started)"
)


def _environment() -> dict[str, str]:
    # No .pyc writing noise and no inherited profiling; a clean, quiet child.
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _wall(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=_environment())
    return time.perf_counter() - started, result


@benchmark("startup")
def startup_figures() -> list[Figure]:
    python = sys.executable
    subprocess.run([python, "-c", "import memoir_ai"], check=True)  # warm the bytecode cache
    inside = [
        float(
            subprocess.run(
                [python, "-c", _IMPORT], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(REPEAT)
    ]
    interpreter = statistics.median(_wall([python, "-c", "pass"])[0] for _ in range(REPEAT))
    figures = [
        Figure(
            "import memoir_ai",
            statistics.median(inside) * 1e3,
            "ms",
            note=f"median of {REPEAT} fresh processes, measured inside the process",
        ),
        Figure(
            "python -c pass (baseline)",
            interpreter * 1e3,
            "ms",
            note="interpreter start-up alone, for scale",
        ),
    ]
    script = Path(python).parent / "memoir"
    if not script.exists():
        figures.append(
            Figure("memoir --help", None, "ms", note="n/a: the memoir command is not installed")
        )
        return figures
    _wall([str(script), "--help"])  # warm
    runs = [_wall([str(script), "--help"]) for _ in range(REPEAT)]
    failed = [result for _, result in runs if result.returncode != 0]
    if failed:
        reason = (failed[0].stderr.strip().splitlines() or ["no output"])[-1][:80]
        figures.append(Figure("memoir --help", None, "ms", note=f"n/a: it failed ({reason})"))
    else:
        figures.append(
            Figure(
                "memoir --help",
                statistics.median(wall for wall, _ in runs) * 1e3,
                "ms",
                note=f"median wall time of {REPEAT} fresh processes (includes interpreter start)",
            )
        )
    return figures
