"""Typed outputs of every LLM call, and builders for the ones whose choices change per call.

Each purpose has one output model. The model sees its JSON schema (as a native
response format or as the arguments of an output tool), and pydantic checks the
answer before the pipeline reads it:

- ``helper``: :class:`GeneratedHelper` (title, author, date, topic, summary).
- ``classify``: :class:`ChunkCategories` (level by level: one category name
  per chunk) or :class:`ChunkPaths` (whole paths in one call). Answers carry
  chunk ids and names only, never the text.
- ``select``: :class:`CategorySelection` (categories with ``ranked_relevance``).
- ``summarize``: :class:`ChunkSummaries` (chunk id → summary).
- ``answer``: :class:`CitedAnswer` (answer text and cited chunk ids).
- ``curate``: :class:`CurationPlan` (merges of near-duplicate siblings, each
  with its reason), for ``memoir tidy``.

The builders (:func:`classification_output`, :func:`selection_output`, ...)
narrow a field to a ``Literal`` of the values allowed in one call, so that a
full level cannot gain a category and a citation cannot name a chunk that was
not shown, and bound every list by the chunks or candidates of the call (which
also bounds the call's ``max_tokens``, see :mod:`~memoir_ai.llm.limits`). They
are cached: the same shape gives the same class, so the agent built for it is
reused too. Checks that concern a single chunk (a missing id) are left to the
pipeline on purpose: one bad chunk must not fail its whole batch, it is
retried alone (see :func:`category_name_problem`). A category name's rules
(length, no sentence punctuation) are shown to the model in the schema, which
a grammar-constrained local server enforces while decoding; they are checked
by :mod:`~memoir_ai.llm.names`, which asks once more with the reasons and then
shortens what is still wrong.
"""

from __future__ import annotations

import enum
import functools
import unicodedata
from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from memoir_ai.errors import ClassificationError, ValidationError

__all__ = [
    "MAX_CATEGORY_NAME_LENGTH",
    "CategorySelection",
    "ChunkCategories",
    "ChunkCategory",
    "ChunkPath",
    "ChunkPaths",
    "ChunkSummaries",
    "ChunkSummary",
    "CitedAnswer",
    "CurationPlan",
    "GeneratedHelper",
    "LLMPurpose",
    "ProposedMerge",
    "RankedCategory",
    "answer_output",
    "category_name_problem",
    "classification_output",
    "curation_output",
    "path_classification_output",
    "selection_output",
    "summary_output",
]

MAX_CATEGORY_NAME_LENGTH = 60
"""Longest category name accepted from a model, in characters."""
NAME_PATTERN = r"^[^.!?;:\n]+$"
"""A category name has no sentence punctuation (shown to the model; see :mod:`.names`)."""
CACHED_SHAPES = 1024

CategoryName = Annotated[
    str,
    Field(
        description=(
            "A short category name: 1 to 4 words, no sentence punctuation, "
            f"at most {MAX_CATEGORY_NAME_LENGTH} characters."
        ),
        json_schema_extra={"maxLength": MAX_CATEGORY_NAME_LENGTH, "pattern": NAME_PATTERN},
    ),
]
"""A name as the model sees it in the schema; checked and repaired by :mod:`.names`."""

ModelT = TypeVar("ModelT", bound=BaseModel)


class LLMPurpose(enum.StrEnum):
    """Why a model is called; recorded with every call."""

    HELPER = "helper"
    CLASSIFY = "classify"
    SELECT = "select"
    SUMMARIZE = "summarize"
    ANSWER = "answer"
    CURATE = "curate"


