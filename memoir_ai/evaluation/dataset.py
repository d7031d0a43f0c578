"""An evaluation dataset: JSONL questions with their evidence and expected answer keywords.

One JSON object a line (blank lines and lines starting with ``#`` are skipped)::

    {"id": "moon-1", "question": "Why does the Moon have phases?",
     "evidence": [{"source_id": "astronomy/moon-phases.md",
                   "quote": "we see its sunlit half from a changing angle"}],
     "answer_keywords": ["angle"]}

- ``question`` (required): the text asked.
- ``evidence``: what answers it, each a stored ``source_id`` and a ``quote``
  that lies inside one chunk of that source. Two items from two sources make
  a two-source question. No evidence (absent or ``[]``) makes the question
  *unanswerable*: the right outcome is "not in memory".
- ``answer_keywords`` (optional; also read as ``keywords`` or
  ``expected_keywords``): words or phrases a right answer contains; a single
  string is one keyword.
- ``id`` (optional): a name for the question; ``line-N`` by default.

A UTF-8 byte-order mark at the start of the file is allowed. Other fields
are kept out of the questions and named in one warning each, so a misspelt
field is seen rather than silently lost.

Nothing here touches the database or a model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from memoir_ai.errors import ValidationError

__all__ = ["EvalDataset", "EvalEvidence", "EvalQuestion", "load_dataset", "parse_dataset"]

MAX_QUESTIONS = 10_000
KEYWORD_FIELDS = ("answer_keywords", "keywords", "expected_keywords")
QUESTION_FIELDS = frozenset({"id", "question", "evidence", *KEYWORD_FIELDS})
EVIDENCE_FIELDS = frozenset({"source_id", "quote"})


class EvalEvidence(BaseModel):
    """A passage that answers a question: the source it is in and a quote from one chunk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_id: str = Field(min_length=1)
    quote: str = Field(min_length=1)

    @field_validator("quote")
    @classmethod
    def _not_blank(cls, quote: str) -> str:
        if not quote.strip():
            raise ValueError("the quote is blank")
        return quote


class EvalQuestion(BaseModel):
    """One question of a dataset, with the evidence that answers it (none: unanswerable)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    evidence: tuple[EvalEvidence, ...] = ()
    answer_keywords: tuple[str, ...] = ()

    @field_validator("question")
    @classmethod
    def _question_not_blank(cls, question: str) -> str:
        if not question.strip():
            raise ValueError("the question is blank")
        return question

    @field_validator("answer_keywords")
    @classmethod
    def _keywords_not_blank(cls, keywords: tuple[str, ...]) -> tuple[str, ...]:
        if any(not keyword.strip() for keyword in keywords):
            raise ValueError("a keyword is blank")
        return keywords

    @property
    def answerable(self) -> bool:
        """Whether the memory holds the answer (the question has evidence)."""
        return bool(self.evidence)


@dataclass(frozen=True)
class EvalDataset:
    """The questions of a dataset, and what was noticed while reading it."""

    name: str
    questions: tuple[EvalQuestion, ...]
    warnings: tuple[str, ...] = ()
    lines: Mapping[str, int] = field(default_factory=dict)
    """The line of the file each question (by id) stands on, for messages."""

    def where(self, question_id: str) -> str:
        """``line N (ID)`` when the line is known, else the id alone."""
        number = self.lines.get(question_id)
        return f"line {number} ({question_id})" if number is not None else question_id


def load_dataset(path: Path) -> EvalDataset:
    """Read a JSONL dataset file.

    Raises:
        ValidationError: the file cannot be read, or a line is not a valid
            question (the message names the line and the field).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Notepad) is not an error
    except FileNotFoundError:
        raise ValidationError(
            f"There is no dataset file {str(path)!r}.",
            remedy="give the path of a JSONL file of questions (one JSON object a line).",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(
            f"The dataset {str(path)!r} cannot be read: {error}.",
            remedy="give a readable UTF-8 JSONL file of questions.",
        ) from error
    return parse_dataset(text.splitlines(), name=str(path))


def parse_dataset(lines: Iterable[str], *, name: str = "the dataset") -> EvalDataset:
    """Parse JSONL ``lines`` into questions (see the module docstring for the shape).

    Raises:
        ValidationError: a line is not JSON or not a valid question, two
            questions share an id, or there is no question at all.
    """
    questions: list[EvalQuestion] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        question = _parse_line(stripped, number, name, warnings)
        if question.id in seen:
            raise ValidationError(
                f"Line {number} of {name} repeats the id {question.id!r} of line "
                f"{seen[question.id]}.",
                remedy="give every question its own id (or leave id out: line-N is used).",
            )
        seen[question.id] = number
        questions.append(question)
        if len(questions) > MAX_QUESTIONS:
            raise ValidationError(
                f"{name} holds more than {MAX_QUESTIONS} questions.",
                remedy="split it into several datasets.",
            )
    if not questions:
        raise ValidationError(
            f"{name} holds no question.",
            remedy='write one JSON object a line, e.g. {"question": "...", "evidence": '
            '[{"source_id": "...", "quote": "..."}]}.',
        )
    return EvalDataset(name, tuple(questions), tuple(warnings), dict(seen))


def _parse_line(line: str, number: int, name: str, warnings: list[str]) -> EvalQuestion:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"Line {number} of {name} is not JSON: {error.msg} (column {error.colno}).",
            remedy="write one JSON object a line (JSONL).",
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(
            f"Line {number} of {name} is a JSON {type(data).__name__}, not an object.",
            remedy='write one object a line: {"question": ..., "evidence": [...]}.',
        )
    data = _normalized(data, number, name, warnings)
    try:
        return EvalQuestion.model_validate(data)
    except PydanticValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'line'}: {item['msg']}"
            for item in error.errors()
        )
        raise ValidationError(
            f"Line {number} of {name} is not a valid question ({problems}).",
            remedy="each line needs a non-empty question; evidence is a list of "
            "{source_id, quote}; answer_keywords a list of strings.",
        ) from None


def _normalized(
    data: dict[str, Any], number: int, name: str, warnings: list[str]
) -> dict[str, Any]:
    """The line's fields as :class:`EvalQuestion` takes them; unknown fields become warnings."""
    unknown = sorted(set(data) - QUESTION_FIELDS)
    if unknown:
        warnings.append(f"line {number} of {name}: ignored field(s) {', '.join(unknown)}")
    given = [field for field in KEYWORD_FIELDS if field in data]
    if len(given) > 1:
        raise ValidationError(
            f"Line {number} of {name} gives the keywords twice ({', '.join(given)}).",
            remedy="keep one of them (answer_keywords).",
        )
    evidence = data.get("evidence")
    if evidence is None:
        evidence = []
    elif isinstance(evidence, dict):
        evidence = [evidence]
    if isinstance(evidence, list):
        for item in evidence:
            extra = sorted(set(item) - EVIDENCE_FIELDS) if isinstance(item, dict) else []
            if extra:
                warnings.append(
                    f"line {number} of {name}: ignored evidence field(s) {', '.join(extra)}"
                )
        evidence = [
            {key: value for key, value in item.items() if key in EVIDENCE_FIELDS}
            if isinstance(item, dict)
            else item
            for item in evidence
        ]
    question: dict[str, Any] = {key: data[key] for key in ("id", "question") if key in data}
    question.setdefault("id", f"line-{number}")
    if isinstance(question["id"], int) and not isinstance(question["id"], bool):
        question["id"] = str(question["id"])
    question["evidence"] = evidence
    if given:
        keywords = data[given[0]]
        question["answer_keywords"] = [keywords] if isinstance(keywords, str) else keywords
    return question
