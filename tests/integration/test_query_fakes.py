"""Queries against fake models that misbehave first: rankings, citations, summaries (SQLite).

The tree is built once per test by the offline model through ingest_text; the
query then runs with a FunctionModel that answers each purpose from a script,
reading the typed inputs each request carries (candidates, chunks, targets),
never the prompt's prose.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tiktoken
from pydantic_ai.messages import ModelMessage
from pydantic_ai.models.function import AgentInfo, FunctionModel

from memoir_ai import MemoirAI, MemoirAIConfig
from memoir_ai.database.engine import DatabaseManager
from memoir_ai.errors import QueryError
from memoir_ai.llm import prompts
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.models import LLMSettings
from memoir_ai.llm.prompts import Prompt
from memoir_ai.llm.schemas import LLMPurpose
from memoir_ai.query import NoResultsError, QueryResult
from memoir_ai.query.pipeline import QueryPipeline
from memoir_ai.query.summarize import SummaryOptions
from tests.corpus import HELPERS, SETTINGS, build_memory, logged_calls, rows
from tests.fakes import first_prompt, inputs_of, respond_with
from tests.reference_tokenizers import bundled_tokenizer, litellm_tokenizers_folder

Reply = Callable[[Prompt], dict[str, Any]]


def received(messages: list[ModelMessage]) -> Prompt:
    """The prompt a request carries, with its typed inputs."""
    return Prompt(first_prompt(messages), inputs_of(messages))


def candidates(prompt: Prompt) -> tuple[list[str], int]:
    inputs: Any = prompt.inputs
    return [candidate.name for candidate in inputs.candidates], inputs.count


def good_selection(prompt: Prompt) -> dict[str, Any]:
    names, count = candidates(prompt)
    return {
        "categories": [
            {"name": name, "ranked_relevance": count - index}
            for index, name in enumerate(names[:count])
        ]
    }


def chunk_ids(prompt: Prompt) -> list[int]:
    inputs: Any = prompt.inputs
    return [chunk.id for chunk in inputs.chunks]


def good_answer(prompt: Prompt) -> dict[str, Any]:
    return {"answer": "From the memory.", "cited_chunk_ids": chunk_ids(prompt)[:2]}


def targets(prompt: Prompt) -> dict[int, int]:
    inputs: Any = prompt.inputs
    return {chunk.id: chunk.target_chars for chunk in inputs.chunks}


def summaries(length: Callable[[int], int], filler: str | None = None) -> Reply:
    """Summaries of ``length(target)`` characters: the chunk's own opening words, or ``filler``."""

    def reply(prompt: Prompt) -> dict[str, Any]:
        answers = []
        inputs: Any = prompt.inputs
        for chunk in inputs.chunks:
            text, target = chunk.text, chunk.target_chars
            source = (filler or text + " ") * (3 * target // len(filler or text) + 3)
            answers.append({"id": chunk.id, "summary": source[: length(target)]})
        return {"summaries": answers}

    return reply


@dataclass
class PurposeScript:
    """Answers each purpose from its own script (the last reply repeats); counts requests."""

    select: list[Reply] = field(default_factory=lambda: [good_selection])
    summarize: list[Reply] = field(default_factory=lambda: [summaries(lambda target: target)])
    answer: list[Reply] = field(default_factory=lambda: [good_answer])
    requests: list[tuple[str, Prompt]] = field(default_factory=list)

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> Any:
        properties = info.output_tools[0].parameters_json_schema.get("properties", {})
        kind = (
            "select"
            if "categories" in properties
            else "summarize"
            if "summaries" in properties
            else "answer"
        )
        prompt = received(messages)
        seen = sum(1 for done, _ in self.requests if done == kind)
        self.requests.append((kind, prompt))
        script: list[Reply] = getattr(self, kind)
        return respond_with(info, script[min(seen, len(script) - 1)](prompt))

    def count(self, kind: str) -> int:
        return sum(1 for done, _ in self.requests if done == kind)


def query(url: str, script: PurposeScript, question: str, **options: Any) -> QueryResult:
    with MemoirAI(database_url=url, llm=FunctionModel(script, model_name="fake"), **SETTINGS) as m:
        return m.query_sync(question, **options)


def summarize(url: str, script: PurposeScript, budget: int, headroom: int = 64) -> QueryResult:
    """SUMMARIZE through QueryPipeline itself: this small tree needs a headroom under 1024."""
    config = MemoirAIConfig(database_url=url, **SETTINGS)
    database = DatabaseManager(config)
    agents = AgentFactory(LLMSettings.from_config(config), model=FunctionModel(script))
    pipeline = QueryPipeline(
        config, database, agents, summary_options=SummaryOptions(headroom_tokens=headroom)
    )
    try:
        return asyncio.run(
            pipeline.query(
                "stars?",
                strategy="branch_out",
                prompt_limiting_strategy="summarize",
                max_token_budget=budget,
            )
        )
    finally:
        database.dispose()


@pytest.fixture
def memory(sqlite_url: str) -> str:
    with MemoirAI(database_url=sqlite_url, **SETTINGS) as instance:
        build_memory(instance)
    return sqlite_url


def bad_duplicate_ranks(prompt: Prompt) -> dict[str, Any]:
    names, count = candidates(prompt)
    return {"categories": [{"name": name, "ranked_relevance": 1} for name in names[:count]]}


def bad_out_of_range(prompt: Prompt) -> dict[str, Any]:
    good = good_selection(prompt)
    good["categories"][0]["ranked_relevance"] = 99
    return good


def bad_unknown_name(prompt: Prompt) -> dict[str, Any]:
    good = good_selection(prompt)
    good["categories"][0]["name"] = "A category that does not exist"
    return good


def bad_count(prompt: Prompt) -> dict[str, Any]:
    names, count = candidates(prompt)
    return {
        "categories": [
            {"name": name, "ranked_relevance": len(names) - index}
            for index, name in enumerate(names)
        ]
        + [{"name": names[0], "ranked_relevance": len(names) + 1}]
    }


@pytest.mark.parametrize(
    "bad", [bad_duplicate_ranks, bad_out_of_range, bad_unknown_name, bad_count]
)
def test_bad_rankings_are_rejected_and_retried(memory: str, bad: Reply) -> None:
    script = PurposeScript(select=[bad, good_selection])
    result = query(memory, script, "stars?", strategy="wide_branch", strategy_params={"n": 2})
    selects = [call for call in result.llm_calls if call.purpose.value == "select"]
    assert script.count("select") == len(selects) + 1  # exactly one retry, on the first call
    assert selects[0].record.requests == 2
    assert all(call.record.requests == 1 for call in selects[1:])
    assert all(len(path.ids) == 3 for path in result.paths)
    logged = rows(
        memory,
        "SELECT requests FROM llm_calls WHERE operation_id = :op AND purpose = 'select' "
        "ORDER BY id",
        op=result.operation_id,
    )
    assert [row[0] for row in logged] == [call.record.requests for call in selects]


def test_rankings_that_stay_bad_fail_the_query_and_are_audited(memory: str) -> None:
    # Level 1 answers well; level 2 keeps answering badly until its retries run out.
    script = PurposeScript(select=[good_selection, bad_out_of_range])
    with pytest.raises(QueryError, match="select call") as caught:
        query(memory, script, "stars?")
    assert "retry" in caught.value.remedy
    logged = rows(
        memory,
        "SELECT purpose, outcome, operation_id FROM llm_calls WHERE purpose <> 'classify' "
        "ORDER BY id",
    )
    assert [tuple(row[:2]) for row in logged] == [("select", "ok"), ("select", "error")]
    assert len({row[2] for row in logged}) == 1  # one operation id for the whole query


def test_an_answer_citing_unknown_chunks_is_retried(memory: str) -> None:
    script = PurposeScript(
        answer=[lambda prompt: {"answer": "made up", "cited_chunk_ids": [987654]}, good_answer]
    )
    result = query(memory, script, "stars?", strategy="wide_branch")
    assert script.count("answer") == 2
    shown = {chunk.id for chunk in result.chunks}
    assert result.cited_chunk_ids and set(result.cited_chunk_ids) <= shown
    assert 987654 not in result.cited_chunk_ids
    assert result.answer == "From the memory."
    assert result.llm_calls[-1].record.requests == 2


def full_prompt_tokens(memory: str, **options: Any) -> QueryResult:
    return query(memory, PurposeScript(), "stars?", **options)


def test_prune_exact_fit_keeps_all_and_one_token_over_drops_the_lowest_ranked(memory: str) -> None:
    options: dict[str, Any] = {"strategy": "wide_branch", "strategy_params": {"n": 3}}
    full = full_prompt_tokens(memory, **options)
    assert len(full.paths) > 2
    exact = full_prompt_tokens(memory, max_token_budget=full.prompt_tokens, **options)
    assert exact.paths == full.paths and exact.dropped_paths == full.dropped_paths
    over = full_prompt_tokens(memory, max_token_budget=full.prompt_tokens - 1, **options)
    lowest = min(reversed(full.paths), key=lambda path: path.rank_key)
    assert [item.path for item in over.dropped_paths if item.reason == "over_budget"] == [lowest]
    assert over.paths == tuple(path for path in full.paths if path != lowest)
    assert over.prompt_tokens <= full.prompt_tokens - 1
    unranked = full_prompt_tokens(
        memory, max_token_budget=full.prompt_tokens - 1, use_rankings=False, **options
    )
    dropped = [item.path for item in unranked.dropped_paths if item.reason == "over_budget"]
    assert dropped == [full.paths[-1]]


def test_prune_with_nothing_that_fits_lists_what_was_considered(memory: str) -> None:
    with pytest.raises(NoResultsError, match="Nothing fits max_token_budget=100") as caught:
        full_prompt_tokens(memory, strategy="wide_branch", max_token_budget=100)
    error = caught.value
    assert error.considered_paths
    assert {item.path for item in error.dropped_paths} == set(error.considered_paths)
    assert "over_budget" in {item.reason for item in error.dropped_paths}
    for item in error.dropped_paths:
        assert item.path.label() in str(error) or item.reason != "over_budget"


# --- Tight budgets on the shipped samples, offline model, counted with tiktoken directly ------

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HANSA = "What did the Hanseatic League trade?"
NEGATIVE = re.compile(r"(?<![\w>])-\d")


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo database: every sample, filed by the offline model with the default settings."""
    url = f"sqlite:///{tmp_path_factory.mktemp('samples') / 'memoir.db'}"
    with MemoirAI(database_url=url) as instance:
        for path in sorted(SAMPLES.rglob("*.md")):
            instance.ingest_text_sync(path.read_text("utf-8"), source_id=path.name)
    return url


def hansa(url: str, budget: int, **options: Any) -> QueryResult:
    with MemoirAI(database_url=url) as instance:
        return instance.query_sync(
            HANSA, strategy="wide_branch", max_token_budget=budget, **options
        )


def tiktoken_count(*texts: str) -> int:
    """Tokens as the offline model's encoding (cl100k_base) counts them, asked of tiktoken."""
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(litellm_tokenizers_folder()))
    encoding = tiktoken.get_encoding("cl100k_base")
    return sum(len(encoding.encode(text, disallowed_special=())) for text in texts)