class _Output(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GeneratedHelper(_Output):
    """A short description of a source: what it is, who wrote it, when, and what it says."""

    title: str = Field(
        description="The title of the source as the text or file name gives it, or 'unknown'.",
        max_length=120,
    )
    author: str = Field(
        description="The author named in the text or file name, or 'unknown'.", max_length=100
    )
    date: str = Field(
        description=(
            "The date the text or file name states, ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD), "
            "or 'unknown'."
        ),
        max_length=10,
    )
    topic: str = Field(description="The subject in a few words, or 'unknown'.", max_length=100)
    summary: str = Field(
        description="One paragraph (at most about 120 words) saying what the source contains.",
        max_length=720,
    )

    def to_text(self) -> str:
        """The helper paragraph put into prompts (the caller trims it to its token ceiling)."""
        return (
            f"Title: {_sentence(self.title)} Author: {_sentence(self.author)} "
            f"Date: {_sentence(self.date)} Topic: {_sentence(self.topic)} {self.summary.strip()}"
        ).strip()


class ChunkCategory(_Output):
    """The category chosen for one chunk."""

    id: int = Field(description="The number N of the block 'Chunk N:' in the prompt.")
    category: CategoryName


class ChunkCategories(_Output):
    """One category per chunk of the batch, by chunk number; never repeat the chunk text."""

    chunks: list[ChunkCategory]


class ChunkPath(_Output):
    """The whole category path chosen for one chunk, from the top level down to a leaf."""

    id: int = Field(description="The number N of the block 'Chunk N:' in the prompt.")
    path: list[CategoryName] = Field(description="Category names from level 1 down to the last.")


class ChunkPaths(_Output):
    """One category path per chunk of the batch, by chunk number; never repeat the chunk text."""

    chunks: list[ChunkPath]


class RankedCategory(_Output):
    """A category judged relevant to the question, with its rank."""

    name: str = Field(description="The category name, exactly as listed.")
    ranked_relevance: int = Field(
        ge=1, description="1..N, each used once; the most relevant category gets N."
    )


class CategorySelection(_Output):
    """The categories to explore for a question, each with a unique rank."""

    categories: list[RankedCategory]

    @model_validator(mode="after")
    def _check_rankings(self) -> CategorySelection:
        names = [category.name for category in self.categories]
        if len(set(names)) != len(names):
            raise ValueError("each category may be chosen only once")
        ranks = sorted(category.ranked_relevance for category in self.categories)
        if ranks != list(range(1, len(ranks) + 1)):
            raise ValueError(
                f"ranked_relevance must use each of 1..{len(ranks)} exactly once "
                f"(the most relevant gets {len(ranks)}), got {ranks}"
            )
        return self

    def ranked_names(self) -> list[str]:
        """The chosen names, most relevant first."""
        ordered = sorted(self.categories, key=lambda category: -category.ranked_relevance)
        return [category.name for category in ordered]


class ChunkSummary(_Output):
    """The summary of one chunk."""

    id: int = Field(description="The number N of the block 'Chunk N:' in the prompt.")
    summary: str = Field(description="The summary, within the character target of that chunk.")


class ChunkSummaries(_Output):
    """One summary per chunk shown, by chunk number."""

    summaries: list[ChunkSummary]


class CitedAnswer(_Output):
    """The answer to the question and the chunks it relies on."""

    answer: str = Field(description="The answer, using only the numbered chunks.")
    cited_chunk_ids: list[int] = Field(
        description="The numbers of the chunks the answer relies on (only numbers shown)."
    )


class ProposedMerge(_Output):
    """One merge of near-duplicate siblings: ``category`` into ``into``, and why."""

    category: str = Field(description="The category to merge away, exactly as listed.")
    into: str = Field(description="The sibling it merges into, exactly as listed.")
    reason: str = Field(
        description="Why the two hold the same subject, in one short sentence.", max_length=200
    )


class CurationPlan(_Output):
    """The merges of near-duplicate siblings; an empty list when every sibling is distinct."""

    merges: list[ProposedMerge]


def category_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a category name, or ``None`` when it can.

    A name must be non-blank, at most :data:`MAX_CATEGORY_NAME_LENGTH`
    characters after trimming, free of control characters, and without ``>``
    (the separator of a path such as ``"Astronomy > Moon"``).
    """
    stripped = name.strip()
    if not stripped:
        return "the category name is empty"
    if len(stripped) > MAX_CATEGORY_NAME_LENGTH:
        return (
            f"the category name has {len(stripped)} characters, "
            f"more than {MAX_CATEGORY_NAME_LENGTH}"
        )
    if any(unicodedata.category(character) in {"Cc", "Cf"} for character in name):
        return "the category name contains control characters"
    if ">" in name:
        return "the category name contains '>', which separates the names of a path"
    return None


def classification_output(
    existing: Sequence[str], allow_new: bool, count: int | None = None
) -> type[ChunkCategories]:
    """The output type of one level-by-level classification call.

    Args:
        existing: The categories already present where the chunks are being
            filed (at this level, under their parent).
        allow_new: ``False`` when the level is full: the ``category`` field is
            then a ``Literal`` of ``existing``, so no new name can be returned.
        count: The chunks of the batch: the answer lists at most that many.

    Raises:
        ClassificationError: The level is full and there is nothing to reuse.
    """
    names = () if allow_new else tuple(_unique(existing))
    if not allow_new and not names:
        raise ClassificationError(
            "The category level is full and has no existing category to file the chunks under.",
            remedy="raise max_categories_per_level for that level.",
        )
    return _classification_output(names, allow_new, _count(count))


@functools.lru_cache(maxsize=CACHED_SHAPES)
def _classification_output(
    names: tuple[str, ...], allow_new: bool, count: int | None
) -> type[ChunkCategories]:
    item: type[ChunkCategory] = (
        ChunkCategory if allow_new else _narrowed(ChunkCategory, category=_literal(names))
    )
    if count is None and allow_new:
        return ChunkCategories
    return _narrowed(ChunkCategories, chunks=_bounded_list(item, count))


def path_classification_output(depth: int, count: int | None = None) -> type[ChunkPaths]:
    """The output type of a whole-path classification call: ``depth`` names per chunk.

    ``count`` (the chunks of the batch) bounds the number of paths.
    """
    if depth < 1:
        raise ValidationError(
            f"A category path needs at least one level, got depth {depth}.",
            remedy="use a hierarchy depth between 1 and 100.",
        )
    return _path_classification_output(depth, _count(count))


@functools.lru_cache(maxsize=CACHED_SHAPES)
def _path_classification_output(depth: int, count: int | None) -> type[ChunkPaths]:
    bounded = Annotated[
        list[CategoryName],
        Field(
            min_length=depth,
            max_length=depth,
            description=f"Exactly {depth} category names, from level 1 down to level {depth}.",
        ),
    ]
    item = _narrowed(ChunkPath, path=bounded)
    return _narrowed(ChunkPaths, chunks=_bounded_list(item, count))


def selection_output(candidates: Sequence[str], count: int) -> type[CategorySelection]:
    """The output type of one traversal step: exactly ``count`` of ``candidates``, ranked.

    ``count`` is capped by the number of candidates; names are a ``Literal`` of
    the candidates and ``ranked_relevance`` is bounded by the count.
    """
    names = tuple(_unique(candidates))
    if not names:
        raise ValidationError(
            "There is no candidate category to choose from.",
            remedy="select only where the tree has categories.",
        )
    if count < 1:
        raise ValidationError(
            f"At least one category must be selected per step, got {count}.",
            remedy="pass a count of 1 or more.",
        )
    return _selection_output(names, min(count, len(names)))


@functools.lru_cache(maxsize=CACHED_SHAPES)
def _selection_output(names: tuple[str, ...], count: int) -> type[CategorySelection]:
    rank = Annotated[
        int,
        Field(
            ge=1, le=count, description=f"1..{count}, each once; the most relevant gets {count}."
        ),
    ]
    item = _narrowed(RankedCategory, name=_literal(names), ranked_relevance=rank)
    bounded = Annotated[list[item], Field(min_length=count, max_length=count)]  # type: ignore[valid-type]
    return _narrowed(CategorySelection, categories=bounded)


def summary_output(chunk_ids: Sequence[int]) -> type[ChunkSummaries]:
    """The output type of a summary call whose ``id`` can only name the chunks shown."""
    return _summary_output(tuple(_required_ids(chunk_ids)))


@functools.lru_cache(maxsize=CACHED_SHAPES)
def _summary_output(ids: tuple[int, ...]) -> type[ChunkSummaries]:
    item = _narrowed(ChunkSummary, id=_literal(ids))
    return _narrowed(ChunkSummaries, summaries=list[item])  # type: ignore[valid-type]


def answer_output(chunk_ids: Sequence[int]) -> type[CitedAnswer]:
    """The output type of the final answer, citing only the chunks shown."""
    return _answer_output(tuple(_required_ids(chunk_ids)))


@functools.lru_cache(maxsize=CACHED_SHAPES)
def _answer_output(ids: tuple[int, ...]) -> type[CitedAnswer]:
    return _narrowed(CitedAnswer, cited_chunk_ids=list[_literal(ids)])  # type: ignore[misc]


def curation_output(names: Sequence[str]) -> type[CurationPlan]:
    """The output type of one curation call: merges among ``names`` only, fewer than there are."""
    unique = tuple(_unique(names))
    if len(unique) < 2:
        raise ValidationError(
            "Merging needs at least two sibling categories.",
            remedy="ask for curation only where a parent has two or more children.",
        )
    return _curation_output(unique)


@functools.lru_cache(maxsize=CACHED_SHAPES)
def _curation_output(names: tuple[str, ...]) -> type[CurationPlan]:
    item = _narrowed(ProposedMerge, category=_literal(names), into=_literal(names))
    return _narrowed(CurationPlan, merges=_bounded_list(item, len(names) - 1))


def _count(count: int | None) -> int | None:
    if count is not None and count < 1:
        raise ValidationError(
            f"A batch needs at least one chunk, got {count}.", remedy="pass a count of 1 or more."
        )
    return count


def _bounded_list(item: type[BaseModel], count: int | None) -> Any:
    """A list shown to the model with at most ``count`` items.

    The bound is in the schema only (it bounds the call's ``max_tokens`` and a
    grammar-constrained decoder); pydantic does not enforce it, so that an
    extra or repeated entry fails only its chunk, not the whole batch.
    """
    if count is None:
        return list[item]  # type: ignore[valid-type]
    return Annotated[list[item], Field(json_schema_extra={"maxItems": count})]  # type: ignore[valid-type]


def _narrowed(base: type[ModelT], **fields: Any) -> type[ModelT]:
    """A subclass of ``base`` (same name, so the same schema title) with narrower fields."""
    definitions: dict[str, Any] = {name: (annotation, ...) for name, annotation in fields.items()}
    for name, annotation in fields.items():
        original = base.model_fields[name]
        if original.description and not _has_description(annotation):
            definitions[name] = (annotation, Field(description=original.description))
    model = create_model(base.__name__, __base__=base, __module__=base.__module__, **definitions)
    model.__doc__ = base.__doc__
    return model


def _has_description(annotation: Any) -> bool:
    metadata = getattr(annotation, "__metadata__", ())
    return any(getattr(item, "description", None) for item in metadata)


def _literal(values: Sequence[Any]) -> Any:
    return Literal[tuple(values)]


def _unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _required_ids(chunk_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(chunk_ids))
    if not ids:
        raise ValidationError(
            "No chunk was given to the model.", remedy="pass at least one chunk id."
        )
    return ids


def _sentence(value: str) -> str:
    value = value.strip() or "unknown"
    return value if value.endswith((".", "!", "?")) else f"{value}."
