"""Every word memoir-ai sends to a model: one plain function per prompt.

Each function turns typed inputs into the user prompt of one call;
:func:`instructions` gives the standing instructions of each purpose. Chunks
always appear as numbered blocks, ``Chunk N:`` followed by the text in triple
quotes, so that answers can name chunks by number and never repeat their text.
Text that itself contains triple double quotes is shown with triple single
quotes instead, so a block cannot be closed early.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memoir_ai.llm.schemas import MAX_CATEGORY_NAME_LENGTH, LLMPurpose

__all__ = [
    "AnswerChunk",
    "CandidateCategory",
    "PromptChunk",
    "SummaryChunk",
    "answer_prompt",
    "chunk_block",
    "classification_prompt",
    "helper_prompt",
    "instructions",
    "path_classification_prompt",
    "selection_prompt",
    "summary_prompt",
]

INPUTS_METADATA_KEY = "memoir_inputs"
"""Where a request's typed inputs travel (message metadata, never sent to a model)."""
QUOTE = '"""'
SOURCE_HEADER = "Source description:"
QUESTION_HEADER = "Question:"
EXISTING_HEADER = "Existing categories"
TREE_HEADER = "Existing category tree"
CANDIDATES_HEADER = "Candidate categories:"
EXCERPT_HEADER = "Opening excerpt:"
PATH_SEPARATOR = " > "

Outline = dict[str, "Outline"]
"""A category tree drawn from paths: name → children."""

_INSTRUCTIONS = {
    LLMPurpose.HELPER: (
        "You describe documents for a librarian. Be factual and brief, and say 'unknown' "
        "for anything the text does not state."
    ),
    LLMPurpose.CLASSIFY: (
        "You file chunks of text into a category tree. Reuse existing categories whenever "
        "they fit, so that similar text ends up together; invent a new category only when "
        "nothing fits. Answer with chunk numbers and category names only."
    ),
    LLMPurpose.SELECT: (
        "You choose which branches of a category tree to search for the answer to a question, "
        "and rank them by relevance."
    ),
    LLMPurpose.SUMMARIZE: (
        "You summarize chunks of text, keeping the facts, names, numbers and dates that "
        "matter, and never exceed the character target of a chunk."
    ),
    LLMPurpose.ANSWER: (
        "You answer questions using only the numbered chunks you are given, and cite the "
        "numbers of the chunks you rely on. If the chunks do not contain the answer, say so."
    ),
}


@dataclass(frozen=True)
class PromptChunk:
    """A chunk as shown to a model: its number and its text."""

    id: int
    text: str


@dataclass(frozen=True)
class SummaryChunk:
    """A chunk to summarize, with the most characters its summary may have."""

    id: int
    text: str
    target_chars: int


@dataclass(frozen=True)
class AnswerChunk:
    """A retrieved chunk shown to the answering model, with where it is filed."""

    id: int
    text: str
    category_path: Sequence[str] = ()


@dataclass(frozen=True)
class CandidateCategory:
    """A category offered during traversal; the description is optional context."""

    name: str
    description: str | None = None


def instructions(purpose: LLMPurpose) -> str:
    """The standing instructions of every call made for ``purpose``."""
    return _INSTRUCTIONS[purpose]


def chunk_block(chunk_id: int, text: str, note: str | None = None) -> str:
    """One numbered block: ``Chunk N:`` (with an optional note) and the text in triple quotes."""
    header = f"Chunk {chunk_id} ({note}):" if note else f"Chunk {chunk_id}:"
    return f"{header}\n{_quoted(text)}"


def helper_prompt(
    excerpt: str,
    *,
    source_id: str,
    file_name: str | None = None,
    title: str | None = None,
    headers: Sequence[str] = (),
) -> str:
    """Ask for the contextual helper of a source from its names, headers and opening text."""
    lines = [
        "Describe the source below in a few fields: its title, its author, its date "
        "(ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD), its topic in a few words, and a one-paragraph "
        "summary of at most about 120 words. Write 'unknown' for anything the text does not say.",
        "",
        f"Source id: {source_id}",
    ]
    if file_name:
        lines.append(f"File name: {file_name}")
    if title:
        lines.append(f"Detected title: {title}")
    if headers:
        lines.append("Headers:")
        lines.extend(f"- {header}" for header in headers)
    lines += ["", EXCERPT_HEADER, _quoted(excerpt)]
    return "\n".join(lines)


def classification_prompt(
    chunks: Sequence[PromptChunk],
    *,
    level: int,
    depth: int,
    existing: Sequence[str],
    allow_new: bool,
    parent_path: Sequence[str] = (),
    helper: str | None = None,
) -> str:
    """Ask for one category per chunk at ``level``, under ``parent_path``, reusing ``existing``."""
    where = (
        f"under the parent category {PATH_SEPARATOR.join(parent_path)}"
        if parent_path
        else "at the top of the tree"
    )
    lines = [
        f"Choose a category for each chunk below. Level: {level} of {depth}.",
        f"Parent path: {PATH_SEPARATOR.join(parent_path) if parent_path else '(none)'}",
        "",
    ]
    lines += _source_section(helper)
    if existing:
        lines.append(f"{EXISTING_HEADER} at level {level} {where} (reuse one whenever it fits):")
        lines.extend(f"- {name}" for name in existing)
    else:
        lines.append(f"{EXISTING_HEADER} at level {level} {where}: none yet.")
    lines.append("")
    if allow_new:
        lines.append(
            "Create a new category only when no existing one fits. A new name is short "
            "(1 to 4 words), general enough to hold similar chunks, and at most "
            f"{MAX_CATEGORY_NAME_LENGTH} characters."
        )
    else:
        lines.append(
            f"Level {level} is full: choose one of the existing categories listed above; "
            "do not create a new one."
        )
    lines.append("")
    lines += _blocks(chunks)
    lines.append(
        'Answer with {"chunks": [{"id": 1, "category": "..."}, ...]}: one entry per chunk, '
        "in order, with the chunk number and the category name only; never repeat the text."
    )
    return "\n".join(lines)