def logged_chunk_ids(logged: str) -> list[int]:
    """The numbers of the chunk blocks in a prompt as the audit log kept it."""
    return [int(found) for found in re.findall(r"^Chunk (\d+)", logged, re.M)]


def logged_answer_prompt(url: str, result: QueryResult) -> str:
    calls = logged_calls(url, result.operation_id)
    (request,) = [call.request_text for call in calls if call.purpose == "answer"]
    return str(request)


def prompt_with(url: str, result: QueryResult, leaf_id: int) -> str:
    """The answer prompt of ``result`` with the chunks of one more leaf (as a query reads them)."""
    sql = "SELECT id, content, source_id FROM chunks WHERE category_id = :leaf "
    sql += "ORDER BY created_at, id"
    extra = [(row[0], row[1], row[2]) for row in rows(url, sql, leaf=leaf_id)[:10]]
    chunks = [
        (chunk.id, chunk.text, chunk.source_id, chunk.category_path) for chunk in result.chunks
    ]
    names = next(item.path.names for item in result.dropped_paths if item.path.leaf_id == leaf_id)
    chunks += [(chunk_id, text, source, names) for chunk_id, text, source in extra]
    helpers = dict(rows(url, "SELECT source_id, helper_text FROM contextual_helpers"))
    return prompts.answer_prompt(
        HANSA,
        [prompts.AnswerChunk(chunk_id, text, path) for chunk_id, text, _, path in chunks],
        helpers=[helpers[source] for source in sorted({chunk[2] for chunk in chunks})],
    )


