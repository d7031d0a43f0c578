"""Every word memoir-ai sends to a model: one plain function per prompt.

Each function turns typed inputs (see :mod:`~memoir_ai.llm.inputs`) into the
user prompt of one call, a :class:`Prompt`: the text, with the inputs attached
for the agent to carry along as metadata. :func:`instructions` gives the
standing instructions of each purpose. Chunks always appear as numbered
blocks, ``Chunk N:`` followed by the text in triple quotes, so that answers
can name chunks by number and never repeat their text. Text that itself
contains triple double quotes is shown with triple single quotes instead, so
a block cannot be closed early.

Written for small models too: no placeholder a model could copy as a value
(no ``"..."`` or "level 1 name" in an answer's form); where the form of an
answer is shown, it is a real-looking example, marked as an example of the
form only; and the naming rules of categories and the ``unknown`` rule of
source descriptions are stated in words, as the schemas state them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from memoir_ai.llm.inputs import (
    INPUTS_METADATA_KEY,
    AnswerChunk,
    AnswerInputs,
    CandidateCategory,
    ClassificationInputs,
    CurationCandidate,
    CurationInputs,
    HelperInputs,
    PathClassificationInputs,
    PromptChunk,
    PromptInputs,
    SelectionInputs,
    SummaryChunk,
    SummaryInputs,
)
from memoir_ai.llm.schemas import MAX_CATEGORY_NAME_LENGTH, LLMPurpose

__all__ = [
    "INPUTS_METADATA_KEY",
    "AnswerChunk",
    "CandidateCategory",
    "CurationCandidate",
    "Prompt",
    "PromptChunk",
    "SummaryChunk",
    "answer_prompt",
    "chunk_block",
    "classification_prompt",
    "curation_prompt",
    "helper_prompt",
    "instructions",
    "path_classification_prompt",
    "selection_prompt",
    "summary_prompt",
]

QUOTE = '"""'
SOURCE_HEADER = "Source description:"
QUESTION_HEADER = "Question:"
EXISTING_HEADER = "Existing categories"
TREE_HEADER = "Existing category tree"
CANDIDATES_HEADER = "Candidate categories:"
EXCERPT_HEADER = "Opening excerpt:"
PATH_SEPARATOR = " > "
EXAMPLE_NOTE = "Example of the form only (other chunks, other names):"
# Real-looking example paths, from subjects far from most texts, so a copy stands out.
EXAMPLE_PATHS = (
    ("Gardening", "Vegetables", "Tomato Growing", "Seed Saving", "Heirloom Varieties", "Storage"),
    ("Personal Finance", "Taxes", "Tax Returns", "Deductions", "Home Office", "Receipts"),
)
NAMING_RULES = (
    "A category name is a short noun phrase naming a subject, like a library shelf label: "
    f"1 to 4 words, at most {MAX_CATEGORY_NAME_LENGTH} characters, no sentence punctuation "
    "(. ! ? ; :), never a sentence and never the opening words of a chunk."
)

Outline = dict[str, "Outline"]
"""A category tree drawn from paths: name → children."""

_INSTRUCTIONS = {
    LLMPurpose.HELPER: (
        "You describe documents for a librarian. Use only what the text and its file name "
        "state. For every field they do not state — often the author and the date — write "
        "exactly: unknown. Never guess a name or a date."
    ),
    LLMPurpose.CLASSIFY: (
        "You file chunks of text into a category tree. Reuse existing categories whenever "
        "they fit, so that similar text ends up together; invent a new category only when "
        f"nothing fits. {NAMING_RULES} Answer with chunk numbers and category names only."
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
    LLMPurpose.CURATE: (
        "You tidy a category tree for a librarian. Among sibling categories you find those "
        "that hold the same subject under different names (the same words in another order, "
        "a plural, a synonym) and propose to merge each into its best-named sibling. "
        "Categories on related but different subjects stay apart; when in doubt, do not merge."
    ),
}


class Prompt(str):
    """The text of a user prompt, with the typed inputs it was written from."""

    inputs: PromptInputs

    def __new__(cls, text: str, inputs: PromptInputs) -> Prompt:
        """Attach ``inputs`` to ``text``."""
        prompt = super().__new__(cls, text)
        prompt.inputs = inputs
        return prompt


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
) -> Prompt:
    """Ask for the contextual helper of a source from its names, headers and opening text."""
    inputs = HelperInputs(excerpt, source_id, file_name, title, tuple(headers))
    lines = [
        "Describe the source below in five fields: its title, its author, its date "
        "(ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD), its topic in a few words, and a one-paragraph "
        "summary of at most about 120 words.",
        "Use only what the text and its file name state. Write unknown for every field they "
        "do not state; most texts state no author and no date.",
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
    return Prompt("\n".join(lines), inputs)


def classification_prompt(
    chunks: Sequence[PromptChunk],
    *,
    level: int,
    depth: int,
    existing: Sequence[str],
    allow_new: bool,
    parent_path: Sequence[str] = (),
    helper: str | None = None,
) -> Prompt:
    """Ask for one category per chunk at ``level``, under ``parent_path``, reusing ``existing``."""
    inputs = ClassificationInputs(
        tuple(chunks), level, depth, tuple(existing), allow_new, tuple(parent_path), helper
    )
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
            "Create a new category only when no existing one fits, general enough to hold "
            f"similar chunks. {NAMING_RULES}"
        )
    else:
        lines.append(
            f"Level {level} is full: choose one of the existing categories listed above; "
            "do not create a new one."
        )
    lines.append("")
    lines += _blocks(chunks)
    example = [
        {"id": number, "category": path[min(level, len(path)) - 1]}
        for number, path in enumerate(EXAMPLE_PATHS, 1)
    ]
    lines += [
        "Answer with one entry per chunk, in order: the chunk number and the category name "
        "only; never repeat the text.",
        f"{EXAMPLE_NOTE} {json.dumps({'chunks': example})}",
    ]
    return Prompt("\n".join(lines), inputs)


