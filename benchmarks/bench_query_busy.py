"""Query busy time: CPU seconds per query with the offline model, against a baseline version.

A memory of 20 sources (the first 300,000 characters of the benchmark corpus)
is ingested once with the offline model into a tree of at most 4 categories per
level, so that leaves fill up and every path brings its 10 chunks. Each side
then answers the same 6 questions (wide_branch, 8 per level, up to 10 chunks
per path) in its own process, after 2 warm-up queries; the figure is the
median over the queries of the process CPU time one query takes
(``time.process_time``: the pipeline, the tokenizer and the offline model, no
waiting), and the ratio this version / baseline, sides alternating four times.

The baseline is the ``memoir_ai`` package of the git ref in ``BENCH_BASELINE``
(e.g. ``main``), extracted with ``git archive`` and put first on
``PYTHONPATH``; without it only this version is measured. A baseline that
predates this version's newest migration reads a copy of the same memory taken
down to its own newest revision (``memoir db downgrade``, which keeps every
row the older schema holds), so both sides read the same tree and chunks; the
number of chunks each side's answers brought is in the note.

Issue 13's goal is measured against the code before its work:
``BENCH_BASELINE=ed86dc1``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from benchmarks import Figure, benchmark

ROOT = Path(__file__).resolve().parents[1]
SOURCES = 20
SOURCE_CHARACTERS = 15_000
STRATEGY = ("wide_branch", {"n": 8})
CATEGORIES_PER_LEVEL = 4
QUESTIONS = [
    "Which letters reached the harbor in winter?",
    "What did the engineer write in the journal?",
    "Who kept the archive near the river?",
    "What happened at the market by the bridge?",
    "Which records did the teacher find in the village?",
    "What did the sailor answer at the station?",
]
ROUNDS = 4

CHILD = """
import json, logging, os, sys, time
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
logging.disable(logging.WARNING)
import memoir_ai
from memoir_ai import MemoirAI
from memoir_ai.llm.offline import offline_model

url, questions, params = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
with MemoirAI(database_url=url, llm=offline_model(0.0)) as memoir:
    for question in questions[:2]:  # warm up: schema check, tokenizer, agents
        memoir.query_sync(question, strategy="wide_branch", strategy_params=params)
    busy, chunks = [], []
    for question in questions:
        started = time.process_time()
        result = memoir.query_sync(question, strategy="wide_branch", strategy_params=params)
        busy.append(time.process_time() - started)
        chunks.append(len(result.chunks))
print(json.dumps({"busy": busy, "chunks": chunks, "package": memoir_ai.__file__}))
"""


def _ingest(url: str) -> None:
    from benchmarks.corpus import english_corpus
    from memoir_ai import MemoirAI
    from memoir_ai.llm.offline import offline_model

    text = english_corpus(SOURCES * SOURCE_CHARACTERS)
    # Few categories per level, so leaves fill up and every path brings its 10 chunks.
    with MemoirAI(
        database_url=url, llm=offline_model(0.0), max_categories_per_level=CATEGORIES_PER_LEVEL
    ) as memoir:
        for index in range(SOURCES):
            part = text[index * SOURCE_CHARACTERS : (index + 1) * SOURCE_CHARACTERS]
            memoir.ingest_text_sync(part, source_id=f"bench/{index:02d}.txt")


def _extract(ref: str, folder: Path) -> Path:
    archive = folder / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", ref, "memoir_ai"], cwd=ROOT, stdout=out, check=True)
    target = folder / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def _newest_revision(package: Path) -> str:
    versions = package / "memoir_ai" / "database" / "migrations" / "versions"
    return max(
        match.group(1)
        for path in versions.glob("*.py")
        if (match := re.match(r"(\d{4})_", path.name))
    )


def _baseline_database(folder: Path, baseline: Path) -> str:
    """The memory for the baseline: the same file, taken down to the newest revision it knows."""
    revision = _newest_revision(baseline)
    if revision == _newest_revision(ROOT):
        return f"sqlite:///{folder / 'busy.db'}"
    shutil.copyfile(folder / "busy.db", folder / "baseline.db")
    url = f"sqlite:///{folder / 'baseline.db'}"
    subprocess.run(
        [sys.executable, "-m", "memoir_ai.cli.main", "--db", url, "db", "downgrade", revision]
        + ["--yes"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return url


def _side(url: str, pythonpath: Path, cwd: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, json.dumps(QUESTIONS), json.dumps(STRATEGY[1])],
        env=env,
        cwd=cwd,  # not the checkout: `python -c` puts the working directory first on sys.path
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@benchmark("query busy time")
def busy_figures() -> list[Figure]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    baseline_ref = os.environ.get("BENCH_BASELINE")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'busy.db'}"
        _ingest(url)
        baseline = _extract(baseline_ref, folder) if baseline_ref else None
        baseline_url = _baseline_database(folder, baseline) if baseline else url
        current: list[float] = []
        before: list[float] = []
        chunks: list[int] = []
        baseline_chunks: list[int] = []
        for _ in range(ROUNDS):
            if baseline is not None:
                side = _side(baseline_url, baseline, folder)
                assert str(side["package"]).startswith(str(baseline)), side["package"]
                before += side["busy"]  # type: ignore[arg-type]
                baseline_chunks += side["chunks"]  # type: ignore[arg-type]
            side = _side(url, ROOT, folder)
            assert str(side["package"]).startswith(str(ROOT)), side["package"]
            current += side["busy"]  # type: ignore[arg-type]
            chunks += side["chunks"]  # type: ignore[arg-type]
    note = (
        f"wide_branch n=8, {min(chunks)}-{max(chunks)} chunks in the answer prompt; "
        f"{len(current)} queries per side, median CPU time"
    )
    figures = [
        Figure("query busy time [this version]", statistics.median(current) * 1000, "ms", note=note)
    ]
    if not before:
        figures.append(
            Figure(
                "query busy time / baseline",
                None,
                "x",
                note="set BENCH_BASELINE to a git ref (e.g. main) to compare",
            )
        )
        return figures
    baseline_note = (
        f"{min(baseline_chunks)}-{max(baseline_chunks)} chunks in the answer prompt; "
        f"{len(before)} queries, median CPU time"
    )
    figures += [
        Figure(
            f"query busy time [{baseline_ref}]",
            statistics.median(before) * 1000,
            "ms",
            note=baseline_note,
        ),
        Figure(
            f"query busy time / {baseline_ref}",
            statistics.median(current) / statistics.median(before),
            "x",
            note=note,
            goal="≤ 0.5 against the code before issue 13 (with the agent and output-type work)",
        ),
    ]
    return figures