@pytest.mark.parametrize("use_rankings", [True, False])
def test_a_tight_budget_keeps_the_paths_that_fit_and_reports_the_rest(
    samples: str, use_rankings: bool
) -> None:
    full = hansa(samples, 40_000)
    top = max(reversed(full.paths), key=lambda path: path.rank_key)  # ties: the earlier one
    assert len(full.paths) == 3 and not full.dropped_paths
    result = hansa(samples, 1200, use_rankings=use_rankings)  # the "Nothing fits"
    assert result.answer.strip() and result.cited_chunk_ids
    instructions = prompts.instructions(LLMPurpose.ANSWER)
    sent = logged_answer_prompt(samples, result)
    assert tiktoken_count(instructions, sent) == result.prompt_tokens <= 1200
    assert logged_chunk_ids(sent) == [chunk.id for chunk in result.chunks]
    assert {chunk.category_path for chunk in result.chunks} == {p.names for p in result.paths}
    over = [item for item in result.dropped_paths if item.reason == "over_budget"]
    assert over and all("1200-token budget" in item.detail for item in over)
    assert {item.path for item in over} | set(result.paths) == set(full.paths)
    assert not {item.path for item in over} & set(result.paths)
    if use_rankings:
        assert top in {item.path for item in over}  # the largest is also the most relevant
    for item in over:  # no dropped path would fit beside the kept ones
        assert tiktoken_count(instructions, prompt_with(samples, result, item.path.leaf_id)) > 1200


