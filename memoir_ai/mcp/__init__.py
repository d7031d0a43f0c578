"""``memoir mcp``: the memory as an MCP server, for agents (the official MCP Python SDK).

A thin front door over one :class:`~memoir_ai.MemoirAI`, opened once for the
life of the server: every tool and resource calls one of its public methods,
and every structured result is the dump of the public result it returns.

- :mod:`memoir_ai.mcp.server` builds the server: its tools and resources.
- :mod:`memoir_ai.mcp.transports` runs it over stdio or streamable HTTP.

Needs the ``mcp`` extra (``pip install 'memoir-ai[mcp]'``); nothing here is
imported by ``import memoir_ai`` or ``memoir --help``.
"""
