"""Broad subjects for the offline model's top level: a small, fixed, readable lexicon.

Word statistics alone cannot tell that a text on moon phases and one on
telescopes share a subject. A person filing them would open one drawer,
"Astronomy". This lexicon gives the offline stand-in that much general
knowledge: a few dozen common words for each of some twenty broad subjects.
When a chunk's keywords clearly point at one subject, its level-1 category is
that subject's name; otherwise the offline model names the category from the
chunk's own keywords, as before. Nothing here is learned or downloaded.
"""

from __future__ import annotations

from functools import lru_cache

from memoir_ai.llm import _lexical as lexical

__all__ = ["SUBJECTS", "subject_of", "subject_weight"]

# Distinct lexicon words a text must contain, and the share of its keyword
# weight they must carry, before a subject is named.
MIN_DISTINCT_WORDS = 3
MIN_WEIGHT = 0.06
# The winner must lead the runner-up by this factor, so a text that mixes two
# subjects evenly is named from its own words instead.
MIN_LEAD = 1.5

SUBJECTS: dict[str, str] = {
    "Astronomy": "astronomy astronomer planet star telescope orbit moon lunar solar sun galaxy "
    "comet asteroid meteor nebula eclipse constellation sky jupiter saturn mars venus "
    "mercury neptune uranus cosmos universe crater phase crescent gibbous observatory",
    "Food & Cooking": "recipe cook cooking bake baking bread dough flour oven yeast starter "
    "loaf crust kitchen sugar salt butter egg knead sourdough ferment flavour flavor taste "
    "dish meal sauce roast grams",
    "Sport": "football soccer match league season team player goal coach club striker "
    "midfielder defender keeper stadium transfer fixture cup championship tournament "
    "score win draw referee squad fans injury manager",
    "History": "medieval century king queen empire kingdom war battle castle knight dynasty "
    "ancient chronicle monastery crusade emperor reign feudal lord duke count charter",
    "Trade & Commerce": "trade merchant market fair goods cloth wool spice price commerce "
    "guild toll coin money ship cargo port harbour harbor sell buy exchange credit "
    "hanseatic warehouse",
    "Technology": "software computer program code algorithm data network server internet "
    "database engineer device digital machine processor memory application app web",
    "Health & Medicine": "health medicine doctor patient disease hospital treatment symptom "
    "drug vaccine therapy nurse diagnosis infection surgery clinic blood heart",
    "Nature & Biology": "animal plant species forest tree bird fish insect habitat ecology "
    "evolution cell gene organism flower leaf river wildlife",
    "Music": "music song melody rhythm band orchestra concert album guitar piano singer "
    "composer symphony chord note harmony",
    "Art": "painting painter artist sculpture gallery museum canvas portrait colour color "
    "exhibition drawing brush",
    "Literature": "novel poem poet poetry author writer story chapter character book "
    "literature fiction narrative verse",
    "Politics & Law": "government election parliament law court policy minister president "
    "vote party constitution senate legal judge rights",
    "Finance": "finance bank investment investor stock bond interest loan budget tax "
    "profit revenue inflation currency",
    "Science": "experiment theory physics chemistry atom molecule energy particle "
    "laboratory hypothesis research scientist measurement",
    "Travel": "travel journey trip tourist hotel flight passport luggage destination "
    "itinerary road route holiday",
    "Agriculture": "farm farmer harvest crop field soil cattle sheep grain wheat barley "
    "plough plow orchard",
}


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, frozenset[str]]:
    return {
        name: frozenset(lexical.stem(word) for word in words.split())
        for name, words in SUBJECTS.items()
    }


def subject_of(profile: lexical.Profile) -> str | None:
    """The broad subject a keyword profile clearly belongs to, or None."""
    scored = []
    for name, stems in _lexicon().items():
        hits = [stem for stem in stems if stem in profile.weights]
        if len(hits) >= MIN_DISTINCT_WORDS:
            scored.append((sum(profile.weights[stem] for stem in hits), name))
    if not scored:
        return None
    scored.sort(reverse=True)
    weight, name = scored[0]
    if weight < MIN_WEIGHT:
        return None
    if len(scored) > 1 and weight < MIN_LEAD * scored[1][0]:
        return None
    return name


def subject_weight(name: str, profile: lexical.Profile) -> float:
    """How much of ``profile`` falls on the lexicon of the subject called ``name`` (0 if none).

    Lets a question about "feeding a sourdough starter" find "Food & Cooking"
    although the two share no word.
    """
    stems = _lexicon().get(name)
    if not stems:
        return 0.0
    return sum(weight for stem, weight in profile.weights.items() if stem in stems)