def path_classification_prompt(
    chunks: Sequence[PromptChunk],
    *,
    depth: int,
    tree: Sequence[Sequence[str]],
    full_levels: Sequence[int] = (),
    helper: str | None = None,
) -> str:
    """Ask for a whole category path (``depth`` names) per chunk, reusing the branches of ``tree``.

    ``tree`` lists existing paths from level 1 down (a path's prefixes may be
    omitted); it is drawn as an indented outline.
    """
    lines = [
        f"Choose a category path of exactly {depth} levels for each chunk below, from the "
        f"top level (level 1) down to level {depth}.",
        "",
    ]
    lines += _source_section(helper)
    outline = _outline(tree)
    if outline:
        lines.append(f"{TREE_HEADER} (reuse its branches whenever they fit):")
        lines += outline
    else:
        lines.append(f"{TREE_HEADER}: empty.")
    lines.append("")
    for level in sorted(set(full_levels)):
        lines.append(
            f"Level {level} is full: at level {level} use only names that already exist there."
        )
    lines.append(
        "Create a new category only when no existing one fits; a new name is short "
        f"(1 to 4 words) and at most {MAX_CATEGORY_NAME_LENGTH} characters."
    )
    lines.append("")
    lines += _blocks(chunks)
    lines.append(
        'Answer with {"chunks": [{"id": 1, "path": ["level 1 name", ...]}, ...]}: one entry '
        f"per chunk, in order, each path with exactly {depth} names; never repeat the text."
    )
    return "\n".join(lines)


def selection_prompt(
    query: str,
    *,
    candidates: Sequence[CandidateCategory],
    count: int,
    level: int,
    depth: int,
    parent_path: Sequence[str] = (),
    helpers: Sequence[str] = (),
) -> str:
    """Ask which ``count`` of ``candidates`` to explore for ``query``, ranked."""
    lines = [QUESTION_HEADER, _quoted(query), ""]
    for helper in helpers:
        lines += _source_section(helper)
    lines.append(
        f"Level: {level} of {depth}. Parent path: "
        f"{PATH_SEPARATOR.join(parent_path) if parent_path else '(none)'}"
    )
    lines.append(CANDIDATES_HEADER)
    for candidate in candidates:
        detail = f": {candidate.description}" if candidate.description else ""
        lines.append(f"- {candidate.name}{detail}")
    lines += [
        "",
        f"Choose exactly {count} of these categories, those most likely to hold the answer, "
        f"and rank them: ranked_relevance runs from 1 to {count}, each number used once, and "
        f"the most relevant category gets {count}. Use the names exactly as listed.",
    ]
    return "\n".join(lines)


def summary_prompt(chunks: Sequence[SummaryChunk], *, query: str | None = None) -> str:
    """Ask for a summary of every chunk within its character target."""
    lines = [
        "Summarize each chunk below. A summary must not be longer than the character target "
        "of its chunk; keep the facts, names, numbers and dates that matter.",
        "",
    ]
    if query:
        lines += [QUESTION_HEADER, _quoted(query), ""]
    for chunk in chunks:
        lines += [chunk_block(chunk.id, chunk.text, f"at most {chunk.target_chars} characters"), ""]
    lines.append(
        'Answer with {"summaries": [{"id": N, "summary": "..."}, ...]}: one entry per chunk.'
    )
    return "\n".join(lines)


def answer_prompt(query: str, chunks: Sequence[AnswerChunk], *, helpers: Sequence[str] = ()) -> str:
    """Ask for the answer to ``query`` from the numbered chunks, citing their numbers."""
    lines = [QUESTION_HEADER, _quoted(query), ""]
    for helper in helpers:
        lines += _source_section(helper)
    lines += ["Chunks retrieved from the memory:", ""]
    for chunk in chunks:
        note = (
            f"category: {PATH_SEPARATOR.join(chunk.category_path)}" if chunk.category_path else None
        )
        lines += [chunk_block(chunk.id, chunk.text, note), ""]
    lines.append(
        "Answer the question using only these chunks, and list in cited_chunk_ids the numbers "
        "of the chunks your answer relies on. If they do not contain the answer, say so."
    )
    return "\n".join(lines)


def _quoted(text: str) -> str:
    return f"{QUOTE}\n{text.replace(QUOTE, chr(39) * 3)}\n{QUOTE}"


def _source_section(helper: str | None) -> list[str]:
    if not helper:
        return []
    return [SOURCE_HEADER, _quoted(helper), ""]


def _blocks(chunks: Sequence[PromptChunk]) -> list[str]:
    lines: list[str] = []
    for chunk in chunks:
        lines += [chunk_block(chunk.id, chunk.text), ""]
    return lines


def _outline(tree: Sequence[Sequence[str]]) -> list[str]:
    """Draw paths as an indented outline, each branch once, children in first-seen order."""
    root: Outline = {}
    for path in tree:
        node = root
        for name in path:
            node = node.setdefault(name, {})
    lines: list[str] = []

    def draw(node: Outline, indent: int) -> None:
        for name, children in node.items():
            lines.append(f"{'  ' * indent}- {name}")
            draw(children, indent + 1)

    draw(root, 0)
    return lines
