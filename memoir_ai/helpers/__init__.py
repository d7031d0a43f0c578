"""Contextual helpers: one short paragraph per source, put into every prompt about it.

- :mod:`memoir_ai.helpers.compose`: pure text work — the user's fields composed into
  a helper, titles detected, lengths checked (no database, no model).
- :mod:`memoir_ai.helpers.service`: helpers stored per source and versioned, drafted
  by the model, regenerated; used by ingestion and by :class:`~memoir_ai.MemoirAI`.

The package sits at the pipeline floor: it uses ``text``, ``llm`` and ``database``
and is used by ``ingest`` and ``memoir``, never the other way round.
"""
