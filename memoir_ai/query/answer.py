"""The final answer: the prompt built from the kept chunks, its token count, and the cited call.

The answer's output type only admits the ids of the chunks shown
(:func:`~memoir_ai.llm.schemas.answer_output`): a citation of anything else
fails validation and is sent back to the model, which tries again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from memoir_ai.llm import prompts
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.limits import answer_max_tokens
from memoir_ai.llm.records import LLMCallRecord
from memoir_ai.llm.schemas import CitedAnswer, LLMPurpose, answer_output
from memoir_ai.query.retrieve import RetrievedPath
from memoir_ai.text.tokens import TokenCounter

__all__ = ["AnswerPrompt", "answer_chunks", "ask_for_answer", "helpers_for"]


class AnswerPrompt:
    """The answer prompt of one question: its parts counted with the model's tokenizer."""

    def __init__(self, query: str, counter: TokenCounter) -> None:
        """Count the fixed part of the prompt for ``query``."""
        self.query = query
        self.counter = counter
        # Instructions travel with every call; the budget counts them with the wrapper text.
        self.instruction_tokens = counter.count(prompts.instructions(LLMPurpose.ANSWER))
        self.base_tokens = self.instruction_tokens + counter.count(prompts.answer_prompt(query, []))
        self._tail_tokens = counter.count(f"\n{prompts.QUOTE}\n\n")
        self._last_count: tuple[str, int] = ("", 0)

    def block_tokens(self, chunk: prompts.AnswerChunk) -> int:
        """The tokens one chunk adds: its numbered block and the blank line after it."""
        return self.counter.count(prompts.chunk_block(chunk.id, chunk.text, _note(chunk)) + "\n\n")

    def estimated_block_tokens(self, chunk: prompts.AnswerChunk, text_tokens: int) -> int:
        """:meth:`block_tokens` from the text's stored count: only the block's frame is encoded.

        ``text_tokens`` is one encode of exactly ``chunk.text`` (a stored chunk's
        ``token_count``). The frame and the text counted apart may differ from
        the block counted whole where they join (a tokenizer may merge the
        text's last character with the newline after it), so this is an
        estimate: callers confirm with :meth:`count` of the whole prompt.
        """
        if prompts.QUOTE in chunk.text:  # shown with its quotes replaced: not the stored text
            return self.block_tokens(chunk)
        empty = prompts.chunk_block(chunk.id, "", _note(chunk))
        head = empty[: len(empty) - len(prompts.QUOTE) - 1]  # "Chunk N (...):\n\"\"\"\n"
        return self.counter.count(head) + text_tokens + self._tail_tokens

    def helper_tokens(self, helper: str) -> int:
        """The tokens one source description adds."""
        return self.counter.count(f'{prompts.SOURCE_HEADER}\n"""\n{helper}\n"""\n\n')

    def render(self, chunks: Sequence[prompts.AnswerChunk], helpers: Sequence[str]) -> str:
        """The prompt text."""
        return prompts.answer_prompt(self.query, chunks, helpers=helpers)

    def count(self, chunks: Sequence[prompts.AnswerChunk], helpers: Sequence[str]) -> int:
        """The exact tokens of the prompt, instructions included.

        The last prompt counted is remembered, so counting the prompt that
        PRUNE settled on again (to check and report it) encodes nothing.
        """
        text = self.render(chunks, helpers)
        if self._last_count[0] != text:
            self._last_count = (text, self.instruction_tokens + self.counter.count(text))
        return self._last_count[1]


async def ask_for_answer(
    agents: AgentFactory, prompt: str, chunk_ids: Sequence[int], *, budget: int | None = None
) -> tuple[CitedAnswer, LLMCallRecord]:
    """Ask for the answer, citing only ``chunk_ids``; duplicates in the citation are removed.

    The answer may take :func:`~memoir_ai.llm.limits.answer_max_tokens` of the
    prompt ``budget`` (the bound of its output type without one).
    """
    max_tokens = None if budget is None else answer_max_tokens(budget)
    output, record = await agents.call(
        answer_output(chunk_ids), prompt, LLMPurpose.ANSWER, max_tokens=max_tokens
    )
    return output, record


def answer_chunks(
    retrieved: Sequence[RetrievedPath], summaries: Mapping[int, str]
) -> list[prompts.AnswerChunk]:
    """The chunks of ``retrieved`` as the answer prompt shows them (summarized where given)."""
    return [
        prompts.AnswerChunk(chunk.id, summaries.get(chunk.id, chunk.content), item.path.names)
        for item in retrieved
        for chunk in item.chunks
    ]


def _note(chunk: prompts.AnswerChunk) -> str | None:
    if not chunk.category_path:
        return None
    return f"category: {prompts.PATH_SEPARATOR.join(chunk.category_path)}"


def helpers_for(retrieved: Sequence[RetrievedPath], helpers: Mapping[str, str]) -> list[str]:
    """The helpers of the sources of ``retrieved``, once each, in source-id order."""
    sources = sorted({chunk.source_id for item in retrieved for chunk in item.chunks})
    return [helpers[source] for source in sources if source in helpers]
