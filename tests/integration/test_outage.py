"""A database that goes away in the middle of an ingestion run is ridden out, within the bound.

The server is real; between it and memoir sits a TCP forwarder that cuts every
connection and drops new ones for a few seconds, as a restarted or unreachable
server does.
"""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy.engine import make_url

from memoir_ai import MemoirAI
from tests._proxy import DelayedTcpProxy
from tests.corpus import SETTINGS, SUBJECTS, rows

SOURCES = 12


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
@pytest.mark.parametrize("outage_seconds", [5, 12])
def test_an_outage_mid_ingest_is_ridden_out_and_nothing_is_half_stored(
    database_url: str, outage_seconds: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="memoir_ai")
    real = make_url(database_url)
    texts = {
        f"{name}-{index}.md": "\n\n".join(SUBJECTS[name][index:] + SUBJECTS[name][:index])
        for name in SUBJECTS
        for index in range(SOURCES // len(SUBJECTS))
    }
    with DelayedTcpProxy(real.host or "127.0.0.1", int(real.port or 0), delay=0) as proxy:
        through_proxy = real.set(host="127.0.0.1", port=proxy.port)
        url = through_proxy.render_as_string(hide_password=False)
        stored: list[str] = []
        with MemoirAI(
            database_url=url,
            db_retry_max_seconds=outage_seconds + 20,
            db_connect_timeout=2,
            auto_source_identification=False,
            **SETTINGS,
        ) as memoir:
            for index, (source_id, text) in enumerate(texts.items()):
                if index == 3:  # a few sources in: the server goes away
                    threading.Timer(0.05, proxy.outage, args=(outage_seconds,)).start()
                result = memoir.ingest_text_sync(text, source_id)
                stored.append(result.source_id)
        assert proxy.dropped > 0  # the outage really happened while memoir was working
    assert stored == list(texts)
    sources = rows(database_url, "SELECT source_id FROM sources ORDER BY source_id")
    assert [row[0] for row in sources] == sorted(texts)
    # No half source: every source has its chunks at positions 0..n-1, once each.
    for source_id in texts:
        positions = [
            row[0]
            for row in rows(
                database_url,
                "SELECT position FROM chunks WHERE source_id = :s ORDER BY position",
                s=source_id,
            )
        ]
        assert positions == list(range(len(positions))) and positions, source_id
    retries = [r.getMessage() for r in caplog.records if "Retrying in" in r.getMessage()]
    assert retries, "the outage should have been retried, with a log line per attempt"


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_an_outage_longer_than_the_bound_is_a_lost_connection_to_the_caller(
    database_url: str,
) -> None:
    """Past the retry bound the caller gets the connection error's class and kind, not "other".

    The CLI stops a multi-file run on it (every later file would meet it), so a
    re-wrapped plain DatabaseError or a connect failure of kind "other" would
    let the run go on, paying a retry bound per file.
    """
    from memoir_ai.errors import DatabaseConnectionError

    real = make_url(database_url)
    with DelayedTcpProxy(real.host or "127.0.0.1", int(real.port or 0), delay=0) as proxy:
        url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        with MemoirAI(
            database_url=url,
            db_retry_max_seconds=2,
            db_connect_timeout=1,
            auto_source_identification=False,
            **SETTINGS,
        ) as memoir:
            first, second = list(SUBJECTS.values())[:2]
            memoir.ingest_text_sync("\n\n".join(first), "first.md")
            proxy.outage(300)
            with pytest.raises(DatabaseConnectionError) as raised:
                memoir.ingest_text_sync("\n\n".join(second), "second.md")
    assert raised.value.kind == "connection" and raised.value.retryable
    assert "Nothing of the source was stored" in raised.value.message
