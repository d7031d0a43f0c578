"""How a query's messages name its parameters: in the Python API's words, or a front door's.

A message such as "use max_token_budget=1500 or more" is right in Python and
wrong on the command line, where the same setting is ``--budget 1500``. The
query layer therefore never spells a parameter itself: every message and
remedy that names one asks a :class:`QueryWording`. :data:`API_WORDING` names
the parameters of :meth:`memoir_ai.MemoirAI.query`, :data:`CLI_WORDING` the
options of ``memoir query``, :data:`MCP_WORDING` the arguments of the MCP
``query`` tool and :data:`HTTP_WORDING` the fields of ``POST /api/query``.
:meth:`memoir_ai.MemoirAI.query` uses its front door's
(:attr:`memoir_ai.door_words.DoorWords.query`); a new front door adds its own
to :data:`QUERY_WORDINGS`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "API_WORDING",
    "CLI_WORDING",
    "HTTP_WORDING",
    "MCP_WORDING",
    "QUERY_WORDINGS",
    "QueryWording",
]


@dataclass(frozen=True)
class QueryWording:
    """The names of the query's parameters and values in one interface.

    Each template is filled with :meth:`str.format`: ``{value}`` is a value,
    ``{name}`` a strategy parameter's name (``n``, ``n2``).
    """

    question: str = "query_text"
    """The question itself."""
    budget_template: str = "max_token_budget={value}"
    """The token budget set to a value."""
    budget_name: str = "max_token_budget"
    """The token budget, without a value."""
    limit_template: str = "limit={value}"
    """The most chunks read per path, set to a value."""
    limit_name: str = "limit"
    """The most chunks per path, without a value."""
    param_name: str = "strategy_params[{name!r}]"
    """One strategy parameter, without a value."""
    param_template: str = "strategy_params={{{name!r}: {value}}}"
    """One strategy parameter set to a value."""
    strategy_template: str = "strategy='{value}'"
    """The traversal strategy set to a value."""
    prune: str = "prompt_limiting_strategy='prune'"
    """Choosing PRUNE."""
    summarize: str = "prompt_limiting_strategy='summarize'"
    """Choosing SUMMARIZE."""
    ingest: str = "ingest_text"
    """How text gets into the memory."""

    def budget(self, tokens: int) -> str:
        """The budget set to ``tokens``."""
        return self.budget_template.format(value=tokens)

    def limit(self, chunks: int) -> str:
        """The per-path limit set to ``chunks``."""
        return self.limit_template.format(value=chunks)

    def param(self, name: str, value: object | None = None) -> str:
        """Strategy parameter ``name``, set to ``value`` when given."""
        if value is None:
            return self.param_name.format(name=name)
        return self.param_template.format(name=name, value=value)

    def strategy(self, value: str) -> str:
        """The strategy set to ``value``."""
        return self.strategy_template.format(value=value)


API_WORDING = QueryWording()
"""The Python API's names (:meth:`memoir_ai.MemoirAI.query`)."""

CLI_WORDING = QueryWording(
    question="the QUESTION argument",
    budget_template="--budget {value}",
    budget_name="--budget",
    limit_template="--limit {value}",
    limit_name="--limit",
    param_name="--{name}",
    param_template="--{name} {value}",
    strategy_template="--strategy {value}",
    prune="--limiting prune",
    summarize="--summarize",
    ingest="`memoir ingest PATH`",
)
"""The names of ``memoir query``'s options."""

MCP_WORDING = QueryWording(question="question", ingest="the ingest_text tool")
"""The arguments of the MCP ``query`` tool (the Python names, but the question and ingest)."""

HTTP_WORDING = QueryWording(
    question='"question"',
    budget_template='"max_token_budget": {value}',
    budget_name='"max_token_budget"',
    limit_template='"limit": {value}',
    limit_name='"limit"',
    param_name='"strategy_params": {{"{name}": ...}}',
    param_template='"strategy_params": {{"{name}": {value}}}',
    strategy_template='"strategy": "{value}"',
    prune='"prompt_limiting_strategy": "prune"',
    summarize='"prompt_limiting_strategy": "summarize"',
    ingest="POST /api/sources",
)
"""The fields of ``POST /api/query``."""

QUERY_WORDINGS = {
    "python": API_WORDING,
    "cli": CLI_WORDING,
    "mcp": MCP_WORDING,
    "http": HTTP_WORDING,
}
"""Each front door (``MemoirAI.front_door``) → how its query refusals name parameters."""
