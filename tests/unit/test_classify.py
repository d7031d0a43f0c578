"""Batch classification without a database: prompts, answers, retries alone, limits, modes.

The model is a pydantic-ai FunctionModel that reads the typed inputs the agent
sends with the real prompt (chunks, level, existing names) and answers by rule
(the category is a word written in the chunk), misbehaving on purpose for
chosen chunks; every prompt it receives is counted.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel

from memoir_ai.database.categories import CategoryRow
from memoir_ai.errors import ClassificationError
from memoir_ai.ingest._tree import WorkingTree
from memoir_ai.ingest.classify import ClassificationOptions, Classifier
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.inputs import ClassificationInputs, PathClassificationInputs
from memoir_ai.llm.models import LLMSettings
from tests.fakes import first_prompt, inputs_of, respond_with

BLOCK = re.compile(r'^Chunk (\d+):\n"""\n(.*?)\n"""$', re.M | re.S)


def topic(text: str, level: int = 1) -> str:
    """The rule: a chunk 'cat:Astronomy/Stars/Sun ...' belongs under that path."""
    path = text.split()[0].removeprefix("cat:").split("/")
    return path[level - 1]


@dataclass
class RuleModel:
    """Answers classification prompts by rule; ``tricks`` spoil the first answer for a chunk."""

    tricks: dict[str, str] = field(default_factory=dict)
    prompts: list[str] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    peak: int = 0
    delay: float = 0.0
    down: Exception | None = None

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        prompt = first_prompt(messages)
        self.prompts.append(prompt)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.down is not None:
                raise self.down
            return respond_with(info, self.answer(inputs_of(messages)))
        finally:
            self.in_flight -= 1

    def answer(self, inputs: ClassificationInputs | PathClassificationInputs) -> dict[str, Any]:
        paths = isinstance(inputs, PathClassificationInputs)
        entries: list[dict[str, Any]] = []
        for chunk in inputs.chunks:
            number, text = chunk.id, chunk.text
            self.sent[text] += 1
            trick = (
                self.tricks.get(text) if len(inputs.chunks) > 1 or self.sent[text] == 1 else None
            )
            if isinstance(inputs, PathClassificationInputs):
                depth = len(text.split()[0].split("/"))
                entry: dict[str, Any] = {
                    "id": number,
                    "path": [topic(text, lv) for lv in range(1, depth + 1)],
                }
            elif not inputs.allow_new:  # a well-behaved model picks a listed name
                entry = {"id": number, "category": inputs.existing[0]}
            else:
                entry = {"id": number, "category": topic(text, inputs.level)}
            if trick == "missing":
                continue
            if trick == "duplicate":
                entries += [entry, {**entry}]
                continue
            if trick == "unknown-id":
                entry["id"] = 99
            elif trick == "blank":
                entry["category" if not paths else "path"] = (
                    "  " if not paths else ["  "] * len(entry["path"])
                )
            elif trick == "control":
                entry["category"] = "Bad\x07Name"
            elif trick == "too-long":
                entry["category"] = "Notes about several things of the kind " * 4
            entries.append(entry)
        return {"chunks": entries}

    def model(self) -> FunctionModel:
        return FunctionModel(self, model_name="rules")


def classifier(
    model: RuleModel,
    *,
    depth: int = 1,
    batch_size: int = 5,
    limits: dict[int, int] | None = None,
    mode: str = "level_by_level",
    rows: list[CategoryRow] | None = None,
    max_concurrency: int = 8,
) -> Classifier:
    tree = WorkingTree.from_rows(
        rows or [], depth, limits or dict.fromkeys(range(1, depth + 1), 100)
    )
    agents = AgentFactory(
        LLMSettings(max_concurrency=max_concurrency, retry_base_seconds=0.0), model=model.model()
    )
    options = ClassificationOptions(depth=depth, batch_size=batch_size, mode=mode)  # type: ignore[arg-type]
    return Classifier(agents, tree, options)


def texts(*paths: str) -> list[str]:
    return [f"cat:{path} chunk {index} text" for index, path in enumerate(paths)]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_prompt_has_numbered_blocks_and_order_is_kept_across_batches() -> None:
    model = RuleModel()
    chunks = texts(*(["Alpha", "Beta", "Gamma"] * 4))
    paths = run(classifier(model, batch_size=5).classify(chunks))
    assert paths == [(topic(text),) for text in chunks]
    assert len(model.prompts) == 3  # 12 chunks, 5 per call
    first = model.prompts[0]
    assert 'Chunk 1:\n"""\n' + chunks[0] + '\n"""' in first
    assert "Chunk 5:" in first and "Chunk 6:" not in first
    assert 'Example of the form only (other chunks, other names): {"chunks": [' in first


@pytest.mark.parametrize("batch_size", [1, 7, 50])
def test_batch_size_sets_the_chunks_per_call(batch_size: int) -> None:
    model = RuleModel()
    chunks = texts(*(["Alpha"] * 60))
    run(classifier(model, batch_size=batch_size).classify(chunks))
    assert len(model.prompts) == -(-60 // batch_size)


@pytest.mark.parametrize("trick", ["missing", "duplicate", "unknown-id", "blank", "control"])
def test_a_bad_answer_is_retried_alone_and_the_others_never_resent(trick: str) -> None:
    model = RuleModel()
    chunks = texts("Alpha", "Beta", "Gamma", "Delta", "Epsilon")
    model.tricks = {chunks[2]: trick}
    paths = run(classifier(model, batch_size=5).classify(chunks))
    assert paths == [(topic(text),) for text in chunks]
    assert len(model.prompts) == 2
    retry = model.prompts[1]
    assert BLOCK.findall(retry) == [("1", chunks[2])]  # alone, renumbered 1
    assert model.sent == Counter({**dict.fromkeys(chunks, 1), chunks[2]: 2})


def test_an_over_long_name_is_sent_back_once_with_the_reason_then_shortened() -> None:
    model = RuleModel()
    chunks = texts("Alpha", "Beta", "Gamma", "Delta", "Epsilon")
    model.tricks = {chunks[2]: "too-long"}
    instance = classifier(model, batch_size=5)
    paths = run(instance.classify(chunks))
    assert len(model.prompts) == 2  # the batch, then the batch again with the reason
    assert paths[2] == ("Notes about several things",)  # still too long: shortened, not resent
    assert [path for index, path in enumerate(paths) if index != 2] == [
        (topic(text),) for index, text in enumerate(chunks) if index != 2
    ]
    (record,) = instance.records
    assert record.requests == 2
    assert any("has 155 characters, more than 60" in note for note in record.notes)


def test_a_chunk_that_never_gets_a_usable_answer_is_a_classification_error() -> None:
    model = RuleModel()
    chunks = texts("Alpha", "Beta")
    model.tricks = {chunks[1]: "blank"}
    model.sent = Counter()

    class Stubborn(RuleModel):
        def answer(self, inputs: Any) -> dict[str, Any]:
            texts_sent = " ".join(chunk.text for chunk in inputs.chunks)
            return {"chunks": [{"id": 1, "category": "ok"}] if "Beta" not in texts_sent else []}

    stubborn = Stubborn()
    with pytest.raises(ClassificationError, match="Chunk 2 could not be classified") as raised:
        run(classifier(stubborn, batch_size=2).classify(chunks))
    assert "Fix:" in str(raised.value)
    assert len(stubborn.prompts) == 1 + 3  # the batch, then the chunk alone 3 times (2 retries)


def test_existing_categories_are_shown_and_reused() -> None:
    model = RuleModel()
    rows = [CategoryRow(1, "Alpha", 1, None), CategoryRow(2, "Omega", 1, None)]
    paths = run(classifier(model, rows=rows).classify(texts("Alpha", "Beta")))
    assert paths == [("Alpha",), ("Beta",)]
    assert "- Alpha\n- Omega" in model.prompts[0]


def test_a_full_level_admits_only_existing_names_in_the_schema() -> None:
    model = RuleModel()
    rows = [CategoryRow(1, "Alpha", 1, None), CategoryRow(2, "Omega", 1, None)]

    seen_schemas: list[dict[str, Any]] = []

    async def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        schema = (
            info.output_tools[0].parameters_json_schema
            if info.output_tools
            else info.model_request_parameters.output_object.json_schema  # type: ignore[union-attr]
        )
        seen_schemas.append(schema)
        return await model(messages, info)

    tree = WorkingTree.from_rows(rows, 1, {1: 2})
    agents = AgentFactory(LLMSettings(), model=FunctionModel(answer, model_name="rules"))
    paths = run(Classifier(agents, tree, ClassificationOptions(depth=1)).classify(texts("Beta")))
    assert paths == [("Alpha",)]
    assert tree.count(1) == 2
    assert '"enum": ["Alpha", "Omega"]' in str(seen_schemas[0]).replace("'", '"')
    assert "Level 1 is full" in model.prompts[0]


def test_limits_are_never_exceeded_new_names_beyond_the_room_are_retried_with_a_literal() -> None:
    names: list[str] = []

    async def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        inputs = inputs_of(messages)
        entries = [
            {"id": chunk.id, "category": topic(chunk.text) if inputs.allow_new else "Alpha"}
            for chunk in inputs.chunks
        ]
        names.extend(entry["category"] for entry in entries)
        return respond_with(info, {"chunks": entries})

    tree = WorkingTree(1, {1: 2})
    agents = AgentFactory(LLMSettings(), model=FunctionModel(answer, model_name="rules"))
    chunks = texts("Alpha", "Beta", "Gamma", "Delta")
    paths = asyncio.run(Classifier(agents, tree, ClassificationOptions(depth=1)).classify(chunks))
    assert paths == [("Alpha",), ("Beta",), ("Alpha",), ("Alpha",)]
    assert tree.count(1) == 2


def test_level_by_level_groups_chunks_by_parent_and_shows_only_its_children() -> None:
    model = RuleModel()
    rows = [
        CategoryRow(1, "Sky", 1, None),
        CategoryRow(2, "Stars", 2, 1),
        CategoryRow(3, "Food", 1, None),
        CategoryRow(4, "Bread", 2, 3),
    ]
    chunks = texts("Sky/Stars", "Food/Bread", "Sky/Moon")
    paths = run(classifier(model, depth=2, rows=rows).classify(chunks))
    assert paths == [("Sky", "Stars"), ("Food", "Bread"), ("Sky", "Moon")]
    assert len(model.prompts) == 3  # level 1 once, level 2 once per parent
    sky = next(p for p in model.prompts if "Parent path: Sky" in p)
    assert "- Stars" in sky and "- Bread" not in sky
    assert len(BLOCK.findall(sky)) == 2


def test_whole_paths_take_one_call_per_batch() -> None:
    model = RuleModel()
    chunks = texts("Sky/Stars/Sun", "Food/Bread/Rye", "Sky/Stars/Vega")
    paths = run(classifier(model, depth=3, mode="whole_path").classify(chunks))
    assert paths == [("Sky", "Stars", "Sun"), ("Food", "Bread", "Rye"), ("Sky", "Stars", "Vega")]
    assert len(model.prompts) == 1
    assert "path of exactly 3 levels" in model.prompts[0]


def test_auto_prefers_whole_paths_for_a_small_tree_and_levels_for_a_big_one() -> None:
    small = RuleModel()
    run(classifier(small, depth=3, mode="auto").classify(texts("A/B/C", "A/B/D")))
    assert len(small.prompts) == 1 and "path of exactly" in small.prompts[0]

    rows = []
    for index in range(1, 400):
        rows.append(CategoryRow(index, f"Top category number {index}", 1, None))
    big = RuleModel()
    tree_rows = [
        *rows,
        *(CategoryRow(1000 + i, f"Child {i}", 2, i) for i in range(1, 400)),
        *(CategoryRow(2000 + i, f"Leaf {i}", 3, 1000 + i) for i in range(1, 400)),
    ]
    limits = dict.fromkeys((1, 2, 3), 1000)
    run(
        classifier(big, depth=3, mode="auto", rows=tree_rows, limits=limits).classify(
            texts("A/B/C")
        )
    )
    assert all("path of exactly" not in prompt for prompt in big.prompts)
    assert len(big.prompts) == 3


def test_auto_keeps_whole_paths_when_a_level_is_full() -> None:
    model = RuleModel()
    rows = [CategoryRow(1, "A", 1, None), CategoryRow(2, "B", 2, 1)]
    limits = {1: 1, 2: 5}
    run(classifier(model, depth=2, mode="auto", rows=rows, limits=limits).classify(texts("A/C")))
    assert len(model.prompts) == 1 and "path of exactly" in model.prompts[0]
    assert "Level 1 is full" in model.prompts[0]


def test_a_full_level_closes_the_levels_above_it_in_the_prompt() -> None:
    # A new level-1 category would need a new level-2 child, and level 2 is full.
    model = RuleModel()
    rows = [CategoryRow(1, "A", 1, None), CategoryRow(2, "B", 2, 1)]
    limits = {1: 5, 2: 1}
    run(classifier(model, depth=2, mode="auto", rows=rows, limits=limits).classify(texts("A/B")))
    assert "Level 1 is full" in model.prompts[0] and "Level 2 is full" in model.prompts[0]


def test_whole_path_answer_that_breaks_a_limit_is_retried_level_by_level() -> None:
    model = RuleModel()
    rows = [CategoryRow(1, "A", 1, None), CategoryRow(2, "B", 2, 1)]
    chunks = texts("Z/Y", "W/V")
    tree_limits = {1: 2, 2: 5}
    instance = classifier(model, depth=2, mode="whole_path", rows=rows, limits=tree_limits)
    paths = run(instance.classify(chunks))
    assert paths[0] == ("Z", "Y")  # the first new top category fits
    assert paths[1][0] in {"A", "Z"}  # level 1 is then full: an existing name was forced
    assert instance.tree.count(1) == 2
    assert "path of exactly" in model.prompts[0]
    assert "Level 1 is full" in model.prompts[1]
    assert BLOCK.findall(model.prompts[1]) == [("1", chunks[1])]


def test_batches_run_concurrently_within_max_concurrency() -> None:
    model = RuleModel(delay=0.02)
    chunks = texts(*(["Alpha"] * 40))
    run(classifier(model, batch_size=2, max_concurrency=3).classify(chunks))
    assert len(model.prompts) == 20
    assert model.peak == 3


def test_concurrent_batches_see_the_categories_planned_before_their_call() -> None:
    # Ten batches, two calls at a time: a prompt must show what earlier calls of the same
    # ingestion planned, or every batch would invent names against the same empty tree.
    model = RuleModel(delay=0.01)
    subjects = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]
    chunks = texts(*(subjects * 10))
    run(classifier(model, batch_size=5, max_concurrency=2).classify(chunks))
    assert len(model.prompts) == 10
    assert "none yet" in model.prompts[0]
    # The first batch seeds the empty tree alone; every later prompt lists all it planned.
    for prompt in model.prompts[1:]:
        assert "none yet" not in prompt
        assert all(f"- {name}" in prompt for name in subjects)


def test_the_first_batch_into_an_empty_tree_runs_alone() -> None:
    model = RuleModel(delay=0.02)
    run(classifier(model, batch_size=1, max_concurrency=4).classify(texts("Alpha", "Beta")))
    assert model.peak == 1  # the second call waited for the seed


def test_a_provider_down_for_good_is_a_classification_error_with_its_records() -> None:
    from pydantic_ai.exceptions import ModelHTTPError

    model = RuleModel(down=ModelHTTPError(503, "rules", "down"))
    instance = classifier(model, batch_size=5)
    instance.agents.settings = LLMSettings(transport_attempts=3, retry_base_seconds=0.0)
    with pytest.raises(ClassificationError, match="Classification failed") as raised:
        run(instance.classify(texts("Alpha", "Beta")))
    assert raised.value.__cause__ is not None
    assert len(model.prompts) == 3  # bounded retries
    assert [record.outcome for record in instance.records] == ["error"]
    assert instance.records[0].attempts == 3


def test_the_offline_model_respects_a_full_level_with_a_single_name() -> None:
    from memoir_ai.llm.offline import offline_model

    tree = WorkingTree.from_rows([CategoryRow(1, "Gardening", 1, None)], 1, {1: 1})
    agents = AgentFactory(LLMSettings(), model=offline_model())
    paths = run(
        Classifier(agents, tree, ClassificationOptions(depth=1)).classify(
            ["Football players kick the ball towards the goal during the match."]
        )
    )
    assert paths == [("Gardening",)]  # a one-value Literal is a JSON-schema const


def test_each_batch_is_logged_with_chunks_sent_successes_retries_and_latency(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    model = RuleModel()
    chunks = texts("Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta")
    model.tricks = {chunks[2]: "blank"}
    with caplog.at_level(logging.INFO, logger="memoir_ai.ingest.classify"):
        run(classifier(model, batch_size=5).classify(chunks))
    batches = [
        record.getMessage() for record in caplog.records if record.getMessage().startswith("Batch ")
    ]
    assert len(batches) == 2
    first, second = sorted(batches)
    assert first.startswith("Batch 1: 5 chunk(s) sent, 5 classified, 1 retried alone, 2 call(s)")
    assert second.startswith("Batch 2: 2 chunk(s) sent, 2 classified, 0 retried alone, 1 call(s)")
    assert all(re.search(r", \d+\.\d\ds$", line) for line in batches)
