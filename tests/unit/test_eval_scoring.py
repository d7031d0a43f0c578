"""The pieces of ``memoir eval`` that touch nothing: the dataset reader, the scores, the prices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from memoir_ai.errors import ValidationError
from memoir_ai.evaluation import EvalEvidence, EvalQuestion, load_dataset, parse_dataset
from memoir_ai.evaluation.scoring import (
    ReadChunk,
    Reading,
    contains_phrase,
    holds,
    score_question,
    summarize_strategy,
)
from memoir_ai.llm.pricing import price_note, price_of

ANSWERABLE = EvalQuestion(
    id="a",
    question="When is the harvest?",
    evidence=(
        EvalEvidence(source_id="farm.md", quote="harvest is in autumn"),
        EvalEvidence(source_id="river.md", quote="the ferry leaves at noon"),
    ),
    answer_keywords=("autumn", "noon", "dusk", "orchard"),
)
UNANSWERABLE = EvalQuestion(id="u", question="What about dragons?")


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("The harvest is in Autumn.", "autumn", True),
        ("We start early.", "art", False),  # whole words only
        ("He scored twenty-two goals", "twenty-two", True),
        ("closes at the end of\n  August", "end of August", True),
        ("twenty-two", "two", True),  # a hyphen separates words
        ("£76 years", "76 years", True),
        ("1356", "135", False),
    ],
)
def test_keywords_are_whole_words_case_and_spacing_ignored(
    text: str, phrase: str, expected: bool
) -> None:
    assert contains_phrase(text, phrase) is expected


def test_a_chunk_holds_evidence_of_its_own_source_only() -> None:
    evidence = EvalEvidence(source_id="farm.md", quote="Harvest is\nin   autumn")
    assert holds(ReadChunk(1, "farm.md", "The harvest  is in AUTUMN, late."), evidence)
    assert not holds(ReadChunk(2, "other.md", "The harvest is in autumn."), evidence)
    assert not holds(ReadChunk(3, "farm.md", "The harvest is in spring."), evidence)
    typed = EvalEvidence(source_id="farm.md", quote="the \u201cold Moon\u201d \u2013 it\u2019s")
    assert holds(ReadChunk(4, "farm.md", 'Called the "old Moon" - it\'s late.'), typed)


def test_scores_of_one_answerable_question_by_hand() -> None:
    reading = Reading(
        "answered",
        answer="The harvest is in autumn, in the orchard.",
        chunks=(
            ReadChunk(1, "farm.md", "The harvest is in autumn."),
            ReadChunk(2, "farm.md", "Orchards need pruning."),
            ReadChunk(3, "river.md", "Boats sail."),
        ),
        cited_chunk_ids=(1, 2, 1),
        calls=4,
        input_tokens=100,
        output_tokens=20,
        latency_seconds=0.5,
        cost_usd=0.001,
    )
    result = score_question(ANSWERABLE, reading)
    assert [check.found_in for check in result.evidence] == [(1,), ()]
    assert result.evidence_recall == 0.5  # one of two quotes read
    assert result.cited_chunk_ids == (1, 2)  # duplicates dropped
    assert result.cited_with_evidence == (1,)
    assert result.citation_precision == 0.5  # chunk 1 of the cited 1 and 2
    assert result.keywords_found == ("autumn", "orchard")
    assert result.keywords_missed == ("noon", "dusk")
    assert result.answer_containment == 0.5
    assert not result.not_in_memory


@pytest.mark.parametrize(
    ("reading", "not_in_memory"),
    [
        (Reading("answered", answer="Nothing here.", chunks=(ReadChunk(1, "f", "x"),)), True),
        (Reading("nothing_found"), True),
        (Reading("answered", answer="Dragons!", cited_chunk_ids=(1,)), False),
        (Reading("error", error="the model failed"), False),
    ],
)
def test_an_unanswerable_question_is_right_only_when_not_in_memory(
    reading: Reading, not_in_memory: bool
) -> None:
    result = score_question(UNANSWERABLE, reading)
    assert result.not_in_memory is not_in_memory
    assert result.answer_containment == (1.0 if not_in_memory else 0.0)
    assert result.evidence_recall is None and result.citation_precision is None


def test_an_answer_that_cites_nothing_has_no_precision_and_no_keywords() -> None:
    result = score_question(ANSWERABLE, Reading("answered", answer="I cannot tell."))
    assert result.citation_precision is None
    assert result.evidence_recall == 0.0
    assert result.answer_containment == 0.0
    assert result.not_in_memory


def test_means_are_per_question_over_those_each_applies_to() -> None:
    no_keywords = EvalQuestion(
        id="k", question="q?", evidence=(EvalEvidence(source_id="farm.md", quote="harvest"),)
    )
    results = [
        score_question(  # recall 1/2, precision 1, containment 1/4, 2 calls, $0.002
            ANSWERABLE,
            Reading(
                "answered",
                answer="autumn",
                chunks=(ReadChunk(1, "farm.md", "harvest is in autumn"),),
                cited_chunk_ids=(1,),
                calls=2,
                input_tokens=10,
                output_tokens=2,
                latency_seconds=1.0,
                cost_usd=0.002,
            ),
        ),
        score_question(  # recall 1, precision 0 (cites a chunk without evidence), no keywords
            no_keywords,
            Reading(
                "answered",
                answer="x",
                chunks=(ReadChunk(1, "farm.md", "harvest"), ReadChunk(2, "farm.md", "y")),
                cited_chunk_ids=(2,),
                calls=4,
                input_tokens=30,
                output_tokens=6,
                latency_seconds=3.0,
                cost_usd=0.004,
            ),
        ),
        score_question(UNANSWERABLE, Reading("nothing_found", latency_seconds=9.0)),
        score_question(UNANSWERABLE, Reading("error", error="boom", latency_seconds=9.0)),
    ]
    summary = summarize_strategy("one_shot", "tree", results, wall_seconds=2.0)
    assert summary.evidence_recall == pytest.approx((0.5 + 1) / 2)
    assert summary.citation_precision == pytest.approx((1 + 0) / 2)
    assert summary.answer_containment == pytest.approx((0.25 + 1 + 0) / 3)
    assert summary.keyword_containment == pytest.approx(0.25)
    assert summary.not_in_memory_rate == pytest.approx(0.5)
    assert (summary.answered, summary.nothing_found, summary.errors) == (2, 1, 1)
    # Spending: means over the two answered questions.
    assert summary.calls_per_question == pytest.approx(3.0)
    assert summary.tokens_per_question == pytest.approx((12 + 36) / 2)
    assert summary.latency_seconds_per_question == pytest.approx(2.0)
    assert summary.cost_usd_per_question == pytest.approx(0.003)
    unpriced = results[0].model_copy(update={"cost_usd": None})
    mixed = summarize_strategy("x", "tree", [unpriced, results[1]], wall_seconds=1.0)
    assert mixed.cost_usd_per_question is None  # unknown, never a partial sum


def test_the_dataset_reader_takes_what_a_person_writes() -> None:
    dataset = parse_dataset(
        [
            "# a comment",
            "",
            '{"question": "One?", "evidence": {"source_id": "s", "quote": "q"}, "keywords": ["k"]}',
            '{"id": 7, "question": "Two?", "evidence": null, "type": "none"}',
        ],
        name="mine.jsonl",
    )
    first, second = dataset.questions
    assert first.id == "line-3" and first.answerable and first.answer_keywords == ("k",)
    assert second.id == "7" and not second.answerable
    assert dataset.warnings == ("line 4 of mine.jsonl: ignored field(s) type",)
    assert dataset.where("7") == "line 4 (7)"


def test_one_keyword_may_be_a_plain_string() -> None:
    (question,) = parse_dataset(['{"question": "Lens?", "answer_keywords": "Fresnel"}']).questions
    assert question.answer_keywords == ("Fresnel",)


def test_a_file_saved_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "notepad.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "q1", "question": "Moon?"}\n')
    (question,) = load_dataset(path).questions
    assert question.id == "q1"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{not json"], "Line 1 of d is not JSON"),
        (["[1, 2]"], "Line 1 of d is a JSON list"),
        (['{"evidence": []}'], "Line 1 of d is not a valid question (question"),
        (['{"question": "  "}'], "question: Value error, the question is blank"),
        (['{"question": "q", "evidence": [{"source_id": "s"}]}'], "evidence.0.quote"),
        (['{"question": "a", "id": "x"}', '{"question": "b", "id": "x"}'], "repeats the id"),
        (['{"question": "a", "keywords": [], "answer_keywords": []}'], "keywords twice"),
        (["# only a comment"], "holds no question"),
    ],
)
def test_a_bad_line_is_named_with_its_number(lines: list[str], message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_dataset(lines, name="d")
    assert message in str(raised.value)
    assert raised.value.remedy


def test_prices_come_from_litellms_bundled_map_and_unknown_is_none() -> None:
    # The providers' list prices per million tokens: gpt-5-nano $0.05 in / $0.40 out,
    # Claude Sonnet 4.5 $3 / $15.
    nano = price_of("openai:gpt-5-nano")
    sonnet = price_of("anthropic:claude-sonnet-4-5")
    assert nano is not None and sonnet is not None
    assert (nano.input_usd_per_million, nano.output_usd_per_million) == pytest.approx((0.05, 0.40))
    assert (sonnet.input_usd_per_million, sonnet.output_usd_per_million) == pytest.approx((3, 15))
    assert nano.usd(1_000_000, 1_000_000) == pytest.approx(0.45)
    for unpriced in ("offline", "ollama:llama3.2", "openai-compatible:qwen2.5-3b", "nope:x"):
        assert price_of(unpriced) is None
        assert price_note(unpriced)


def test_a_quote_split_across_chunks_warns_and_one_in_no_chunk_is_refused() -> None:
    from memoir_ai.database.corpus import CorpusChunk
    from memoir_ai.errors import ValidationError
    from memoir_ai.evaluation.dataset import parse_dataset
    from memoir_ai.evaluation.runner import _check_evidence

    chunks = [
        CorpusChunk(1, "s.txt", "Apples ripen in the orchard. ", 6),
        CorpusChunk(2, "s.txt", "The apple harvest is in autumn.", 7),
    ]

    def dataset(quote: str) -> Any:
        line = (
            '{"id": "q", "question": "Apples?", '
            f'"evidence": [{{"source_id": "s.txt", "quote": "{quote}"}}]}}'
        )
        return parse_dataset(["# the header", line])

    assert _check_evidence(dataset("harvest is in autumn"), chunks) == []
    (warning,) = _check_evidence(dataset("orchard. The apple"), chunks)
    assert "no single chunk" in warning and "line 2 (q)" in warning
    with pytest.raises(ValidationError, match="harvest is in winter") as raised:
        _check_evidence(dataset("harvest is in winter"), chunks)
    assert "line 2 (q)" in raised.value.message and raised.value.remedy
