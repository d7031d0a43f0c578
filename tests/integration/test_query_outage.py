"""A query's reads are units of work like any other: a connection lost between them is re-run.

The server is real; between it and memoir sits a TCP forwarder. Each time the
model is called (no transaction is open then), the forwarder cuts every
connection and refuses new ones for a moment, so the query's next read — the
candidates of the next level, the chunks of the chosen leaves, the helpers of
the sources used, the audit log — meets a lost connection.
"""

from __future__ import annotations

import logging

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy.engine import make_url

from memoir_ai import MemoirAI
from memoir_ai.llm.offline import OfflineResponder
from tests._proxy import DelayedTcpProxy
from tests.corpus import SETTINGS, build_memory

OUTAGE_SECONDS = 0.6


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_a_query_rides_out_a_lost_connection_after_each_model_call(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with MemoirAI(database_url=database_url, **SETTINGS) as memoir:
        build_memory(memoir)
        expected = memoir.query_sync("How do telescopes see distant stars?")
    real = make_url(database_url)
    with DelayedTcpProxy(real.host or "127.0.0.1", int(real.port or 0), delay=0) as proxy:
        offline = OfflineResponder()
        outages = 0

        async def cut_then_answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
            nonlocal outages
            outages += 1
            proxy.outage(OUTAGE_SECONDS)
            return await offline(messages, info)

        url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        caplog.set_level(logging.WARNING, logger="memoir_ai")
        with MemoirAI(
            database_url=url,
            llm=FunctionModel(cut_then_answer, model_name="offline"),
            db_connect_timeout=2,
            **SETTINGS,
        ) as memoir:
            result = memoir.query_sync("How do telescopes see distant stars?")
    assert outages == result.llm_call_count >= 2  # a selection and the answer, at least
    assert proxy.dropped > 0  # the reads after the calls really met the outage
    assert result.answer == expected.answer
    assert [chunk.id for chunk in result.chunks] == [chunk.id for chunk in expected.chunks]
    retried = [r.getMessage() for r in caplog.records if "Retrying in" in r.getMessage()]
    assert any(message.startswith("Reading the") for message in retried), retried
