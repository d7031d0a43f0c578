"""The frozen zlib dictionary that primes the compression of audit-log payloads (version 1).

zlib finds repeats only within one payload; a preset dictionary lets even the
first sentence of a prompt be a back-reference. This one holds memoir-ai's
prompt wording and answer shapes as they were when packing was introduced.

Never edit it: every payload stored under the tag ``m1``/``r1`` decompresses
only with these exact bytes (a unit test pins their SHA-256). When the prompts
drift far from it, compression merely gets a little worse; a better dictionary
needs a new version and new tags beside these.
"""

from __future__ import annotations

__all__ = ["DICTIONARY_V1"]

# Composed from the prompt functions of memoir_ai/llm/prompts.py called with empty
# inputs (chunk texts as references), and the JSON shapes of their answers. zlib's
# matches are cheapest at short distances, so the most frequent wording
# (classification prompts and their answers) comes last.
_TEXT = (
    "You choose which branches of a category tree to search for the answer to a "
    "question, and rank them by relevance.\n"
    "You summarize chunks of text, keeping the facts, names, numbers and dates that "
    "matter, and never exceed the character target of a chunk.\n"
    "You answer questions using only the numbered chunks you are given, and cite the "
    "numbers of the chunks you rely on. If the chunks do not contain the answer, say "
    "so.\n"
    "You describe documents for a librarian. Use only what the text and its file name "
    "state. For every field they do not state — often the author and the date — write "
    "exactly: unknown. Never guess a name or a date.\n"
    "Summarize each chunk below. A summary must not be longer than the character "
    "target of its chunk; keep the facts, names, numbers and dates that matter.\n"
    "\n"
    "Chunk 1 (at most 100 characters):\n"
    '"""\n'
    "\n"
    '"""\n'
    "\n"
    "Answer with one summary per chunk, by chunk number.\n"
    '{"summaries":[{"id":1,"summary":""},{"id":2,"summary":""}]}\n'
    "Question:\n"
    '"""\n'
    "\n"
    '"""\n'
    "\n"
    "Chunks retrieved from the memory:\n"
    "\n"
    "Chunk 1 (category:  > ):\n"
    '"""\n'
    "\n"
    '"""\n'
    "\n"
    "Answer the question using only these chunks, and list in cited_chunk_ids the "
    "numbers of the chunks your answer relies on. If they do not contain the answer, "
    "say so.\n"
    '{"answer":"","cited_chunk_ids":[1,2]}\n'
    "Question:\n"
    '"""\n'
    "\n"
    '"""\n'
    "\n"
    "Level: 1 of 3. Parent path: (none)\n"
    "Candidate categories:\n"
    "- \n"
    "\n"
    "Choose exactly 3 of these categories, those most likely to hold the answer, and "
    "rank them: ranked_relevance runs from 1 to 3, each number used once, and the most "
    "relevant category gets 3. Use the names exactly as listed.\n"
    '{"categories":[{"name":"","ranked_relevance":3},{"name":"","ranked_relevance":2}]}\n'
    "Describe the source below in five fields: its title, its author, its date (ISO "
    "8601: YYYY, YYYY-MM or YYYY-MM-DD), its topic in a few words, and a one-paragraph "
    "summary of at most about 120 words.\n"
    "Use only what the text and its file name state. Write unknown for every field "
    "they do not state; most texts state no author and no date.\n"
    "\n"
    "Source id: \n"
    "File name: .md\n"
    "Headers:\n"
    "- \n"
    "\n"
    "Opening excerpt:\n"
    '"""\n'
    "\ue000:\ue001\n"
    '"""\n'
    '{"title":"","author":"unknown","date":"unknown","topic":"","summary":" Key terms: '
    '"}\n'
    "You file chunks of text into a category tree. Reuse existing categories whenever "
    "they fit, so that similar text ends up together; invent a new category only when "
    "nothing fits. A category name is a short noun phrase naming a subject, like a "
    "library shelf label: 1 to 4 words, at most 60 characters, no sentence punctuation "
    "(. ! ? ; :), never a sentence and never the opening words of a chunk. Answer with "
    "chunk numbers and category names only.\n"
    "Choose a category for each chunk below. Level: 1 of 3.\n"
    "Parent path: (none)\n"
    "\n"
    "Existing categories at level 1 at the top of the tree: none yet.\n"
    "\n"
    "Level 1 is full: choose one of the existing categories listed above; do not "
    "create a new one.\n"
    "\n"
    "Chunk 1:\n"
    '"""\n'
    "\ue000:\ue001\n"
    '"""\n'
    "\n"
    "Answer with one entry per chunk, in order: the chunk number and the category name "
    "only; never repeat the text.\n"
    'Example of the form only (other chunks, other names): {"chunks": [{"id": 1, '
    '"category": "Gardening"}, {"id": 2, "category": "Personal Finance"}]}\n'
    "Choose a category for each chunk below. Level: 2 of 3.\n"
    "Parent path: \n"
    "\n"
    "Existing categories at level 2 under the parent category  (reuse one whenever it "
    "fits):\n"
    "- \n"
    "\n"
    "Create a new category only when no existing one fits, general enough to hold "
    "similar chunks. A category name is a short noun phrase naming a subject, like a "
    "library shelf label: 1 to 4 words, at most 60 characters, no sentence punctuation "
    "(. ! ? ; :), never a sentence and never the opening words of a chunk.\n"
    "\n"
    "Chunk 1:\n"
    '"""\n'
    "\ue000:\ue001\n"
    '"""\n'
    "\n"
    "Chunk 2:\n"
    '"""\n'
    "\ue000:\ue001\n"
    '"""\n'
    "\n"
    "Answer with one entry per chunk, in order: the chunk number and the category name "
    "only; never repeat the text.\n"
    'Example of the form only (other chunks, other names): {"chunks": [{"id": 1, '
    '"category": "Vegetables"}, {"id": 2, "category": "Taxes"}]}\n'
    '{"chunks":[{"id":1,"category":""},{"id":2,"category":""},{"id":3,"category":""}]}\n'
    "Choose a category path of exactly 3 levels for each chunk below, from the top "
    "level (level 1) down to level 3.\n"
    "\n"
    "Existing category tree: empty.\n"
    "\n"
    "Level 1 is full: at level 1 use only names that already exist there.\n"
    "Create a new category only when no existing one fits. A category name is a short "
    "noun phrase naming a subject, like a library shelf label: 1 to 4 words, at most "
    "60 characters, no sentence punctuation (. ! ? ; :), never a sentence and never "
    "the opening words of a chunk.\n"
    "\n"
    "Chunk 1:\n"
    '"""\n'
    "\ue000:\ue001\n"
    '"""\n'
    "\n"
    "Answer with one entry per chunk, in order: the chunk number and its path of "
    "exactly 3 names, from level 1 down; never repeat the text.\n"
    'Example of the form only (other chunks, other names): {"chunks": [{"id": 1, '
    '"path": ["Gardening", "Vegetables", "Tomato Growing"]}, {"id": 2, "path": '
    '["Personal Finance", "Taxes", "Tax Returns"]}]}\n'
    "Choose a category path of exactly 3 levels for each chunk below, from the top "
    "level (level 1) down to level 3.\n"
    "\n"
    "Source description:\n"
    '"""\n'
    "Title: . Author: unknown. Date: unknown. Topic: \n"
    '"""\n'
    "\n"
    "Existing category tree (reuse its branches whenever they fit):\n"
    "- \n"
    "  - \n"
    "    - \n"
    "\n"
    "Create a new category only when no existing one fits. A category name is a short "
    "noun phrase naming a subject, like a library shelf label: 1 to 4 words, at most "
    "60 characters, no sentence punctuation (. ! ? ; :), never a sentence and never "
    "the opening words of a chunk.\n"
    "\n"
    "Chunk 1:\n"
    '"""\n'
    "\ue000:\ue001\n"
    '"""\n'
    "\n"
    "Chunk 2:\n"
    '"""\n'
    "\ue000:\ue001\n"
    '"""\n'
    "\n"
    "Chunk 3:\n"
    '"""\n'
    "\ue000:\ue001\n"
    '"""\n'
    "\n"
    "Answer with one entry per chunk, in order: the chunk number and its path of "
    "exactly 3 names, from level 1 down; never repeat the text.\n"
    'Example of the form only (other chunks, other names): {"chunks": [{"id": 1, '
    '"path": ["Gardening", "Vegetables", "Tomato Growing"]}, {"id": 2, "path": '
    '["Personal Finance", "Taxes", "Tax Returns"]}]}\n'
    '{"chunks":[{"id":1,"path":["",""," & "]},{"id":2,"path":["",""," & '
    '"]},{"id":3,"path":["",""," & "]}]}'
)

DICTIONARY_V1: bytes = _TEXT.encode("utf-8")
