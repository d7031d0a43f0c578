"""Start-up costs, as ratios to ``python -c pass`` measured in the same run, in fresh processes.

Each command runs REPEAT times, interleaved with the others (round-robin), so that a
burst of load on a shared machine hits every command alike; a figure is the median
wall time of a command divided by the median of ``python -c pass``. The reading
commands run against the eight samples ingested (offline model) into a fresh SQLite
file.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Figure, benchmark

REPEAT = 11
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
_IMPORT = "from memoir_ai import MemoirAI"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # As installed: bytecode cached (an editable install's modules are compiled on first run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


def _wall(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1][:120]
        raise RuntimeError(f"{' '.join(command[-3:])} failed: {tail}")
    return elapsed


def _medians(commands: dict[str, list[str]], env: dict[str, str]) -> dict[str, float]:
    for command in commands.values():  # warm bytecode and file caches
        _wall(command, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(REPEAT):
        for name, command in commands.items():
            times[name].append(_wall(command, env))
    return {name: statistics.median(values) for name, values in times.items()}


@benchmark("startup")
def startup_figures() -> list[Figure]:
    python = sys.executable
    script = str(Path(python).parent / "memoir")
    env = _environment()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'samples.db'}"
        subprocess.run(
            [script, "--db", url, "ingest", str(SAMPLES)], check=True, capture_output=True, env=env
        )
        commands = {
            "python -c pass": [python, "-c", "pass"],
            "from memoir_ai import MemoirAI": [python, "-c", _IMPORT],
            "memoir --help": [script, "--help"],
            "memoir tree": [script, "--db", url, "tree"],
            "memoir sources": [script, "--db", url, "sources"],
            "memoir show 1": [script, "--db", url, "show", "1"],
            "memoir log": [script, "--db", url, "log"],
            "memoir db status": [script, "--db", url, "db", "status"],
        }
        medians = _medians(commands, env)
    baseline = medians.pop("python -c pass")
    figures = [
        Figure(
            "python -c pass (baseline)",
            baseline * 1e3,
            "ms",
            note=f"median wall time of {REPEAT} fresh processes",
        )
    ]
    goals = {"from memoir_ai import MemoirAI": "≤ 8 ×", "memoir --help": ""}
    for name, median in medians.items():
        figures.append(
            Figure(
                f"{name} / python -c pass",
                median / baseline,
                "×",
                goal=goals.get(name, "≤ 6 ×"),
                note=f"median {median * 1e3:.0f} ms over {REPEAT} interleaved runs; "
                "reading commands on the 8 samples",
                details={"median_ms": round(median * 1e3, 1)},
            )
        )
    return figures


@benchmark("startup")
def large_tree_figures() -> list[Figure]:
    """``memoir tree`` on 1,000,000 chunks against the same command on the 8 samples."""
    from benchmarks.bench_query import FULL_SCALE, QUICK_SCALE, _fill, _prepare, _quick

    script = str(Path(sys.executable).parent / "memoir")
    env = _environment()
    scale = QUICK_SCALE if _quick() else FULL_SCALE
    with tempfile.TemporaryDirectory() as folder:
        samples_url = f"sqlite:///{Path(folder) / 'samples.db'}"
        large_url = f"sqlite:///{Path(folder) / 'large.db'}"
        subprocess.run(
            [script, "--db", samples_url, "ingest", str(SAMPLES)],
            check=True,
            capture_output=True,
            env=env,
        )
        database = _prepare(large_url)
        try:
            leaf_ids, _ = _fill(database, scale)
        finally:
            database.dispose()
        chunks = len(leaf_ids) * scale[3]
        medians = _medians(
            {
                "samples": [script, "--db", samples_url, "tree"],
                "large": [script, "--db", large_url, "tree"],
            },
            env,
        )
    return [
        Figure(
            f"memoir tree on {chunks:,} chunks / on the 8 samples",
            medians["large"] / medians["samples"],
            "×",
            goal="≤ 1.5 ×",
            note=f"medians {medians['large'] * 1e3:.0f} / {medians['samples'] * 1e3:.0f} ms "
            f"over {REPEAT} interleaved runs; {len(leaf_ids):,} leaves",
        )
    ]
