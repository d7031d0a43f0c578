"""Query layer of memoir-ai: walk the tree, read the leaves, fit the budget, answer with citations.

Import :class:`~memoir_ai.query.pipeline.QueryPipeline` from its module; this
package exports the light result types only.
"""

from memoir_ai.query.results import (
    CategoryPath,
    DroppedPath,
    NoResultsError,
    PromptLimitingStrategy,
    QueryCall,
    QueryResult,
    QueryStrategy,
    UsedChunk,
)

__all__ = [
    "CategoryPath",
    "DroppedPath",
    "NoResultsError",
    "PromptLimitingStrategy",
    "QueryCall",
    "QueryResult",
    "QueryStrategy",
    "UsedChunk",
]
