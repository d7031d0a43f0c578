"""``tidy`` through the curate agent with a model fake: typed output, logged calls, applied merges.

The fake reads the typed inputs of each request (the siblings shown) and
answers per group; what it answers must become the plan (a self-merge is
dropped), and the plan applied must become ordinary recorded merges.
"""

from __future__ import annotations

from typing import Any

from pydantic_ai.messages import ModelMessage
from pydantic_ai.models.function import AgentInfo, FunctionModel

from memoir_ai import MemoirAI
from memoir_ai.llm.inputs import CurationInputs
from tests.corpus import logged_calls
from tests.fakes import inputs_of, respond_with, schema_of
from tests.maintenance_tree import build_tree, check_rules

SHOWN: list[CurationInputs] = []


def _curator(messages: list[ModelMessage], info: AgentInfo) -> Any:
    inputs = inputs_of(messages)
    assert isinstance(inputs, CurationInputs)
    SHOWN.append(inputs)
    names = {sibling.name for sibling in inputs.siblings}
    merges = []
    if {"Space", "Cooking"} <= names:
        merges.append({"category": "Cooking", "into": "Space", "reason": "Both are test notes."})
    if "Tides" in names:  # contradicts itself: never proposed
        merges.append({"category": "Tides", "into": "Tides", "reason": "Same."})
    names_allowed = schema_of(info)["$defs"]["ProposedMerge"]["properties"]["into"]["enum"]
    assert set(names_allowed) == names  # the output admits only the siblings shown
    return respond_with(info, {"merges": merges})


def test_a_model_plan_is_proposed_logged_and_applied(sqlite_url: str) -> None:
    build_tree(sqlite_url)
    SHOWN.clear()
    with MemoirAI(database_url=sqlite_url, llm=FunctionModel(_curator, model_name="curator")) as m:
        plan = m.tidy_sync()
        assert [(p.source_path, p.into_path, p.reason) for p in plan.proposals] == [
            (("Cooking",), ("Space",), "Both are test notes.")
        ]
        assert plan.applied == () and plan.model == "curator" and plan.calls == len(SHOWN)
        done = m.apply_tidy_plan(plan)
    assert [change.summary for change in done.applied] == [
        "Merged 'Cooking' into 'Space': 0 chunk(s) moved, 1 sub-category moved under it."
    ]
    top = next(inputs for inputs in SHOWN if inputs.level == 1)
    cooking = next(s for s in top.siblings if s.name == "Cooking")
    assert cooking.chunk_count == 1 and "bread" in cooking.keywords and cooking.sample
    calls = [c for c in logged_calls(sqlite_url) if c.purpose == "curate"]
    assert len(calls) == plan.calls and {c.model for c in calls} == {"curator"}
    assert all("Sibling categories:" in (c.request_text or "") for c in calls)
    check_rules(sqlite_url)
