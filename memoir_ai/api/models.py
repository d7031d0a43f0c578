"""The request bodies of the HTTP API, and the few answers that are not a public result.

Responses are the public results of :mod:`memoir_ai` (one JSON shape per noun,
the same the CLI prints with ``--json``); this module holds only what a client
sends, the error body, and the health answer.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from memoir_ai.query.results import QueryStrategy

__all__ = ["ErrorBody", "Health", "IngestRequest", "QueryRequest"]


class _Request(BaseModel):
    # An unknown field is a typo worth a 400, never silently ignored; a yes/no field takes
    # JSON true or false only (StrictBool: "yes" or 1 does not confirm a replacement).
    model_config = ConfigDict(extra="forbid")


class IngestRequest(_Request):
    """A text to store as one source (``POST /api/sources``)."""

    text: str = Field(description="The text to remember (plain text or Markdown).")
    source_id: str = Field(
        description="A stable id for the text, such as a path or a URL; slashes are fine."
    )
    title: str | None = Field(default=None, description="A title; by default taken from the text.")
    metadata: dict[str, Any] | None = Field(
        default=None, description="Your own JSON fields, stored with every chunk as given."
    )
    contextual_helper: str | None = Field(
        default=None,
        description="The source's description put into every prompt about it (at most 300 "
        "tokens); by default the model writes one.",
    )
    replace: StrictBool = Field(
        default=False,
        description="Must be true to replace different text stored under source_id; without "
        "it such a request is refused with 409 and nothing changes.",
    )


class QueryRequest(_Request):
    """A question to answer from the memory (``POST /api/query``)."""

    question: str = Field(description="The question, in plain language.")
    strategy: QueryStrategy = Field(
        default=QueryStrategy.ONE_SHOT,
        description="How widely the tree is walked: one_shot, wide_branch, zoom_in or branch_out.",
    )
    strategy_params: dict[str, int] | None = Field(
        default=None, description='The strategy\'s numbers, e.g. {"n": 6, "n2": 2}.'
    )
    prompt_limiting_strategy: Literal["prune", "summarize"] = Field(
        default="prune",
        description="What to do when the chunks do not fit the budget: leave paths out, or "
        "summarize the chunks.",
    )
    max_token_budget: int | None = Field(
        default=None, description="The most tokens the answer prompt may hold (server default)."
    )
    use_rankings: StrictBool = Field(
        default=True, description="Prune the least relevant paths first (else the last ones)."
    )
    limit: int = Field(default=10, description="The most chunks read from each chosen leaf.")


class ErrorBody(BaseModel):
    """Every error: what went wrong and what to do about it."""

    error: str
    remedy: str


class Health(BaseModel):
    """The answer of ``GET /healthz``: the server is up."""

    status: Literal["ok"] = "ok"
    version: str
