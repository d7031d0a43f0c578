"""The chunker on the texts users have: licences, long lines without any delimiter.

Every count is checked against one encode of exactly the chunk's text with the model's
own tokenizer, loaded directly (see ``reference_count``).
"""

from __future__ import annotations

import random

import pytest
import tiktoken

from memoir_ai.errors import ValidationError
from memoir_ai.text.chunker import TextChunker
from memoir_ai.text.tokens import TokenCounter
from tests.chunk_checks import (
    MODELS,
    REFERENCE_TOKENIZERS,
    check_chunks,
    check_cover_and_counts,
)

TERMS = [
    "the Program",
    "this License",
    "the Licensee",
    "any covered work",
    "the Corresponding Source",
    "a User Product",
    "the copyright holder",
    "each contributor",
    "the recipient",
    "such patent license",
]
VERBS = ["convey", "modify", "propagate", "distribute", "sublicense", "run", "copy", "grant"]
CAPS = [
    "THERE IS NO WARRANTY FOR THE PROGRAM, TO THE EXTENT PERMITTED BY APPLICABLE LAW.",
    'THE PROGRAM IS PROVIDED "AS IS" WITHOUT WARRANTY OF ANY KIND, EITHER EXPRESSED OR IMPLIED.',
    "IN NO EVENT UNLESS REQUIRED BY APPLICABLE LAW WILL ANY COPYRIGHT HOLDER BE LIABLE.",
]


def _sentence(rng: random.Random) -> str:
    subject, verb, other = rng.choice(TERMS), rng.choice(VERBS), rng.choice(TERMS)
    section, item, year = rng.randint(0, 17), f"{rng.randint(1, 9)}({rng.choice('abcd')})", 2007
    forms = [
        f"{subject.capitalize()} may {verb} {other} under the terms of section {section}",
        f"You may not {verb} {other} except as expressly provided under {subject}",
        f'"{subject.title()}" means {other} as defined in subsection {item}',
        f"Notwithstanding any other provision of {subject}, you have permission to {verb} it",
        f"See <https://www.example.org/licenses/> and {subject}'s notice (C) {year}",
    ]
    return rng.choice(forms) + rng.choice([".", ".", ";", ":"])


def _wrap(words: str, width: int, indent: str) -> list[str]:
    lines, line = [], indent
    for word in words.split(" "):
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip(" ") + ("  " if len(lines) % 7 == 3 else ""))
            line = ""
        line += ("" if not line or line.isspace() else " ") + word
    lines.append(line)
    return lines


def licence_text(seed: int, newline: str = "\n") -> str:
    """A licence-like document: centred titles, hard-wrapped lines, two spaces after a full
    stop, numbered sections, lettered items, capitals, URLs, form feeds, rules, a tab."""
    rng = random.Random(seed)
    out = [
        " " * 20 + "EXAMPLE PUBLIC LICENSE",
        " " * 23 + f"Version {rng.randint(1, 3)}, 29 June 2007",
        "",
        " Copyright (C) 2007 Example Foundation, Inc. <https://example.org/>",
        " Everyone is permitted to copy and distribute verbatim copies",
        " of this license document, but changing it is not allowed.",
        "",
        " " * 28 + "Preamble",
        "",
    ]
    for section in range(18):
        if section % 6 == 5:
            out += ["\x0c", " " * 23 + "TERMS AND CONDITIONS", "=" * 70, ""]
        out.append(f"  {section}. {rng.choice(TERMS).title()}.")
        out.append("")
        for _ in range(rng.randint(1, 4)):
            body = "  ".join(_sentence(rng) for _ in range(rng.randint(2, 7)))
            out += _wrap(body, 72, "  ")
            out.append("")
        for letter in "abcd"[: rng.randint(0, 4)]:
            out += _wrap(f"{letter}) {_sentence(rng)}", 72, "    ")
        if rng.random() < 0.3:
            out += _wrap("  ".join(rng.choice(CAPS) for _ in range(3)), 72, "  ") + [""]
        if rng.random() < 0.2:
            out += ["\t<one line to give the program's name and a brief idea of what it does.>"]
            out += ["    Copyright (C) <year>  <name of author>", "-" * 40, ""]
    out += ["", " " * 25 + "END OF TERMS AND CONDITIONS", ""]
    return newline.join(out)


