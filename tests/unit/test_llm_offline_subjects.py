"""The offline model files text usefully: one subject, one top-level category.

A miniature of the ingestion pipeline runs the real agents with the offline
model over the real prompts: a helper per source, then batches classified
level by level (or whole paths at once), with the categories created so far
fed back into the next prompt, as the pipeline does.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest

from memoir_ai.llm import prompts, schemas
from memoir_ai.llm.agents import AgentFactory
from memoir_ai.llm.schemas import LLMPurpose
from tests.corpus import SUBJECTS

DEPTH = 3
BATCH = 2


async def _helper(factory: AgentFactory, source_id: str, chunks: list[str]) -> str:
    prompt = prompts.helper_prompt(" ".join(chunks), source_id=source_id, file_name=source_id)
    helper, _ = await factory.call(schemas.GeneratedHelper, prompt, LLMPurpose.HELPER)
    return helper.to_text()


async def _file_level_by_level(
    factory: AgentFactory, sources: dict[str, list[str]]
) -> dict[tuple[str, int], tuple[str, ...]]:
    children: dict[tuple[str, ...], list[str]] = defaultdict(list)
    placed: dict[tuple[str, int], tuple[str, ...]] = {}
    for source_id, chunks in sources.items():
        helper = await _helper(factory, source_id, chunks)
        for start in range(0, len(chunks), BATCH):
            batch = list(enumerate(chunks[start : start + BATCH], start=start))
            paths: dict[int, tuple[str, ...]] = {index: () for index, _ in batch}
            for level in range(1, DEPTH + 1):
                by_parent: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
                for index, text in batch:
                    by_parent[paths[index]].append((index, text))
                for parent, members in by_parent.items():
                    shown = [prompts.PromptChunk(n, text) for n, (_, text) in enumerate(members, 1)]
                    existing = children[parent]
                    prompt = prompts.classification_prompt(
                        shown,
                        level=level,
                        depth=DEPTH,
                        existing=existing,
                        allow_new=True,
                        parent_path=parent,
                        helper=helper,
                    )
                    output_type = schemas.classification_output(existing, allow_new=True)
                    answer, _ = await factory.call(output_type, prompt, LLMPurpose.CLASSIFY)
                    assert [item.id for item in answer.chunks] == [c.id for c in shown]
                    for item, (index, _) in zip(answer.chunks, members, strict=True):
                        assert schemas.category_name_problem(item.category) is None
                        if item.category not in children[parent]:
                            children[parent].append(item.category)
                        paths[index] = (*parent, item.category)
            for index, _ in batch:
                placed[(source_id, index)] = paths[index]
    return placed


async def _file_whole_paths(
    factory: AgentFactory, sources: dict[str, list[str]]
) -> dict[tuple[str, int], tuple[str, ...]]:
    tree: list[tuple[str, ...]] = []
    placed: dict[tuple[str, int], tuple[str, ...]] = {}
    output_type = schemas.path_classification_output(DEPTH)
    for source_id, chunks in sources.items():
        helper = await _helper(factory, source_id, chunks)
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start : start + BATCH]
            shown = [prompts.PromptChunk(n, text) for n, text in enumerate(batch, 1)]
            prompt = prompts.path_classification_prompt(
                shown, depth=DEPTH, tree=tree, helper=helper
            )
            answer, _ = await factory.call(output_type, prompt, LLMPurpose.CLASSIFY)
            for offset, item in enumerate(answer.chunks):
                path = tuple(item.path)
                placed[(source_id, start + offset)] = path
                if path not in tree:
                    tree.append(path)
    return placed


def _top_levels(placed: dict[tuple[str, int], tuple[str, ...]]) -> dict[str, set[str]]:
    tops: dict[str, set[str]] = defaultdict(set)
    for (source_id, _), path in placed.items():
        tops[source_id.split("-")[0]].add(path[0])
    return tops


def _assert_one_top_category_per_subject(placed: dict[tuple[str, int], tuple[str, ...]]) -> None:
    assert all(len(path) == DEPTH for path in placed.values())
    tops = _top_levels(placed)
    for subject, names in tops.items():
        assert len(names) == 1, f"{subject} is split across {sorted(names)}"
    distinct = {next(iter(names)) for names in tops.values()}
    assert len(distinct) == len(SUBJECTS), f"subjects share a category: {dict(tops)}"


@pytest.mark.parametrize("structured_output", ["native", "tool"])
def test_level_by_level_keeps_each_subject_under_one_top_category(structured_output: str) -> None:
    from memoir_ai.llm.agents import LLMSettings

    factory = AgentFactory(LLMSettings(structured_output=structured_output))  # type: ignore[arg-type]
    placed = asyncio.run(_file_level_by_level(factory, SUBJECTS))
    _assert_one_top_category_per_subject(placed)
    # Deeper levels tell chunks apart: not everything of a subject is in one leaf.
    for subject in SUBJECTS:
        leaves = {path for (source, _), path in placed.items() if source == subject}
        assert len(leaves) > 1


def test_whole_paths_keep_each_subject_under_one_top_category() -> None:
    placed = asyncio.run(_file_whole_paths(AgentFactory(), SUBJECTS))
    _assert_one_top_category_per_subject(placed)


def test_a_second_source_on_a_known_subject_reuses_its_category() -> None:
    sources = dict(SUBJECTS)
    sources["astronomy-2"] = [
        "Saturn is a giant planet with bright rings of ice. Astronomers with small telescopes "
        "can see the rings and the largest moons of the planet.",
        "Stars are born in clouds of gas and dust called nebulae, and a young star may be "
        "surrounded by a disc in which planets form.",
    ]
    sources["cooking-2"] = [
        "Bake the pie in a hot oven until the pastry is golden; brush the dough with egg and "
        "sugar first, and serve the pie with the sauce.",
    ]
    placed = asyncio.run(_file_level_by_level(AgentFactory(), sources))
    tops = _top_levels(placed)
    assert len(tops["astronomy"]) == 1
    assert len(tops["cooking"]) == 1
    assert tops["astronomy"] != tops["cooking"]


def test_same_input_gives_the_same_tree() -> None:
    first = asyncio.run(_file_level_by_level(AgentFactory(), SUBJECTS))
    second = asyncio.run(_file_level_by_level(AgentFactory(), SUBJECTS))
    assert first == second


def test_sources_on_one_subject_with_few_shared_words_share_the_top_category() -> None:
    # Moon phases and telescopes share almost no words; the broad-subject lexicon
    # still files both under one top-level category, as a person would.
    sources = {
        "moon": [
            "The lunar cycle runs from new moon to full moon: a thin crescent grows into a "
            "gibbous moon as the Sun lights more of the side we can see from Earth.",
        ],
        "telescopes": [
            "A small telescope shows the rings of Saturn and the four large moons of Jupiter; "
            "an observatory on a high mountain sees faint galaxies and comets.",
        ],
        "bread": [
            "Knead the dough, let the yeast work overnight, and bake the loaf in a hot oven "
            "until the crust sings when you tap it.",
        ],
    }
    tops = _top_levels(asyncio.run(_file_level_by_level(AgentFactory(), sources)))
    assert tops["moon"] == tops["telescopes"] == {"Astronomy"}
    assert tops["bread"] == {"Food & Cooking"}


def test_a_subject_is_named_only_when_the_words_clearly_point_at_it() -> None:
    from memoir_ai.llm._lexical import profile
    from memoir_ai.llm._subjects import subject_of

    assert subject_of(profile("The striker scored, the team won the league match.")) == "Sport"
    # Too few lexicon words, or two subjects mixed evenly: no subject, keywords decide.
    assert subject_of(profile("The committee met on Tuesday to discuss the agenda.")) is None
    assert (
        subject_of(profile("The planet and the star and the telescope; the bread, dough and oven."))
        is None
    )


def test_a_question_finds_its_subject_without_sharing_a_word_with_its_name() -> None:
    from memoir_ai.llm._lexical import profile
    from memoir_ai.llm._subjects import subject_weight

    question = profile("How do I feed a sourdough starter?")
    assert subject_weight("Food & Cooking", question) > 0
    assert subject_weight("Astronomy", question) == 0
    assert subject_weight("Starter & Feed", question) == 0  # not a subject: names score it


def test_sentences_join_hard_wrapped_lines_and_keep_headings_apart() -> None:
    from memoir_ai.llm._lexical import sentences

    text = "# Title\n\nA starter is flour and water in which\nwild yeasts live. They eat!\n- one\n"
    assert sentences(text) == [
        "# Title",
        "A starter is flour and water in which wild yeasts live.",
        "They eat!",
        "- one",
    ]
