"""Cost before and after: ``memoir ingest --estimate`` against the real run, and USD per model.

The measures are independent of the code under test: the actual calls and
tokens are summed from the ``llm_calls`` table with SQL, the requests are
counted by the model server, and prices are read from liteLLM's own
``model_cost`` (liteLLM imported here, offline).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from memoir_ai import MemoirAI
from tests.fakes import FakeOpenAIServer, model_requests_allowed

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def _memoir(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "memoir"
    command = [str(script)] if script.exists() else [shutil.which("memoir") or "memoir"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMOIR_")}
    env.update({"LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "250", **settings})
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _litellm_prices(key: str) -> tuple[float, float]:
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    entry = litellm.model_cost[key]
    return float(entry["input_cost_per_token"]), float(entry["output_cost_per_token"])


def _logged(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT COUNT(*), SUM(input_tokens), SUM(output_tokens) FROM llm_calls")
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1]), int(row[2])


def test_the_estimate_of_the_samples_is_within_a_quarter_of_the_real_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'memoir.db'}"
    estimated = _memoir(tmp_path, "--db", url, "ingest", "--estimate", "--json", str(SAMPLES))
    assert estimated.returncode == 0, estimated.stderr
    assert not (tmp_path / "memoir.db").exists()  # nothing created, nothing stored
    estimate = json.loads(estimated.stdout)
    assert len(estimate["sources"]) == 8
    assert estimate["usd"] is None and "offline" in estimate["price_note"]

    ingested = _memoir(tmp_path, "--db", url, "ingest", str(SAMPLES))
    assert ingested.returncode == 0, ingested.stderr
    calls, tokens_in, tokens_out = _logged(url)
    for expected, actual in (
        (estimate["calls"], calls),
        (estimate["input_tokens"], tokens_in),
        (estimate["output_tokens"], tokens_out),
    ):
        assert abs(expected - actual) <= 0.25 * actual, (expected, actual)
    assert "no price: the offline stand-in" in ingested.stdout  # never a silent $0

    again = _memoir(tmp_path, "--db", url, "ingest", "--estimate", "--json", str(SAMPLES))
    assert json.loads(again.stdout)["calls"] == 0  # stored unchanged: nothing to pay


@pytest.mark.parametrize("where", ["dead server", "not a database"])
def test_an_estimate_against_a_database_it_cannot_read_is_an_error(
    where: str, tmp_path: Path
) -> None:
    """Only "no file yet" and "no schema yet" mean nothing is stored; any other failure shows."""
    from tests._proxy import refusing_port

    with refusing_port() as port:
        if where == "dead server":
            url = f"postgresql+psycopg://memoir:secret@127.0.0.1:{port}/memoir"
        else:
            (tmp_path / "notes.db").write_text("shopping list: eggs, flour\n" * 200)
            url = f"sqlite:///{tmp_path / 'notes.db'}"
        args = ("--db", url, "ingest", "--estimate", str(SAMPLES / "astronomy"))
        done = _memoir(tmp_path, *args, MEMOIR_DB_RETRY_ATTEMPTS="1")
    assert done.returncode == 1, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error:") and "Fix:" in last
    assert "Cost" not in done.stdout  # no estimate of a memory it could not read


def test_the_estimate_prices_a_known_model_without_calling_it(tmp_path: Path) -> None:
    done = _memoir(
        tmp_path, "--model", "openai:gpt-5-nano", "ingest", "--estimate", "--json", str(SAMPLES)
    )
    assert done.returncode == 0, done.stderr  # no key, no network: nothing was called
    estimate = json.loads(done.stdout)
    per_in, per_out = _litellm_prices("gpt-5-nano")
    expected = estimate["input_tokens"] * per_in + estimate["output_tokens"] * per_out
    assert estimate["usd"] == pytest.approx(expected, rel=1e-9)
    bound = estimate["input_tokens"] * per_in + estimate["output_tokens_bound"] * per_out
    assert estimate["usd_bound"] == pytest.approx(bound, rel=1e-9)
    assert estimate["calls"] > 0 and estimate["assumptions"]
    table = _memoir(tmp_path, "--model", "openai:gpt-5-nano", "ingest", "--estimate", str(SAMPLES))
    assert "Cost: $" in table.stdout and "Assumptions:" in table.stdout


def test_the_log_and_the_query_show_usd_per_model_from_the_tokens_the_server_billed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    text_ = (SAMPLES / "astronomy" / "moon-phases.md").read_text("utf-8")
    with FakeOpenAIServer(usage=(1000, 100)) as server, model_requests_allowed():
        memoir = MemoirAI(
            database_url=f"sqlite:///{tmp_path / 'memoir.db'}",
            model="openai-chat:gpt-4o-mini",
            model_base_url=server.base_url,
        )
        with memoir:
            memoir.ingest_text_sync(text_, "moon")
            (cost,) = memoir.llm_call_costs()
            requests = len(server.requests)
            result = memoir.query_sync("Why does the Moon have phases?")
        asked = len(server.requests) - requests
        total = len(server.requests)
    per_in, per_out = _litellm_prices("gpt-4o-mini")
    assert cost.calls == requests
    assert cost.usd == pytest.approx(requests * (1000 * per_in + 100 * per_out), rel=1e-9)
    (query_cost,) = result.costs
    assert query_cost.usd == pytest.approx(asked * (1000 * per_in + 100 * per_out), rel=1e-9)
    assert result.to_json_data()["costs"][0]["usd"] == query_cost.usd

    shown = _memoir(tmp_path, "--db", f"sqlite:///{tmp_path / 'memoir.db'}", "log")
    logged = total * (1000 * per_in + 100 * per_out)  # the ingestion's calls and the query's
    assert f"Cost: openai-chat:gpt-4o-mini ${logged:.4f} ({total} call(s))." in shown.stdout
