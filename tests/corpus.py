"""Texts and small memories shared by the tests (data and helpers, no tests here).

``SUBJECTS`` are five short paragraphs on each of four subjects with few words in
common, so that the offline model files each subject under its own branch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, text

if TYPE_CHECKING:
    from memoir_ai import LoggedCallDetail, MemoirAI
    from memoir_ai.ingest.results import IngestResult

__all__ = [
    "HELPERS",
    "REJECT_ZEBRA_CHUNKS",
    "SETTINGS",
    "SUBJECTS",
    "build_memory",
    "execute",
    "logged_calls",
    "rows",
]

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

# Small chunks, so that every paragraph is a chunk of its own.
SETTINGS: dict[str, Any] = {"chunk_min_tokens": 40, "chunk_max_tokens": 80, "batch_size": 4}
HELPERS = {
    name: f"Notes about {name}, written for a test of the query pipeline." for name in SUBJECTS
}


def build_memory(
    instance: MemoirAI, subjects: tuple[str, ...] = tuple(SUBJECTS)
) -> list[IngestResult]:
    """Ingest one source per subject with a user-provided helper (no helper call)."""
    return [
        instance.ingest_text_sync(
            "\n\n".join(SUBJECTS[name]), f"{name}.md", contextual_helper=HELPERS[name]
        )
        for name in subjects
    ]


def rows(database_url: str, sql: str, **params: Any) -> list[Any]:
    """The rows of ``sql`` read through a connection of its own."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()


def logged_calls(database_url: str, operation_id: str | None = None) -> list[LoggedCallDetail]:
    """Every recorded call (of one operation) in id order, with its exact request and response.

    The payload columns hold packed text; the public API gives the texts back.
    """
    from memoir_ai import MemoirAI

    with MemoirAI(database_url=database_url) as memoir:
        details = [memoir.llm_call(call.id) for call in memoir.llm_calls()]
    details.sort(key=lambda call: call.id)
    return [call for call in details if operation_id in (None, call.operation_id)]


# A real trigger on each backend that refuses any chunk containing the word ZEBRA, as a
# database refuses rows that break one of its rules.
REJECT_ZEBRA_CHUNKS = {
    "sqlite": [
        "CREATE TRIGGER reject_chunk BEFORE INSERT ON chunks WHEN NEW.content LIKE '%ZEBRA%' "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION reject_chunk() RETURNS trigger AS $$ BEGIN "
        "IF NEW.content LIKE '%ZEBRA%' THEN RAISE EXCEPTION 'injected failure'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER reject_chunk BEFORE INSERT ON chunks FOR EACH ROW "
        "EXECUTE FUNCTION reject_chunk()",
    ],
    "mysql": [
        "CREATE TRIGGER reject_chunk BEFORE INSERT ON chunks FOR EACH ROW BEGIN "
        "IF NEW.content LIKE '%ZEBRA%' THEN "
        "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END"
    ],
}


def execute(database_url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run ``statements`` in one transaction of a connection of its own; the last one's rows."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            result: list[tuple[Any, ...]] = []
            for statement in statements:
                cursor = connection.execute(text(statement))
                result = [tuple(row) for row in cursor] if cursor.returns_rows else []
            return result
    finally:
        engine.dispose()