def path_classification_prompt(
    chunks: Sequence[PromptChunk],
    *,
    depth: int,
    tree: Sequence[Sequence[str]],
    full_levels: Sequence[int] = (),
    helper: str | None = None,
) -> Prompt:
    """Ask for a whole category path (``depth`` names) per chunk, reusing the branches of ``tree``.

    ``tree`` lists existing paths from level 1 down (a path's prefixes may be
    omitted); it is drawn as an indented outline.
    """
    inputs = PathClassificationInputs(
        tuple(chunks),
        depth,
        tuple(tuple(path) for path in tree),
        tuple(sorted(set(full_levels))),
        helper,
    )
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
    for level in inputs.full_levels:
        lines.append(
            f"Level {level} is full: at level {level} use only names that already exist there."
        )
    lines.append(f"Create a new category only when no existing one fits. {NAMING_RULES}")
    lines.append("")
    lines += _blocks(chunks)
    lines.append(
        f"Answer with one entry per chunk, in order: the chunk number and its path of exactly "
        f"{depth} names, from level 1 down; never repeat the text."
    )
    if depth <= len(EXAMPLE_PATHS[0]):
        example = [
            {"id": number, "path": list(path[:depth])}
            for number, path in enumerate(EXAMPLE_PATHS, 1)
        ]
        lines.append(f"{EXAMPLE_NOTE} {json.dumps({'chunks': example})}")
    return Prompt("\n".join(lines), inputs)


def selection_prompt(
    query: str,
    *,
    candidates: Sequence[CandidateCategory],
    count: int,
    level: int,
    depth: int,
    parent_path: Sequence[str] = (),
    helpers: Sequence[str] = (),
) -> Prompt:
    """Ask which ``count`` of ``candidates`` to explore for ``query``, ranked."""
    inputs = SelectionInputs(
        query, tuple(candidates), count, level, depth, tuple(parent_path), tuple(helpers)
    )
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
    return Prompt("\n".join(lines), inputs)


def curation_prompt(
    siblings: Sequence[CurationCandidate], *, level: int, parent_path: Sequence[str] = ()
) -> Prompt:
    """Ask which of the sibling ``siblings`` are near-duplicates to merge, and why."""
    inputs = CurationInputs(tuple(siblings), level, tuple(parent_path))
    where = PATH_SEPARATOR.join(parent_path) if parent_path else "(the top level)"
    lines = [f"Level: {level}. Parent path: {where}", "Sibling categories:"]
    for sibling in siblings:
        words = f"; frequent words: {', '.join(sibling.keywords)}" if sibling.keywords else ""
        lines.append(f"- {sibling.name} ({sibling.chunk_count} chunk(s){words})")
        if sibling.sample:
            lines.append(f"  Opening of its first chunk: {_quoted(sibling.sample)}")
    lines += [
        "",
        "List the merges of near-duplicates: for each, the category to merge away, the "
        "sibling to merge it into (the better name, or the one with more chunks) and a short "
        "reason. Use the names exactly as listed; never merge a category into itself, and "
        "never merge into a category that is itself merged away. An empty list is a good "
        "answer when the siblings are distinct.",
    ]
    return Prompt("\n".join(lines), inputs)


def summary_prompt(chunks: Sequence[SummaryChunk], *, query: str | None = None) -> Prompt:
    """Ask for a summary of every chunk within its character target."""
    inputs = SummaryInputs(tuple(chunks), query)
    lines = [
        "Summarize each chunk below. A summary must not be longer than the character target "
        "of its chunk; keep the facts, names, numbers and dates that matter.",
        "",
    ]
    if query:
        lines += [QUESTION_HEADER, _quoted(query), ""]
    for chunk in chunks:
        lines += [chunk_block(chunk.id, chunk.text, f"at most {chunk.target_chars} characters"), ""]
    lines.append("Answer with one summary per chunk, by chunk number.")
    return Prompt("\n".join(lines), inputs)


def answer_prompt(
    query: str, chunks: Sequence[AnswerChunk], *, helpers: Sequence[str] = ()
) -> Prompt:
    """Ask for the answer to ``query`` from the numbered chunks, citing their numbers."""
    inputs = AnswerInputs(query, tuple(chunks), tuple(helpers))
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
    return Prompt("\n".join(lines), inputs)


def outline(tree: Sequence[Sequence[str]]) -> Outline:
    """Paths as nested names, each branch once, children in first-seen order."""
    root: Outline = {}
    for path in tree:
        node = root
        for name in path:
            node = node.setdefault(name, {})
    return root


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
    lines: list[str] = []

    def draw(node: Outline, indent: int) -> None:
        for name, children in node.items():
            lines.append(f"{'  ' * indent}- {name}")
            draw(children, indent + 1)

    draw(outline(tree), 0)
    return lines
