"""The chunker side by side with one raw encode of the same text: time and peak memory.

What a user would do without the chunker is encode the text once; the chunker must cost
little more. For each text size and tokenizer, one process runs the raw encode
(``tokenizer.encode(text)``, as litellm calls it) and ``TextChunker.chunk_text(text)``
alternately, so both see the same machine state, and reports

- the median over the runs of the per-run ratio chunk time / encode time (goal ≤ 1.3),
- the ratio of tracemalloc peaks: one chunk_text against one raw encode (goal ≤ 1.5).

Ratios, not absolute times, are the figures: they hold on a busy or a slow machine.
tracemalloc sees Python objects and numpy arrays, not memory a tokenizer's Rust code keeps
to itself (tiktoken's 4-byte-a-token id buffer, which both sides allocate while encoding).
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable

from benchmarks import Figure, benchmark
from benchmarks.corpus import english_corpus, fingerprint

# (configured model, megabytes, paired runs). The goals are for the two tiktoken
# encodings; the Claude tokenizer (~15x slower to encode) is shown at 1 MB for reference.
CASES = (
    ("offline", 1, 15),
    ("openai:gpt-4o", 1, 15),
    ("anthropic:claude-sonnet-4-5", 1, 3),
    ("offline", 10, 7),
    ("openai:gpt-4o", 10, 7),
)
TIME_GOAL, MEMORY_GOAL = 1.3, 1.5


def _peak_bytes(function: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _measure(model: str, megabytes: int, repeat: int) -> list[Figure]:
    from memoir_ai.text.chunker import TextChunker
    from memoir_ai.text.tokens import TokenCounter

    text = english_corpus(megabytes * 1_000_000)
    tokenizer = TokenCounter(model).tokenizer
    chunker = TextChunker(model_name=model)
    tokens = len(tokenizer.encode(text))  # also warms the tokenizer
    chunks = chunker.chunk_text(text)  # and the chunker

    def encode() -> object:
        return tokenizer.encode(text)

    def chunk() -> object:
        return chunker.chunk_text(text)

    encode_times, chunk_times, ratios, cpu_ratios = [], [], [], []
    for run in range(repeat):
        # Pairs alternate which goes first, so neither always inherits the other's caches.
        pair = [(encode_times, encode), (chunk_times, chunk)]
        cpu: list[float] = []
        for times, function in pair if run % 2 == 0 else pair[::-1]:
            gc.collect()
            started, started_cpu = time.perf_counter(), time.process_time()
            function()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        ratios.append(chunk_times[-1] / encode_times[-1])
        cpu_ratios.append(cpu[1] / cpu[0] if run % 2 == 0 else cpu[0] / cpu[1])
    encode_s, chunk_s = statistics.median(encode_times), statistics.median(chunk_times)
    encode_peak, chunk_peak = _peak_bytes(encode), _peak_bytes(chunk)

    label = f"{tokenizer.name.split(':')[-1]}, {megabytes} MB"
    text_bytes = len(text.encode("utf-8"))
    details: dict[str, float | int | str] = {
        "model": model,
        "tokenizer": tokenizer.name,
        "text_bytes": text_bytes,
        "text_sha256_16": fingerprint(text),
        "tokens": tokens,
        "chunks": len(chunks),
        "repetitions": repeat,
        "time_ratios": ", ".join(f"{r:.3f}" for r in ratios),
        "cpu_time_ratio_median": round(statistics.median(cpu_ratios), 4),
        "encode_seconds_median": round(encode_s, 5),
        "chunk_seconds_median": round(chunk_s, 5),
        "encode_peak_bytes": encode_peak,
        "chunk_peak_bytes": chunk_peak,
    }
    goals = model != "anthropic:claude-sonnet-4-5"
    return [
        Figure(
            f"chunker time / raw encode [{label}]",
            statistics.median(ratios),
            "×",
            goal=f"≤ {TIME_GOAL}" if goals else "",
            note=f"median of {repeat} paired runs in one process: encode "
            f"{encode_s * 1e3:,.0f} ms, chunk_text {chunk_s * 1e3:,.0f} ms "
            f"({len(chunks):,} chunks of 300-500 tokens, {tokens:,} tokens)",
            details=details,
        ),
        Figure(
            f"chunker peak memory / raw encode [{label}]",
            chunk_peak / encode_peak,
            "×",
            goal=f"≤ {MEMORY_GOAL}" if goals else "",
            note=f"tracemalloc peaks: chunk_text {chunk_peak / 1e6:.1f} MB (chunk texts "
            f"included), encode {encode_peak / 1e6:.1f} MB (its list of ids)",
            details=details,
        ),
        Figure(
            f"chunker throughput [{label}]",
            text_bytes / 1e6 / chunk_s,
            "MB/s",
            note=f"raw encode alone: {text_bytes / 1e6 / encode_s:.1f} MB/s; generated English",
            details=details,
        ),
    ]


@benchmark("chunker")
def chunker_figures() -> list[Figure]:
    figures: list[Figure] = []
    for model, megabytes, repeat in CASES:
        figures.extend(_measure(model, megabytes, repeat))
    return figures
