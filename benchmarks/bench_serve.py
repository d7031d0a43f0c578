"""``memoir serve`` under load: 16 HTTP clients for 30 s, 80% questions and 20% ingests.

The installed ``memoir serve`` runs as a subprocess on SQLite (a scratch file) and
on PostgreSQL (a scratch database on MEMOIR_BENCH_POSTGRES_URL or
MEMOIR_TEST_POSTGRES_URL), with the offline model slowed to 100 ms a call
(``MEMOIR_OFFLINE_LATENCY=0.1``) at the default ``max_concurrency`` of 8. Two
samples are ingested first so that questions have a tree to walk; then 16 httpx
clients loop for 30 s (``--quick`` or MEMOIR_BENCH_QUICK=1: 8 s), each
ingesting distinct sources (a sample text plus a line of its own) one time in
five and asking a one_shot question otherwise. The server is then stopped with
SIGTERM and the database read on its own (:func:`benchmarks.serve_load.check_stored`).

Figures: errors (any request not answered 2xx), acknowledged ingests missing or
partial afterwards, p50/p99 latency of questions and ingests, throughput, and
the model calls made against the lower bound the model latency sets: at most
``max_concurrency / latency`` = 80 calls a second, and a depth-3 one_shot
question needs 4 calls one after the other (3 levels and the answer), 400 ms;
and the server's CPU use, which says when the process itself is the limit.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Figure, benchmark
from benchmarks.serve_load import check_stored, percentile, run_load, seed

LATENCY = 0.1
CONCURRENCY = 8
CLIENTS = 16
SECONDS = 30.0
QUICK_SECONDS = 8.0
QUERY_FLOOR = 4 * LATENCY  # 3 levels + the answer, one after the other
MEMOIR = str(Path(sys.executable).parent / "memoir")


def _seconds() -> float:
    quick = "--quick" in sys.argv or os.environ.get("MEMOIR_BENCH_QUICK") == "1"
    return QUICK_SECONDS if quick else SECONDS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start(url: str, folder: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env |= {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "MEMOIR_OFFLINE_LATENCY": str(LATENCY),
        "MEMOIR_MAX_CONCURRENCY": str(CONCURRENCY),
    }
    log = folder / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [MEMOIR, "--db", url, "serve", "--port", str(port)],
            env=env,
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"memoir serve stopped: {log.read_text('utf-8')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}", log
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("memoir serve never listened") from None
            time.sleep(0.2)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _calls(base: str) -> int:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        answer = await client.get("/api/calls", params={"limit": 1})
        answer.raise_for_status()
        calls: int = answer.json()["totals"]["calls"]
        return calls


def _measure(backend: str, url: str, folder: Path) -> list[Figure]:
    seconds = _seconds()
    process, base, log = _start(url, folder)
    try:
        seeded = asyncio.run(seed(base))
        calls_before = asyncio.run(_calls(base))
        cpu_before = _cpu_seconds(process.pid)
        report = asyncio.run(run_load(base, clients=CLIENTS, seconds=seconds))
        cpu_after = _cpu_seconds(process.pid)
        calls = asyncio.run(_calls(base)) - calls_before
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    problems = check_stored(url, report.acknowledged, {**report.sent, **seeded})
    missing = sum(1 for problem in problems if "acknowledged" in problem)
    queries, ingests = report.latencies["query"], report.latencies["ingest"]
    bound_calls = report.seconds * CONCURRENCY / LATENCY
    label = f"[{backend}]"
    note = (
        f"{CLIENTS} clients, {report.seconds:.0f} s, {LATENCY * 1000:.0f} ms a model call, "
        f"concurrency {CONCURRENCY}; {report.summary('query')}; {report.summary('ingest')}"
    )
    details: dict[str, float | int | str] = {
        "backend": backend,
        "clients": CLIENTS,
        "seconds": round(report.seconds, 1),
        "queries": len(queries),
        "ingests": len(ingests),
        "errors": len(report.errors),
        "first_error": report.errors[0][:300] if report.errors else "",
        "problems": "; ".join(problems)[:500],
        "model_calls": calls,
        "model_call_bound": round(bound_calls),
        "exit_code": process.returncode if process.returncode is not None else "running",
    }
    per_request = calls / report.requests if report.requests else 0.0
    bound_requests = CONCURRENCY / LATENCY / per_request if per_request else 0.0
    cores = None
    if cpu_before is not None and cpu_after is not None:
        cores = (cpu_after - cpu_before) / report.seconds
    if "Traceback" in log.read_text("utf-8"):
        details["server_log"] = log.read_text("utf-8")[-1000:]

    def ms(samples: list[float], share: float) -> float | None:
        return percentile(samples, share) * 1000 if samples else None

    return [
        Figure(
            f"errors {label}", len(report.errors), "requests", goal="0", note=note, details=details
        ),
        Figure(
            f"acknowledged ingests missing or partial {label}",
            missing + len(problems),
            "sources",
            goal="0",
            note=f"{len(report.acknowledged)} acknowledged",
        ),
        Figure(
            f"query p50 {label}",
            ms(queries, 0.5),
            "ms",
            note=f"{len(queries)} queries; floor {QUERY_FLOOR * 1000:.0f} ms (4 calls)",
        ),
        Figure(f"query p99 {label}", ms(queries, 0.99), "ms"),
        Figure(
            f"query p50 / model-latency floor {label}",
            statistics.median(queries) / QUERY_FLOOR if queries else None,
            "x",
        ),
        Figure(f"ingest p50 {label}", ms(ingests, 0.5), "ms", note=f"{len(ingests)} ingests"),
        Figure(f"ingest p99 {label}", ms(ingests, 0.99), "ms"),
        Figure(
            f"throughput {label}",
            report.requests / report.seconds,
            "requests/s",
            note=f"the model allows {bound_requests:.1f}/s at {per_request:.1f} calls a request",
        ),
        Figure(
            f"model calls / bound {label}",
            calls / bound_calls,
            "x",
            note=f"{calls} calls in {report.seconds:.0f} s; the bound is {CONCURRENCY} at a "
            f"time x {1 / LATENCY:.0f}/s = {bound_calls:.0f}",
        ),
        Figure(
            f"server CPU {label}",
            cores,
            "cores",
            note="CPU time of the server process / wall time of the load; near 1 means one "
            "Python process is the limit (the offline stand-in computes on the event loop)",
        ),
    ]


def _postgres_url() -> str | None:
    return os.environ.get("MEMOIR_BENCH_POSTGRES_URL") or os.environ.get("MEMOIR_TEST_POSTGRES_URL")


@benchmark("serve under load")
def serve_figures() -> list[Figure]:
    from benchmarks.bench_query import _scratch_postgres

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        figures += _measure("sqlite", f"sqlite:///{Path(folder) / 'serve.db'}", Path(folder))
        postgres = _postgres_url()
        if postgres is None:
            figures.append(
                Figure(
                    "errors [postgresql]",
                    None,
                    "requests",
                    note="set MEMOIR_BENCH_POSTGRES_URL (or MEMOIR_TEST_POSTGRES_URL)",
                )
            )
            return figures
        url, drop = _scratch_postgres(postgres)
        try:
            figures += _measure("postgresql", url, Path(folder))
        finally:
            drop()
    return figures
