"""Packing audit-log payloads: exact round trips, references found, damage refused (no database)."""

from __future__ import annotations

import base64
import hashlib
import zlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from memoir_ai.database import _payloads as payloads
from memoir_ai.database._payload_dictionary import DICTIONARY_V1

MARKERS = payloads.OPEN + payloads.CLOSE + payloads.ESCAPE
# Mostly a small alphabet (so chunks recur inside texts), with the marker characters,
# digits and colons of a reference, NUL, and anything else now and then.
text_strategy = st.text(
    alphabet=st.one_of(
        st.sampled_from("ab \n:0123456789abcdef" + MARKERS + "\x00\"'"),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=400,
)
long_chunk = st.text(alphabet=st.sampled_from("ab \n" + MARKERS), min_size=64, max_size=200)


@st.composite
def texts_quoting_chunks(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    """A text made of free text and chunks, and the chunks (text → id), some never quoted."""
    chunks = draw(st.lists(long_chunk, min_size=1, max_size=5, unique=True))
    pieces = draw(
        st.lists(st.one_of(text_strategy, st.sampled_from(chunks)), min_size=1, max_size=8)
    )
    ids = draw(
        st.lists(st.integers(1, 10**12), min_size=len(chunks), max_size=len(chunks), unique=True)
    )
    return "".join(pieces), dict(zip(chunks, ids, strict=True))


@settings(max_examples=300, deadline=None)
@given(text_strategy)
@example(payloads.ESCAPE)
@example(payloads.ESCAPE + "x" + payloads.ESCAPE * 2 + payloads.CLOSE)
@example(f"{payloads.OPEN}12:0000abcd{payloads.CLOSE}")  # what a reference looks like
@example(payloads.REFERENCE_TAG + "text that merely starts like a packed payload")
def test_any_text_round_trips_without_chunks(text: str) -> None:
    stored = payloads.pack(text)
    assert payloads.unpack(stored) == text
    assert not payloads.references_chunks(stored)


@settings(max_examples=300, deadline=None)
@given(texts_quoting_chunks())
def test_any_text_round_trips_with_its_chunks_referenced(
    case: tuple[str, dict[str, int]],
) -> None:
    text, chunks = case
    stored = payloads.pack(text, payloads.ChunkIndex(chunks))
    by_id = {chunk_id: chunk for chunk, chunk_id in chunks.items()}
    assert payloads.unpack(stored, by_id) == text
    referenced = payloads.decode(stored).chunk_ids
    assert referenced <= set(by_id)
    assert payloads.references_chunks(stored) == bool(referenced)
    # What the database holds: base85 after the tag, no NUL (PostgreSQL text refuses it).
    assert "\x00" not in stored
    assert stored[len(payloads.PLAIN_TAG) :].isascii()


@settings(max_examples=200, deadline=None)
@given(text_strategy, long_chunk, text_strategy)
def test_a_quoted_chunk_is_always_referenced(before: str, chunk: str, after: str) -> None:
    text = before + chunk + after
    payload = payloads.decode(payloads.pack(text, payloads.ChunkIndex({chunk: 42})))
    assert payload.chunk_ids == {42}
    literal = "".join(part for part in payload.parts if isinstance(part, str))
    assert len(literal) <= len(text) - len(chunk)


def test_short_chunks_stay_inline() -> None:
    short = "x" * (payloads.MIN_REFERENCED_LENGTH - 1)
    stored = payloads.pack(f"<{short}>", payloads.ChunkIndex({short: 1}))
    assert not payloads.references_chunks(stored)
    assert payloads.unpack(stored) == f"<{short}>"


def test_a_prompt_quoting_its_chunks_shrinks_to_a_fraction() -> None:
    line = "the harbour lanterns burned until dawn. "
    chunks = [f"Paragraph {n}: " + line * 40 for n in range(5)]
    prompt = "Choose a category for each chunk below.\n\n" + "\n\n".join(
        f'Chunk {n}:\n"""\n{chunk}\n"""' for n, chunk in enumerate(chunks, 1)
    )
    stored = payloads.pack(prompt, payloads.ChunkIndex({c: i for i, c in enumerate(chunks, 1)}))
    assert payloads.decode(stored).chunk_ids == {1, 2, 3, 4, 5}
    assert len(stored.encode()) < len(prompt.encode()) / 20


@settings(max_examples=200, deadline=None)
@given(text_strategy.filter(lambda text: not text.startswith(payloads.OPEN)))
def test_plain_text_stored_before_packing_reads_back_as_it_is(text: str) -> None:
    assert payloads.unpack(text) == text
    assert payloads.decode(text).chunk_ids == frozenset()


def test_a_missing_or_changed_chunk_is_refused_not_replaced() -> None:
    chunk = "The Moon orbits the Earth every twenty-seven days and raises the tides."
    stored = payloads.pack(f"Chunk 1:\n{chunk}", payloads.ChunkIndex({chunk: 7}))
    with pytest.raises(payloads.PayloadError, match="chunk 7, which is no longer stored"):
        payloads.unpack(stored, {})
    with pytest.raises(payloads.PayloadError, match="chunk 7, whose stored text has changed"):
        payloads.unpack(stored, {7: chunk.upper()})
    assert payloads.unpack(stored, {7: chunk}) == f"Chunk 1:\n{chunk}"


@pytest.mark.parametrize(
    "damage",
    [
        lambda stored: stored[:-3],  # cut short
        lambda stored: stored[:-1] + ("A" if stored[-1] != "A" else "B"),  # one character changed
        lambda stored: stored + "0000",  # bytes after the end
        lambda stored: stored[: len(payloads.PLAIN_TAG)] + '"not base85"',
    ],
)
def test_a_damaged_payload_is_an_error(damage: object) -> None:
    stored = payloads.pack("Describe the source below in a few fields. " * 3)
    assert callable(damage)
    with pytest.raises(payloads.PayloadError):
        payloads.unpack(damage(stored))


def test_an_unescaped_marker_in_the_template_is_an_error() -> None:
    compressor = zlib.compressobj(9, zdict=DICTIONARY_V1)
    raw = compressor.compress(f"text {payloads.CLOSE} text".encode()) + compressor.flush()
    import base64

    stored = payloads.PLAIN_TAG + base64.b85encode(raw).decode()
    with pytest.raises(payloads.PayloadError, match="marker"):
        payloads.unpack(stored)


def test_the_dictionary_of_version_1_never_changes() -> None:
    """Payloads stored under the m1/r1 tags decompress only with these exact bytes."""
    assert hashlib.sha256(DICTIONARY_V1).hexdigest() == (
        "7b9574c3556b94c9cd6d77206745d16a9b0c4f839678d4030829b01165f16339"
    )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64) | st.binary(min_size=1000, max_size=5000))
@example(b"")
@example(b"\xff" * 17)
def test_base85_gives_the_standard_librarys_characters(data: bytes) -> None:
    from memoir_ai.database._base85 import b85encode

    assert b85encode(data) == base64.b85encode(data).decode("ascii")
    assert base64.b85decode(b85encode(data)) == data