def test_nothing_fits_only_below_the_smallest_path_and_the_error_names_it(samples: str) -> None:
    full = hansa(samples, 40_000)
    with pytest.raises(NoResultsError, match="Nothing fits max_token_budget=100") as caught:
        hansa(samples, 100)
    error = caught.value
    assert set(error.considered_paths) == set(full.paths)
    assert {item.path for item in error.dropped_paths} == set(full.paths)
    assert all(path.label() in str(error) for path in full.paths)
    found = re.search(r"use max_token_budget=(\d+) or more", error.remedy)
    assert found and not NEGATIVE.search(str(error))
    smallest = int(found.group(1))
    fits = hansa(samples, smallest)
    assert len(fits.paths) == 1 and fits.answer.strip()
    sent = logged_answer_prompt(samples, fits)
    assert tiktoken_count(prompts.instructions(LLMPurpose.ANSWER), sent) == smallest
    with pytest.raises(NoResultsError, match=f"max_token_budget={smallest} or more"):
        hansa(samples, smallest - 1)


def test_prune_fits_the_whole_prompt_where_the_parts_undercount_it(samples: str) -> None:
    # Claude's tokenizer counts a prompt a few tokens above the sum of its separately counted
    # parts, so a plan made by adding parts alone overflows a budget one token short.
    model = FunctionModel(PurposeScript(), model_name="fake")
    claude = bundled_tokenizer("anthropic_tokenizer.json")

    def run(budget: int) -> QueryResult:
        with MemoirAI(database_url=samples, model="anthropic:claude-sonnet-4-5", llm=model) as m:
            return m.query_sync(HANSA, strategy="wide_branch", max_token_budget=budget)

    def counted(result: QueryResult) -> int:
        texts = (prompts.instructions(LLMPurpose.ANSWER), logged_answer_prompt(samples, result))
        return sum(len(claude.encode(text).ids) for text in texts)  # type: ignore[attr-defined]

    full = run(40_000)
    assert counted(full) == full.prompt_tokens and len(full.paths) == 3
    tight = run(full.prompt_tokens - 1)
    assert counted(tight) == tight.prompt_tokens <= full.prompt_tokens - 1
    assert len(tight.paths) == 2 and len(tight.dropped_paths) == 1


