"""How a query's messages name its parameters: in the Python API's words, or a front door's.

A message such as "use max_token_budget=1500 or more" is right in Python and
wrong on the command line, where the same setting is ``--budget 1500``. The
query layer therefore never spells a parameter itself: every message and
remedy that names one asks a :class:`QueryWording`. :data:`API_WORDING` (the
default) names the parameters of :meth:`memoir_ai.MemoirAI.query`;
``memoir query`` passes :data:`CLI_WORDING`, which names its options. A new
front door (MCP, HTTP) builds its own the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["API_WORDING", "CLI_WORDING", "QueryWording"]


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
