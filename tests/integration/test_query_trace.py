"""Query traces: the walk a result carries matches what the model was shown and what it chose.

A FunctionModel fake answers each selection from the typed inputs of its request
(the candidates and the count) and keeps what it was asked and what it answered;
the trace must report exactly that, step by step — an independent record, not
the traversal's own. The offline model's walk is checked for consistency with
the paths and dropped paths of the same result, and ``memoir query --trace``
prints it as a tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic_ai.messages import ModelMessage
from pydantic_ai.models.function import AgentInfo, FunctionModel
from typer.testing import CliRunner

from memoir_ai import MemoirAI, QueryResult
from memoir_ai.cli.main import app
from memoir_ai.llm.inputs import AnswerInputs, SelectionInputs
from tests.corpus import SETTINGS, build_memory
from tests.fakes import answer_from_schema, inputs_of, respond_with, schema_of


@dataclass
class ReversedSelector:
    """Chooses the *last* ``count`` candidates, the last one ranked highest; answers the rest
    from the output schema. Keeps every selection: (candidates shown, count, choices made)."""

    selections: list[tuple[tuple[str, ...], int, tuple[tuple[str, int], ...]]] = field(
        default_factory=list
    )

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> Any:
        inputs = inputs_of(messages)
        if isinstance(inputs, SelectionInputs):
            names = tuple(candidate.name for candidate in inputs.candidates)
            count = min(inputs.count, len(names))
            chosen = tuple((name, index + 1) for index, name in enumerate(names[-count:]))
            self.selections.append((names, count, chosen))
            answer = {"categories": [{"name": n, "ranked_relevance": r} for n, r in chosen]}
            return respond_with(info, answer)
        if isinstance(inputs, AnswerInputs):
            cited = [chunk.id for chunk in inputs.chunks][:1]
            return respond_with(info, {"answer": "From the memory.", "cited_chunk_ids": cited})
        return respond_with(info, answer_from_schema(schema_of(info)))


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('trace') / 'memoir.db'}"
    with MemoirAI(database_url=url, **SETTINGS) as instance:
        build_memory(instance)
    return url


def _ask(url: str, model: Any, **options: Any) -> QueryResult:
    with MemoirAI(database_url=url, llm=model, **SETTINGS) as memoir:
        return memoir.query_sync("stars and planets?", **options)


@pytest.mark.parametrize(
    ("strategy", "params"), [("one_shot", None), ("wide_branch", {"n": 2}), ("zoom_in", None)]
)
def test_the_trace_reports_what_the_model_was_shown_and_chose(
    memory: str, strategy: str, params: dict[str, int] | None
) -> None:
    fake = ReversedSelector()
    result = _ask(
        memory, FunctionModel(fake, model_name="fake"), strategy=strategy, strategy_params=params
    )
    steps = [step for level in result.trace.levels for step in level.steps]
    called = [step for step in steps if step.called_model]
    assert (
        len(called)
        == len(fake.selections)
        == sum(1 for call in result.llm_calls if call.purpose.value == "select")
    )
    shown = sorted(fake.selections)
    traced = sorted(
        (
            step.candidates,
            step.asked_for,
            tuple((choice.name, choice.ranked_relevance) for choice in step.chosen),
        )
        for step in called
    )
    assert traced == shown
    for step in steps:
        if not step.called_model:  # a single child is taken without a call, rank 1 of 1
            assert len(step.candidates) == 1 and step.chosen[0].ranked_relevance == 1
    # Every used path is a chain of kept choices, one per level, each under the one before.
    for path in result.paths:
        for depth, category_id in enumerate(path.ids):
            step = result.trace.step_under(path.ids[:depth])
            assert step is not None
            choice = next(c for c in step.chosen if c.category_id == category_id)
            assert choice.kept and choice.name == path.names[depth]
            assert choice.ranked_relevance == path.ranked_relevance[depth]
    # Each level keeps no more than the strategy says.
    for level in result.trace.levels:
        assert sum(c.kept for step in level.steps for c in step.chosen) <= level.keep


def test_the_offline_walk_accounts_for_every_path(memory: str) -> None:
    result = _ask(memory, None, strategy="wide_branch", strategy_params={"n": 3})
    leaves = {
        (*step.parent_ids, choice.category_id)
        for level in result.trace.levels[-1:]
        for step in level.steps
        for choice in step.chosen
        if choice.kept
    }
    ends = {path.ids for path in result.paths} | {
        item.path.ids
        for item in result.dropped_paths
        if len(item.path.ids) == len(result.trace.levels)
    }
    assert leaves == ends
    assert [level.level for level in result.trace.levels] == list(
        range(1, len(result.trace.levels) + 1)
    )
    dumped = result.model_dump(mode="json")["trace"]
    assert dumped["levels"][0]["steps"][0]["parent_ids"] == []


def test_query_trace_prints_the_walk_as_a_tree(memory: str) -> None:
    api = _ask(memory, None, strategy="wide_branch", strategy_params={"n": 2})
    result = CliRunner().invoke(
        app,
        ["--db", memory, "query", "stars and planets?", "-s", "wide_branch", "--n", "2", "--trace"],
    )
    assert result.exit_code == 0, result.output
    walk = result.stdout[result.stdout.index("Walk (wide_branch") :]
    first = api.trace.levels[0].steps[0]
    assert f"Level 1: chose {len(first.chosen)} of {len(first.candidates)}" in walk
    for choice in first.chosen:
        assert (
            f"── {choice.name}  (relevance {choice.ranked_relevance} of {len(first.chosen)})"
            in walk
        )
    for path in api.paths:  # every used leaf is drawn, marked used
        assert any(path.names[-1] in line and "→ used" in line for line in walk.splitlines())
    assert "├── " in walk and "└── " in walk
    without = CliRunner().invoke(
        app, ["--db", memory, "query", "stars and planets?", "-s", "wide_branch", "--n", "2"]
    )
    assert "Walk (" not in without.stdout


@pytest.mark.parametrize("budget", [None, "tight"])
def test_prompt_tokens_is_an_exact_count_of_the_prompt_sent(
    memory: str, budget: str | None
) -> None:
    """Chunks are priced from their stored counts; what is reported is still a real count."""
    from memoir_ai.llm import prompts
    from memoir_ai.llm.schemas import LLMPurpose
    from tests.reference_tokenizers import reference_encoding

    encoding = reference_encoding("cl100k_base")  # the offline model's tokenizer
    wide = {"strategy": "wide_branch", "strategy_params": {"n": 4}}
    full = _ask(memory, None, **wide)
    options = dict(wide)
    if budget == "tight":  # some paths must be dropped: the plan then prices them exactly
        options["max_token_budget"] = full.prompt_tokens - 1
    result = _ask(memory, None, **options)
    sent = result.llm_calls[-1].request_text
    assert sent is not None
    exact = len(encoding.encode(prompts.instructions(LLMPurpose.ANSWER))) + len(
        encoding.encode(sent)
    )
    assert result.prompt_tokens == exact <= result.max_token_budget
    if budget == "tight":
        assert any(item.reason == "over_budget" for item in result.dropped_paths)