@pytest.mark.parametrize("budget", [1, 60, 1200])
def test_summarize_names_the_smallest_budget_that_works(samples: str, budget: int) -> None:
    with pytest.raises(QueryError, match="too small to summarize") as caught:
        hansa(samples, budget, prompt_limiting_strategy="summarize")
    found = re.search(r"The smallest budget that can work is (\d+)", str(caught.value))
    assert found and not NEGATIVE.search(str(caught.value))
    smallest = int(found.group(1))
    assert f"max_token_budget={smallest} or more" in caught.value.remedy
    with pytest.raises(QueryError, match=f"can work is {smallest}\\b"):
        hansa(samples, smallest - 1, prompt_limiting_strategy="summarize")
    result = hansa(samples, smallest, prompt_limiting_strategy="summarize")
    assert result.summarized and result.answer.strip() and result.prompt_tokens <= smallest


def test_summarize_retries_a_long_summary_alone_then_fits(memory: str) -> None:
    full = full_prompt_tokens(memory, strategy="branch_out")
    budget = full.prompt_tokens * 2 // 3
    too_long, on_target = summaries(lambda target: target * 3), summaries(lambda target: target)

    def long_in_parts(prompt: Prompt) -> dict[str, Any]:
        return too_long(prompt) if len(targets(prompt)) > 1 else on_target(prompt)

    script = PurposeScript(summarize=[long_in_parts])
    result = summarize(memory, script, budget)
    parts = [prompt for kind, prompt in script.requests if kind == "summarize"]
    assert len(targets(parts[0])) > 1  # several chunks per call
    retries = [prompt for prompt in parts if len(targets(prompt)) == 1]
    assert len(retries) == len(result.chunks)  # every chunk was too long once, retried alone
    assert result.summarized and result.prompt_tokens <= budget
    assert all(chunk.summary and len(chunk.summary) < len(chunk.text) for chunk in result.chunks)
    assert all(chunk.text.startswith(chunk.summary or "-") for chunk in result.chunks)
    assert [chunk.id for chunk in result.chunks] == [chunk.id for chunk in full.chunks]
    assert not result.dropped_paths or {d.reason for d in result.dropped_paths} != {"over_budget"}
    assert sum(1 for call in result.llm_calls if call.purpose.value == "summarize") == len(parts)