def test_the_generated_licence_looks_like_one() -> None:
    text = licence_text(1)
    for feature in ("\x0c\n", ".  ", "  0. ", "a) ", "(C)", "<https://", "=" * 70, "AS IS"):
        assert feature in text
    assert len(text) > 15_000


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_licence_texts_are_counted_exactly(model: str, newline: str) -> None:
    text = licence_text(7, newline) + licence_text(8, newline)
    for low, high in ((300, 500), (40, 90)):
        chunker = TextChunker(low, high, model_name=model)
        chunks = chunker.chunk_text(text)
        assert len(chunks) > 4
        check_cover_and_counts(text, chunks, chunker)
        assert all(chunk.boundary in ("paragraph", "delimiter", "end") for chunk in chunks)


@pytest.mark.parametrize("model", ["offline", "openai:gpt-4o", "anthropic:claude-sonnet-4-5"])
def test_every_guarantee_on_a_short_licence(model: str) -> None:
    text = licence_text(3)[:2500]
    chunker = TextChunker(20, 60, model_name=model)
    check_chunks(text, chunker.chunk_text(text), chunker)


def _line_without_whitespace(length: int) -> str:
    rng = random.Random(3)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(length))


def _line_of_words(length: int) -> str:
    rng = random.Random(5)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 12)))
        + rng.choice(["", "", "", ",", ";"])
        for _ in range(length // 4)
    ]
    return " ".join(words)[:length]


@pytest.mark.slow
@pytest.mark.parametrize("model", ["offline", "openai:gpt-4o", "anthropic:claude-sonnet-4-5"])
def test_a_300000_character_line_without_whitespace(model: str) -> None:
    text = _line_without_whitespace(300_000)
    chunker = TextChunker(model_name=model)
    chunks = chunker.chunk_text(text)
    assert len(chunks) > 100
    check_cover_and_counts(text, chunks, chunker)
    assert all(chunk.boundary == "token" for chunk in chunks[:-1])


@pytest.mark.slow
@pytest.mark.parametrize("model", ["offline", "openai:gpt-4o", "anthropic:claude-sonnet-4-5"])
def test_a_300000_character_line_of_words_without_a_delimiter(model: str) -> None:
    text = _line_of_words(300_000)
    assert len(text) == 300_000 and not any(mark in text for mark in ".!?\n")
    chunker = TextChunker(model_name=model)
    chunks = chunker.chunk_text(text)
    assert len(chunks) > 100
    check_cover_and_counts(text, chunks, chunker)
    assert all(chunk.boundary == "word" for chunk in chunks[:-1])


@pytest.mark.parametrize("model", ["offline", "gpt-4o"])
def test_token_end_offsets_end_the_tokens_of_tiktoken_itself(model: str) -> None:
    """The one encode the chunker counts from marks where tiktoken's own tokens end."""
    text = licence_text(2)[:3000] + " Ünïcödé 日本語 👩‍👩‍👧‍👦 🇫🇷 e\u0301 <|endoftext|>"
    encoding = tiktoken.get_encoding(REFERENCE_TOKENIZERS[model])
    ids = encoding.encode(text, disallowed_special=())
    ends = TokenCounter(model).tokenizer.token_end_offsets(text)
    assert len(ends) == len(ids)
    for count, end in enumerate(ends, start=1):
        on_character = count == len(ends) or ends[count] != end
        if on_character:
            assert encoding.decode(ids[:count]) == text[:end]


@pytest.mark.parametrize("model", ["offline", "anthropic:claude-sonnet-4-5"])
def test_surrogates_are_a_validation_error_that_names_them(model: str) -> None:
    text = "A letter from 1911. " * 40 + "broken \ud83d here" + " And more." * 40
    with pytest.raises(ValidationError) as caught:
        TextChunker(model_name=model).chunk_text(text)
    assert "surrogate" in str(caught.value) and "'\\ud83d'" in str(caught.value)
    assert str(text.index("\ud83d")) in str(caught.value)
    assert "UTF-8" in caught.value.remedy
