"""The offline model's curation: near-duplicate siblings by the words of their names and chunks."""

from __future__ import annotations

from memoir_ai.llm._offline_curate import propose_merges
from memoir_ai.llm.inputs import CurationCandidate as Candidate


def test_the_offline_model_proposes_by_shared_words() -> None:
    merges = propose_merges(
        [
            Candidate("Linux & Util", 2, ("kernel", "shell")),
            Candidate("Util & Linux", 5, ("kernel", "grep")),
            Candidate("Moon & Phases", 3, ("moon", "phase", "light")),
            Candidate("Moon & Tides", 3, ("moon", "tide", "sea")),
            Candidate("Kernel Modules", 1, ("kernel", "shell")),
        ]
    )
    assert merges == [
        {
            "category": "Linux & Util",
            "into": "Util & Linux",  # more chunks
            "reason": "'Linux & Util' and 'Util & Linux' are named with the same words.",
        }
    ]
    overlap = propose_merges(
        [
            Candidate("Moon & Phases", 3, ("moon", "phase", "light")),
            Candidate("Moon & Light", 1, ("moon", "phase", "lights")),
        ]
    )
    assert [(m["category"], m["into"]) for m in overlap] == [("Moon & Light", "Moon & Phases")]
    assert "share the name word 'moon'" in overlap[0]["reason"]