def test_summary_parts_fit_the_budget_minus_the_headroom(memory: str) -> None:
    full = full_prompt_tokens(memory, strategy="branch_out")
    budget = full.prompt_tokens * 2 // 3
    wide, narrow = PurposeScript(), PurposeScript()
    summarize(memory, wide, budget, headroom=0)
    summarize(memory, narrow, budget, headroom=budget // 2)
    assert narrow.count("summarize") > wide.count("summarize") >= 1
    with pytest.raises(QueryError, match=f"keeps {budget} tokens free") as caught:
        summarize(memory, PurposeScript(), budget, headroom=budget)
    assert "smallest budget that can work is" in str(caught.value)


def test_summarize_fails_when_summaries_stay_too_long_after_retries(memory: str) -> None:
    full = full_prompt_tokens(memory, strategy="branch_out")
    script = PurposeScript(summarize=[summaries(lambda target: target * 2)])
    with pytest.raises(QueryError, match="tolerance") as caught:
        summarize(memory, script, full.prompt_tokens * 2 // 3)
    assert "prompt_limiting_strategy='prune'" in caught.value.remedy
    singles = [p for kind, p in script.requests if kind == "summarize" and len(targets(p)) == 1]
    assert len(singles) == len(full.chunks)  # one retry each (the default), then the error
    assert script.count("answer") == 0


def test_a_summary_slightly_over_its_target_is_tolerated(memory: str) -> None:
    full = full_prompt_tokens(memory, strategy="branch_out")
    script = PurposeScript(summarize=[summaries(lambda target: target * 103 // 100)])
    result = summarize(memory, script, full.prompt_tokens * 2 // 3)
    assert result.summarized


def test_summarize_fails_when_the_final_prompt_still_does_not_fit(memory: str) -> None:
    full = full_prompt_tokens(memory, strategy="branch_out")
    # On target in characters but not in tokens: this pair costs about a token a character.
    dense = summaries(lambda target: target, filler="7§")
    with pytest.raises(QueryError, match="more than max_token_budget"):
        summarize(memory, PurposeScript(summarize=[dense]), full.prompt_tokens * 2 // 3)


def test_summarize_with_no_room_for_chunks_is_a_clear_error(memory: str) -> None:
    options: dict[str, Any] = {"strategy": "wide_branch", "prompt_limiting_strategy": "summarize"}
    with pytest.raises(QueryError, match="too small to summarize") as caught:
        full_prompt_tokens(memory, max_token_budget=60, **options)
    assert "alone take" in str(caught.value) and not NEGATIVE.search(str(caught.value))


def test_summarize_is_skipped_when_everything_fits(memory: str) -> None:
    script = PurposeScript()
    result = query(memory, script, "stars?", prompt_limiting_strategy="summarize")
    assert not result.summarized and script.count("summarize") == 0
    assert all(chunk.summary is None for chunk in result.chunks)


def test_the_helpers_of_the_sources_under_the_candidates_reach_the_prompts(memory: str) -> None:
    script = PurposeScript()
    result = query(memory, script, "stars?", strategy="wide_branch", strategy_params={"n": 4})
    selects = [prompt for kind, prompt in script.requests if kind == "select"]
    assert all(helper in selects[0] for helper in HELPERS.values())  # level 1: every source
    for prompt in selects[1:]:
        inputs: Any = prompt.inputs  # the typed inputs say which parent; the prose is not read
        shown = [name for name, helper in HELPERS.items() if helper in prompt]
        assert len(shown) == 1, inputs.parent_path  # one source per top category in this memory
    answer_prompt = next(prompt for kind, prompt in script.requests if kind == "answer")
    used_sources = {chunk.source_id.removesuffix(".md") for chunk in result.chunks}
    assert {name for name, helper in HELPERS.items() if helper in answer_prompt} == used_sources


@dataclass
class InFlight:
    """An async model that answers selections well and counts how many requests overlap."""

    current: int = 0
    most: int = 0

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> Any:
        self.current += 1
        self.most = max(self.most, self.current)
        await asyncio.sleep(0.05)
        self.current -= 1
        prompt = received(messages)
        properties = info.output_tools[0].parameters_json_schema.get("properties", {})
        reply = good_selection(prompt) if "categories" in properties else good_answer(prompt)
        return respond_with(info, reply)


def test_selections_of_one_level_run_concurrently_within_the_limit(memory: str) -> None:
    most = {}
    for limit in (8, 1):
        model = InFlight()
        with MemoirAI(
            database_url=memory,
            llm=FunctionModel(model, model_name="slow"),
            max_concurrency=limit,
            **SETTINGS,
        ) as instance:
            result = instance.query_sync("stars?", strategy="wide_branch", strategy_params={"n": 4})
        assert sum(1 for call in result.llm_calls if call.purpose.value == "select") > 4
        most[limit] = model.most
    assert most[8] > 1  # calls under different parents were in flight together
    assert most[1] == 1  # and never more than max_concurrency
