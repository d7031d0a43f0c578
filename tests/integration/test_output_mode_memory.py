"""The output mode that worked for a model is remembered by the database for the next run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memoir_ai import MemoirAI
from tests.corpus import SUBJECTS, rows
from tests.fakes import FakeOpenAIServer, model_requests_allowed, request_schema

MODEL = "openai-compatible:small"


def _form(body: dict[str, Any]) -> str:
    """What a request asked for, as the server sees it."""
    if "response_format" in body:
        return "native"
    if body.get("tools"):
        return "tool"
    return "prompted" if request_schema(body, prompted_only=True) else "text"


def _ingest(url: str, server: FakeOpenAIServer, source_id: str, text: str) -> None:
    with (
        model_requests_allowed(),
        MemoirAI(
            database_url=url,
            model=MODEL,
            model_base_url=server.base_url,
            auto_source_identification=False,
            chunk_min_tokens=40,
            chunk_max_tokens=80,
            batch_size=5,
        ) as memoir,
    ):
        memoir.ingest_text_sync(text, source_id)


def test_a_fallback_mode_is_remembered_and_the_next_run_starts_with_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'memoir.db'}"
    with FakeOpenAIServer(behaviour="prose") as server:  # a server with no JSON schema support
        _ingest(url, server, "astronomy.md", "\n\n".join(SUBJECTS["astronomy"]))
        first_run = [_form(request.body) for request in server.requests]
        server.requests.clear()
        _ingest(url, server, "cooking.md", "\n\n".join(SUBJECTS["cooking"]))
        second_run = [_form(request.body) for request in server.requests]
    # The first run tried native output, got prose, and fell back to prompted output ...
    assert first_run[0] == "native" and "prompted" in first_run
    # ... which the database now remembers for this model ...
    stored = rows(url, "SELECT output_modes FROM memoir_settings")[0][0]
    assert "prompted" in str(stored) and MODEL in str(stored)
    # ... so the next run sends no native request at all.
    assert second_run and set(second_run) == {"prompted"}
