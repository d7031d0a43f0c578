"""The offline model at run time: no provider SDK is loaded, and latency can be simulated."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from memoir_ai.llm import prompts, schemas
from memoir_ai.llm.agents import AgentFactory, LLMSettings
from memoir_ai.llm.schemas import LLMPurpose


def test_offline_calls_load_no_provider_sdk() -> None:
    code = (
        "import asyncio, sys\n"
        "from memoir_ai.llm import prompts, schemas\n"
        "from memoir_ai.llm.agents import AgentFactory\n"
        "from memoir_ai.llm.schemas import LLMPurpose\n"
        "chunk = prompts.AnswerChunk(1, 'Stars shine by fusion.')\n"
        "prompt = prompts.answer_prompt('Why do stars shine?', [chunk])\n"
        "out, _ = asyncio.run(AgentFactory().call(schemas.answer_output([1]), prompt, "
        "LLMPurpose.ANSWER))\n"
        "assert out.cited_chunk_ids == [1], out\n"
        "loaded = [m for m in ('openai', 'anthropic', 'google.genai', 'groq', 'mistralai') "
        "if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""


def test_simulated_latency_is_a_floor_per_call() -> None:
    factory = AgentFactory(LLMSettings(offline_latency_seconds=0.2, max_concurrency=4))
    prompt = prompts.classification_prompt(
        [prompts.PromptChunk(1, "Stars shine.")], level=1, depth=1, existing=[], allow_new=True
    )

    async def four_calls() -> list[float]:
        output_type = schemas.classification_output([], True)
        results = await asyncio.gather(
            *(factory.call(output_type, prompt, LLMPurpose.CLASSIFY) for _ in range(4))
        )
        return [record.latency_seconds for _, record in results]

    latencies = asyncio.run(four_calls())
    assert min(latencies) >= 0.2
