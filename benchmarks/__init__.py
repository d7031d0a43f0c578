"""The `make bench` harness: every ``benchmarks/bench_*.py`` module registers figures.

Adding a benchmark is one small module::

    from benchmarks import Figure, benchmark

    @benchmark("my area")
    def my_figures() -> list[Figure]:
        return [Figure("thing per second", 123.0, "1/s", note="how it was measured")]

``python -m benchmarks`` (what ``make bench`` runs) imports every ``bench_*`` module, runs
each registered function, prints one table and writes ``benchmarks/results/latest.json``.
``python -m benchmarks chunker`` runs only the groups whose name contains ``chunker``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Figure", "Timer", "benchmark", "median_seconds", "registry"]


@dataclass(frozen=True)
class Figure:
    """One measured number; ``value`` None means not measurable here (shown as n/a)."""

    name: str
    value: float | None
    unit: str
    note: str = ""
    goal: str = ""
    details: dict[str, float | int | str] = field(default_factory=dict)


BenchmarkFunction = Callable[[], list[Figure]]
registry: dict[str, list[BenchmarkFunction]] = {}


def benchmark(group: str) -> Callable[[BenchmarkFunction], BenchmarkFunction]:
    """Register a function returning figures under ``group``."""

    def register(function: BenchmarkFunction) -> BenchmarkFunction:
        registry.setdefault(group, []).append(function)
        return function

    return register


class Timer:
    """Collects wall-clock samples of a block: ``with timer: ...``."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._started = 0.0

    def __enter__(self) -> Timer:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.samples.append(time.perf_counter() - self._started)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def median_seconds(function: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` calls."""
    timer = Timer()
    for _ in range(repeat):
        with timer:
            function()
    return timer.median
