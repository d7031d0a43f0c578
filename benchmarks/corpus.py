"""A deterministic, procedurally generated English corpus (about 1 MB) for the benchmarks.

Written for this project: sentences are assembled from a small vocabulary, invented
names and a few templates, so there is no third-party text and every run of every
version chunks exactly the same characters (its SHA-256 is recorded with the results).
"""

from __future__ import annotations

import hashlib
import random
from functools import lru_cache

SEED = 20261123
TARGET_CHARACTERS = 1_000_000

NOUNS = [
    "archive",
    "letter",
    "river",
    "garden",
    "station",
    "harbor",
    "lantern",
    "window",
    "morning",
    "winter",
    "village",
    "market",
    "bridge",
    "teacher",
    "doctor",
    "engineer",
    "farmer",
    "sailor",
    "record",
    "memory",
    "journal",
    "question",
    "answer",
    "library",
    "museum",
    "factory",
    "kitchen",
    "mountain",
    "valley",
    "forest",
    "island",
    "road",
    "railway",
    "council",
    "company",
    "family",
    "neighbor",
    "stranger",
    "soldier",
    "child",
    "grandmother",
    "storm",
    "harvest",
    "festival",
    "photograph",
    "telegram",
    "newspaper",
    "machine",
    "engine",
    "boat",
    "ship",
    "wagon",
    "horse",
    "dog",
    "clock",
    "map",
    "compass",
    "ledger",
    "promise",
    "secret",
    "reason",
    "problem",
    "method",
    "theory",
    "experiment",
]
VERBS = [
    "kept",
    "found",
    "carried",
    "wrote",
    "remembered",
    "described",
    "opened",
    "closed",
    "built",
    "repaired",
    "measured",
    "counted",
    "explained",
    "followed",
    "crossed",
    "visited",
    "painted",
    "planted",
    "borrowed",
    "returned",
    "hid",
    "discovered",
    "noticed",
    "recorded",
    "sent",
    "received",
    "shared",
    "questioned",
]
ADJECTIVES = [
    "old",
    "new",
    "quiet",
    "busy",
    "distant",
    "narrow",
    "wide",
    "careful",
    "bright",
    "dark",
    "cold",
    "warm",
    "early",
    "late",
    "small",
    "large",
    "ordinary",
    "strange",
    "honest",
    "patient",
    "hurried",
    "forgotten",
    "famous",
    "local",
]
ADVERBS = [
    "slowly",
    "quickly",
    "carefully",
    "rarely",
    "often",
    "nearly",
    "finally",
    "quietly",
    "openly",
]
LINKS = [
    "because",
    "although",
    "while",
    "after",
    "before",
    "when",
    "since",
    "until",
    "unless",
    "whereas",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "sa",
    "to",
    "vel",
    "an",
    "dor",
    "ith",
    "el",
    "ma",
    "ny",
    "ro",
    "su",
    "ber",
    "fen",
    "gal",
]


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = [self._name() for _ in range(60)]
        self.places = [
            self._name() + rng.choice(["ton", "ford", "by", " Falls", "wick"]) for _ in range(30)
        ]

    def _name(self) -> str:
        rng = self.rng
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    def phrase(self) -> str:
        rng = self.rng
        return (
            f"the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} "
            f"{rng.choice(VERBS)} {rng.choice(['a', 'the', 'every', 'one'])} {rng.choice(NOUNS)}"
        )

    def sentence(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.3:
            name, verb, place = rng.choice(self.names), rng.choice(VERBS), rng.choice(self.places)
            text = f"{name} {verb} {self.phrase()} in {place}"
        elif kind < 0.5:
            text = f"{self.phrase()} {rng.choice(LINKS)} {self.phrase()}"
        elif kind < 0.6:
            said = self.phrase().capitalize()
            text = f"\u201c{said}, {rng.choice(ADVERBS)},\u201d said {rng.choice(self.names)}"
        elif kind < 0.7:
            text = (
                f"In {rng.randint(1820, 1990)}, {rng.randint(2, 900)} people {rng.choice(VERBS)} "
                f"{self.phrase()} \u2014 {rng.choice(ADVERBS)} {rng.choice(LINKS)} {self.phrase()}"
            )
        else:
            text = f"{self.phrase()}, and {self.phrase()} {rng.choice(ADVERBS)}"
        return text[0].upper() + text[1:] + rng.choice([".", ".", ".", ".", "!", "?", ".\u2019"])

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 9)))


@lru_cache(maxsize=1)
def english_corpus(target: int = TARGET_CHARACTERS) -> str:
    """About ``target`` characters of prose in paragraphs, with a heading now and then."""
    writer = _Writer(random.Random(SEED))
    parts: list[str] = []
    size = 0
    chapter = 0
    while size < target:
        if writer.rng.random() < 0.04:
            chapter += 1
            block = f"## Chapter {chapter}: The {writer.rng.choice(NOUNS).title()}"
        else:
            block = writer.paragraph()
        parts.append(block)
        size += len(block) + 2
    return "\n\n".join(parts) + "\n"


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
