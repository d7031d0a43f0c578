"""Each front door has its own words, and only the CLI's name ``memoir`` commands (pure)."""

from __future__ import annotations

import re
from dataclasses import astuple
from typing import get_args

from memoir_ai.door_words import DOOR_WORDS, words_for
from memoir_ai.maintenance.results import FrontDoor
from memoir_ai.query.wording import QUERY_WORDINGS

COMMAND = re.compile(r"\bmemoir (tree|sources|log|category|chunk|show|ingest|query)\b")


def test_every_front_door_has_words_and_a_query_wording() -> None:
    assert set(DOOR_WORDS) == set(get_args(FrontDoor)) == set(QUERY_WORDINGS)
    for door in DOOR_WORDS:
        words = words_for(door)
        assert words.door == door and words.query is QUERY_WORDINGS[door]


def test_only_the_cli_names_cli_commands() -> None:
    for door, words in DOOR_WORDS.items():
        named = [field for field in astuple(words) if COMMAND.search(field)]
        assert (named != []) == (door == "cli"), (door, named)
        assert (COMMAND.search(str(astuple(words.query))) is not None) == (door == "cli"), door
