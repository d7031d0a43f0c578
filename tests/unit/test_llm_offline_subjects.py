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

SUBJECTS = {
    "astronomy": [
        "The Sun is a middle-aged star of the main sequence. Like every star it shines because "
        "hydrogen fuses into helium in its core, and the energy of that fusion slowly works its "
        "way out to the surface of the star.",
        "Jupiter is the largest planet of the solar system. The planet has dozens of moons, and "
        "its Great Red Spot is a storm larger than the Earth that astronomers have watched "
        "through telescopes for centuries.",
        "A telescope collects light from distant stars and galaxies. Astronomers use large "
        "mirrors to gather faint light, and space telescopes above the atmosphere see planets, "
        "nebulae and galaxies far more sharply.",
        "When a massive star runs out of fuel, its core collapses and the star explodes as a "
        "supernova. What remains may be a neutron star or a black hole, and the scattered gas "
        "forms new stars and planets.",
        "The Moon orbits the Earth every twenty-seven days. Its gravity raises the tides, and "
        "during a solar eclipse the Moon passes between the Sun and the Earth and hides the "
        "disc of the star.",
    ],
    "cooking": [
        "To bake bread, mix flour, water, salt and yeast into a dough. Knead the dough until it "
        "is smooth, let it rise in a warm kitchen, then bake the loaf in a hot oven until the "
        "crust is brown.",
        "A good tomato sauce starts with olive oil, garlic and onions cooked slowly in a pan. "
        "Add the tomatoes, a pinch of salt and fresh basil, and let the sauce simmer before you "
        "pour it over the pasta.",
        "Roast vegetables in the oven with olive oil and herbs. Cut the carrots, potatoes and "
        "onions into even pieces so they cook at the same speed, and turn them once so every "
        "side browns.",
        "For a simple cake, beat butter and sugar, add eggs one at a time, then fold in the "
        "flour. Bake the batter in a buttered tin and let the cake cool before you spread the "
        "icing.",
        "Season a steak with salt and pepper, sear it in a very hot pan with a little oil, then "
        "let the meat rest. Resting keeps the juices in the meat, and a knob of butter adds "
        "flavour to the sauce.",
    ],
    "football": [
        "A football match lasts ninety minutes, played in two halves. Each team fields eleven "
        "players, and the goalkeeper is the only player allowed to handle the ball inside the "
        "penalty area.",
        "The striker scored twice in the second half, and the team won the league match three "
        "goals to one. The coach praised the midfield players for winning the ball and passing "
        "it forward quickly.",
        "A penalty kick is awarded when a defender fouls an attacking player inside the penalty "
        "area. The ball is placed on the spot, and only the goalkeeper may try to stop the shot "
        "at goal.",
        "The World Cup brings national teams together every four years. Fans travel across the "
        "world to watch the matches, and the final is the most watched football game on the "
        "planet.",
        "The offside rule stops attackers from waiting near the goal. A player is offside when "
        "the ball is passed to him and he is nearer to the goal line than the ball and the "
        "second-last defender.",
    ],
    "medieval": [
        "In 1066 William of Normandy crossed the Channel and defeated King Harold at the Battle "
        "of Hastings. The Norman conquest changed the language, the nobility and the castles of "
        "England.",
        "A medieval castle was built to defend a lord and his lands. Thick stone walls, towers, "
        "a moat and a drawbridge protected the knights, soldiers and servants who lived inside "
        "the castle.",
        "Knights swore loyalty to their king or lord and fought on horseback in armour. In "
        "return for service in war, a knight received land, and peasants worked that land under "
        "the feudal system.",
        "The Black Death swept across medieval Europe in the fourteenth century. The plague "
        "killed perhaps a third of the population, and the shortage of peasants weakened the "
        "feudal lords.",
        "Monasteries were centres of learning in the Middle Ages. Monks copied manuscripts by "
        "hand, kept chronicles of kings and battles, and ran schools long before the first "
        "universities.",
    ],
}
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
