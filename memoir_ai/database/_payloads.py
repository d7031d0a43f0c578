"""Compact audit-log payloads: quoted chunk text becomes a reference, the rest is compressed.

Most of an ingestion's prompts is the text of the very chunks the same
transaction stores. :func:`pack` replaces every span of a payload that equals a
stored chunk by a reference to that chunk, compresses what remains with zlib
(primed with :data:`~memoir_ai.database._payload_dictionary.DICTIONARY_V1`, the
wording of memoir-ai's prompts) and encodes the bytes in base85, so that every
backend keeps it in its text column (PostgreSQL text cannot hold NUL, which
rules out raw bytes and NUL markers). :func:`unpack` gives the exact text back.

Stored form::

    TAG + base85(zlib(template))

``TAG`` is ``U+E000 "m1:"`` for a payload without references and ``U+E000
"r1:"`` for one that references chunks, so the payloads a deletion must expand
are found without decompressing anything. The template is the text with each
reference written ``OPEN id ":" crc32 CLOSE`` (private-use characters OPEN
U+E000 and CLOSE U+E001; the CRC-32 of the chunk's UTF-8 text, in 8 hex
digits) and each literal OPEN, CLOSE or ESCAPE (U+E002) of the text preceded by
ESCAPE, so any text round-trips, marker characters included. The CRC lets
:meth:`Payload.expand` refuse a chunk that changed or whose id was reused
rather than show the wrong text.

A stored value without a tag is a payload written before packing existed
(plain text) and reads back as it is.

Everything here is pure: no database, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from memoir_ai.database._base85 import b85encode
from memoir_ai.database._payload_dictionary import DICTIONARY_V1

__all__ = [
    "MIN_REFERENCED_LENGTH",
    "ChunkIndex",
    "ChunkReference",
    "Payload",
    "PayloadError",
    "decode",
    "find_references",
    "pack",
    "references_chunks",
    "unpack",
]

OPEN = "\ue000"
CLOSE = "\ue001"
ESCAPE = "\ue002"
PLAIN_TAG = OPEN + "m1:"
REFERENCE_TAG = OPEN + "r1:"

# Probes of PROBE characters every PROBE characters find every occurrence of a
# chunk at least 2 * PROBE long (see ChunkIndex); shorter chunks stay inline,
# where compression handles them and a reference would save little anyway.
PROBE = 32
MIN_REFERENCED_LENGTH = 2 * PROBE

# zlib's default: on prompts, level 9 saves under 1% more bytes for about 40% more time.
_LEVEL = 6
_ESCAPES = {ord(char): ESCAPE + char for char in (OPEN, CLOSE, ESCAPE)}
_TOKEN = re.compile(
    f"{ESCAPE}([{OPEN}{CLOSE}{ESCAPE}])|{OPEN}([0-9]+):([0-9a-f]{{8}}){CLOSE}", re.DOTALL
)
_MARKERS = re.compile(f"[{OPEN}{CLOSE}{ESCAPE}]")


class PayloadError(ValueError):
    """A stored payload cannot be read back: damaged, or a referenced chunk is gone or changed."""


@dataclass(frozen=True)
class ChunkReference:
    """A stored chunk quoted in a payload: its id and the CRC-32 of its UTF-8 text."""

    chunk_id: int
    checksum: int


@dataclass(frozen=True)
class Payload:
    """A decoded payload: literal text and chunk references, in order."""

    parts: tuple[str | ChunkReference, ...]

    @property
    def chunk_ids(self) -> frozenset[int]:
        """The ids of the chunks the payload references."""
        return frozenset(part.chunk_id for part in self.parts if isinstance(part, ChunkReference))

    def expand(self, chunk_texts: Mapping[int, str]) -> str:
        """The exact text, each reference replaced by its chunk's text from ``chunk_texts``.

        Raises:
            PayloadError: a referenced chunk is missing from ``chunk_texts``, or
                its text is not the text that was referenced.
        """
        pieces: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            text = chunk_texts.get(part.chunk_id)
            if text is None:
                raise PayloadError(f"it quotes chunk {part.chunk_id}, which is no longer stored")
            if checksum(text) != part.checksum:
                raise PayloadError(
                    f"it quotes chunk {part.chunk_id}, whose stored text has changed since"
                )
            pieces.append(text)
        return "".join(pieces)


class ChunkIndex:
    """The stored chunks a payload may quote (text → chunk id), ready for :func:`find_references`.

    Every chunk of at least :data:`MIN_REFERENCED_LENGTH` characters is indexed
    by its first ``PROBE`` windows of ``PROBE`` characters (offsets 0 to
    ``PROBE - 1``). A text is probed only every ``PROBE`` characters: an
    occurrence starting at ``s`` contains a probe ``p`` with ``0 <= p - s <
    PROBE``, whose window is one of the chunk's indexed windows. Building costs
    ``PROBE`` slices per chunk, once; each text costs ``len / PROBE`` look-ups,
    so packing stays linear however many chunks a source has.
    """

    def __init__(self, chunks: Mapping[str, int]) -> None:
        """Index ``chunks``, a mapping of chunk text to chunk id."""
        self._windows: dict[str, list[tuple[int, str, ChunkReference]]] = {}
        for text, chunk_id in chunks.items():
            if len(text) < MIN_REFERENCED_LENGTH:
                continue
            reference = ChunkReference(chunk_id, checksum(text))
            for offset in range(PROBE):
                window = text[offset : offset + PROBE]
                self._windows.setdefault(window, []).append((offset, text, reference))

    def __bool__(self) -> bool:
        """Whether any chunk is long enough to be referenced."""
        return bool(self._windows)

    def matches_at(self, text: str, probe: int, cursor: int) -> tuple[int, str, ChunkReference]:
        """The longest indexed chunk occurring in ``text`` across ``probe``, not before ``cursor``.

        Returns ``(start, chunk text, reference)``, or ``(-1, "", …)`` when none occurs.
        """
        best: tuple[int, str, ChunkReference] = (-1, "", _NO_REFERENCE)
        for offset, chunk, reference in self._windows.get(text[probe : probe + PROBE], ()):
            start = probe - offset
            if start >= cursor and len(chunk) > len(best[1]) and text.startswith(chunk, start):
                best = (start, chunk, reference)
        return best


_NO_REFERENCE = ChunkReference(-1, 0)


def checksum(text: str) -> int:
    """The CRC-32 of ``text`` in UTF-8, as references record it."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def find_references(text: str, index: ChunkIndex) -> list[tuple[int, int, ChunkReference]]:
    """The spans of ``text`` that equal an indexed chunk: ``(start, end, reference)``, in order.

    Spans never overlap; at each probe the longest chunk found wins.
    """
    spans: list[tuple[int, int, ChunkReference]] = []
    if not index:
        return spans
    cursor = 0
    probe = 0
    while probe + PROBE <= len(text):
        start, chunk, reference = index.matches_at(text, probe, cursor)
        if start < 0:
            probe += PROBE
            continue
        cursor = start + len(chunk)
        spans.append((start, cursor, reference))
        probe = -(-cursor // PROBE) * PROBE  # the first probe at or after the span's end
    return spans


def pack(text: str, index: ChunkIndex | None = None) -> str:
    """The stored form of ``text``: chunks of ``index`` referenced, the rest compressed."""
    parts: list[str | ChunkReference] = []
    position = 0
    for start, end, reference in find_references(text, index) if index else []:
        parts += [text[position:start], reference]
        position = end
    parts.append(text[position:])
    return encode(Payload(tuple(part for part in parts if part != "")))


def encode(payload: Payload) -> str:
    """The stored form of a decoded payload (see the module docstring)."""
    pieces: list[str] = []
    for part in payload.parts:
        if isinstance(part, str):
            # translate() is slow with multi-character replacements; most text has no marker.
            pieces.append(part.translate(_ESCAPES) if _MARKERS.search(part) else part)
        else:
            pieces.append(f"{OPEN}{part.chunk_id}:{part.checksum:08x}{CLOSE}")
    compressor = zlib.compressobj(_LEVEL, zdict=DICTIONARY_V1)
    raw = "".join(pieces).encode("utf-8", "surrogatepass")
    packed = compressor.compress(raw) + compressor.flush()
    tag = REFERENCE_TAG if payload.chunk_ids else PLAIN_TAG
    return tag + b85encode(packed)


def decode(stored: str) -> Payload:
    """The text and references of a stored payload (an untagged one is plain text).

    Raises:
        PayloadError: the value carries a tag but is not a valid packed payload.
    """
    if stored.startswith(PLAIN_TAG) or stored.startswith(REFERENCE_TAG):
        return _parse(_decompress(stored[len(PLAIN_TAG) :]))
    return Payload((stored,) if stored else ())


def unpack(stored: str, chunk_texts: Mapping[int, str] | None = None) -> str:
    """The exact text of a stored payload, its references filled from ``chunk_texts`` (id → text).

    Raises:
        PayloadError: the value is damaged, or a referenced chunk is missing or changed.
    """
    return decode(stored).expand(chunk_texts or {})


def references_chunks(stored: str | None) -> bool:
    """Whether a stored payload references chunks (told by its tag, nothing decompressed)."""
    return stored is not None and stored.startswith(REFERENCE_TAG)


def _decompress(body: str) -> str:
    try:
        packed = base64.b85decode(body)
        decompressor = zlib.decompressobj(zdict=DICTIONARY_V1)
        raw = decompressor.decompress(packed) + decompressor.flush()
        if not decompressor.eof or decompressor.unused_data:
            raise PayloadError("its compressed data is cut short or followed by other bytes")
        return raw.decode("utf-8", "surrogatepass")
    except (ValueError, zlib.error, binascii.Error) as exc:
        if isinstance(exc, PayloadError):
            raise
        raise PayloadError(f"its packed form is damaged ({exc})") from exc


def _parse(template: str) -> Payload:
    parts: list[str | ChunkReference] = []
    literal: list[str] = []
    position = 0
    for token in _TOKEN.finditer(template):
        literal.append(_checked_literal(template[position : token.start()]))
        position = token.end()
        if token.group(1) is not None:
            literal.append(token.group(1))
            continue
        if literal and "".join(literal):
            parts.append("".join(literal))
        literal = []
        parts.append(ChunkReference(int(token.group(2)), int(token.group(3), 16)))
    literal.append(_checked_literal(template[position:]))
    if "".join(literal):
        parts.append("".join(literal))
    return Payload(tuple(parts))


def _checked_literal(text: str) -> str:
    if _MARKERS.search(text):
        raise PayloadError("its packed text holds a marker that is neither escaped nor a reference")
    return text
