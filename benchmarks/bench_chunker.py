"""Chunker throughput against one raw encode of the same text, and the chunker's peak memory."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc

from benchmarks import Figure, benchmark
from benchmarks.corpus import english_corpus, fingerprint

# (configured model, repetitions): the Claude tokenizer is ~20x slower, so fewer runs.
MODELS = (("offline", 9), ("openai:gpt-4o", 9), ("anthropic:claude-sonnet-4-5", 3))


def _measure(model: str, repeat: int, text: str) -> list[Figure]:
    from memoir_ai.text.chunker import TextChunker
    from memoir_ai.text.tokens import TokenCounter

    tokenizer = TokenCounter(model).tokenizer
    chunker = TextChunker(model_name=model)
    megabytes = len(text.encode("utf-8")) / 1e6
    tokens = len(tokenizer.encode(text))  # also warms the tokenizer
    chunks = chunker.chunk_text(text)  # and the chunker
    encode_times, chunk_times, ratios = [], [], []
    for _ in range(repeat):  # interleaved, so both see the same machine state
        gc.collect()
        started = time.perf_counter()
        tokenizer.encode(text)
        encode_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        chunker.chunk_text(text)
        chunk_times.append(time.perf_counter() - started)
        ratios.append(encode_times[-1] / chunk_times[-1])
    encode_s, chunk_s = statistics.median(encode_times), statistics.median(chunk_times)

    gc.collect()
    tracemalloc.start()
    chunker.chunk_text(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    name = tokenizer.name
    details: dict[str, float | int | str] = {
        "model": model,
        "tokenizer": name,
        "text_bytes": int(megabytes * 1e6),
        "text_sha256_16": fingerprint(text),
        "tokens": tokens,
        "chunks": len(chunks),
        "repetitions": repeat,
        "encode_seconds_median": round(encode_s, 5),
        "chunk_seconds_median": round(chunk_s, 5),
        "ratio_of_medians": round(encode_s / chunk_s, 4),
    }
    return [
        Figure(
            f"chunker vs raw encode [{name}]",
            statistics.median(ratios),
            "×",
            goal="≥ 0.5",
            note=f"median of {repeat} paired runs: encode {encode_s * 1e3:.0f} ms, "
            f"chunk_text {chunk_s * 1e3:.0f} ms, {len(chunks)} chunks of 300-500 tokens",
            details=details,
        ),
        Figure(
            f"chunker throughput [{name}]",
            megabytes / chunk_s,
            "MB/s",
            note=f"{megabytes:.2f} MB generated English, {tokens:,} tokens",
            details=details,
        ),
        Figure(
            f"raw encode throughput [{name}]",
            megabytes / encode_s,
            "MB/s",
            note="the tokenizer alone, called as litellm calls it",
            details=details,
        ),
        Figure(
            f"chunker peak memory [{name}]",
            peak / 1e6,
            "MB",
            note=f"tracemalloc peak during one chunk_text of {megabytes:.2f} MB "
            "(token ids and offsets included)",
            details=details,
        ),
    ]


@benchmark("chunker")
def chunker_figures() -> list[Figure]:
    text = english_corpus()
    figures: list[Figure] = []
    for model, repeat in MODELS:
        figures.extend(_measure(model, repeat, text))
    return figures
