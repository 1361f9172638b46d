"""Every example scenario simulated, with the outcome examples/README.md promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kernel.analysis import analyze
from kernel.simulate import simulate
from tests.kernel.builders import compile_

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(example: str, scenario: str) -> dict:
    definition = compile_(json.loads((EXAMPLES / example / "bundle.json").read_text()))
    return simulate(definition, json.loads((EXAMPLES / example / scenario).read_text()))


def tasks(trace: dict) -> list[tuple]:
    return [
        (t["task"], t["status"], t["start_iteration"], t["end_iteration"]) for t in trace["tasks"]
    ]


@pytest.mark.parametrize(
    "example,scenario,status,completion,iterations",
    [
        ("order_fulfilment", "scenario.json", "COMPLETED", "Delivered", 4),
        ("order_fulfilment", "scenario_small.json", "COMPLETED", "Delivered", 3),
        ("order_fulfilment", "scenario_rejected.json", "CANCELLED", "Rejected", 3),
        ("it_support", "scenario.json", "COMPLETED", "Resolved", 7),
        ("it_support", "scenario_unresolvable.json", "CANCELLED", "Unresolvable", 5),
        ("it_support", "scenario_paging_down.json", "COMPLETED", "Resolved", 5),
        ("refund_approval", "scenario.json", "COMPLETED", "Refunded", 5),
        ("refund_approval", "scenario_manager.json", "COMPLETED", "Refunded", 6),
        ("refund_approval", "scenario_fraud.json", "CANCELLED", "Denied", 2),
        ("refund_approval", "scenario_invalid_output.json", "SCENARIO_ERROR", None, 2),
    ],
)
def test_example_scenario_outcome(example, scenario, status, completion, iterations):
    trace = run(example, scenario)
    assert (trace["status"], trace["completion"], len(trace["iterations"])) == (
        status,
        completion,
        iterations,
    )


def test_every_example_file_is_covered():
    covered = {
        "order_fulfilment": 3,
        "it_support": 3,
        "refund_approval": 4,
    }
    for example, count in covered.items():
        assert len(list((EXAMPLES / example).glob("scenario*.json"))) == count


def test_order_fulfilment_small_order_skips_approval():
    trace = run("order_fulfilment", "scenario_small.json")
    assert trace["iterations"][1]["decisions"] == [
        {"task": "Approve large order", "decision": "condition_false"},
        {"task": "Ship order", "decision": "started"},
    ]
    assert trace["iterations"][-1]["data"]["tracking"] == "1Z999AA10123456785"


def test_it_support_escalates_twice_then_resolves():
    trace = run("it_support", "scenario.json")
    assert [t[0] for t in tasks(trace)] == [
        "Triage", "Work ticket", "Escalate", "Work ticket", "Escalate", "Work ticket",
    ]  # fmt: skip
    assert trace["iterations"][-1]["data"]["tier"] == 3
    assert trace["errors"] == []


def test_it_support_failed_paging_stalls_and_a_correction_resumes():
    trace = run("it_support", "scenario_paging_down.json")
    assert ("Escalate", "ERROR", 2, None) in tasks(trace)
    assert [e["type"] for e in trace["errors"]] == ["TASK_UPDATE", "WORKFLOW_TRANSITION"]
    assert trace["iterations"][3]["source"] == {"admin": None}


def test_refund_checks_run_in_parallel_and_denial_cancels_the_rest():
    trace = run("refund_approval", "scenario_fraud.json")
    assert [d["task"] for d in trace["iterations"][0]["decisions"]] == [
        "Fraud check", "Policy check", "Return inspection",
    ]  # fmt: skip
    assert tasks(trace) == [
        ("Fraud check", "COMPLETED", 0, 1),
        ("Policy check", "CANCELLED", 0, None),
        ("Return inspection", "CANCELLED", 0, None),
    ]


def test_refund_invalid_output_names_the_key_and_why():
    trace = run("refund_approval", "scenario_invalid_output.json")
    assert "step 1" in trace["message"] and "fraud_score" in trace["message"]
    assert "maximum" in trace["message"]


def test_it_support_analysis_reports_the_escalation_cycle():
    definition = compile_(json.loads((EXAMPLES / "it_support" / "bundle.json").read_text()))
    cycles = [f for f in analyze(definition) if f.kind == "cycle"]
    assert [c.message.split(" (")[0] for c in cycles] == [
        "cycle: Work ticket → Escalate → Work ticket"
    ]
    assert cycles[0].level == "info"
