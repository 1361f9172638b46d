"""The examples run end to end through the API, and the history equals the simulation.

For each example scenario: submit the ticket through the API, then play each step as the
platform would (people claim and complete FORMs; action tasks, PENDING, are completed or
failed through the worker's service functions; writes are an admin's correction), and
compare the history endpoint with `kernel.simulate` on the same bundle and scenario.
"""

from __future__ import annotations

import pytest

from kernel.bundle import compile_bundle
from kernel.simulate import simulate
from plugins.manager import default_evaluator
from tests.runs.support import EXAMPLES, example
from ticketflower.runs.history import strip_extras

CASES = [
    (name, stem)
    for name in EXAMPLES
    for stem, scenario in example(name)[1]
    if "invalid" not in stem
]


@pytest.mark.parametrize(("name", "stem"), CASES)
def test_history_equals_simulation(run_example, name, stem):
    runner, scenarios = run_example(name)
    scenario = dict(scenarios)[stem]
    bundle, _ = example(name)
    expected = simulate(compile_bundle(bundle, default_evaluator()), scenario)
    assert expected["status"] != "SCENARIO_ERROR"

    answer = runner.submit(scenario["ticket"]["fields"], scenario["ticket"]["title"])
    assert answer.status_code == 201, answer.json()
    ticket = answer.json()["id"]
    for spec in scenario["steps"]:
        if "complete" in spec:
            result = runner.complete(ticket, spec["complete"], spec.get("output", {}))
            if hasattr(result, "status_code"):
                assert result.status_code == 200, result.json()
        elif "fail" in spec:
            runner.fail(ticket, spec["fail"], spec.get("message") or "failed (simulated)")
        else:
            assert runner.write(ticket, spec["write"]).status_code == 200

    got = strip_extras(runner.history(ticket))
    # An admin correction names its user in the API, null in a simulation (docs/bundle-format.md).
    for it in got["iterations"]:
        if "admin" in it["source"]:
            it["source"] = {"admin": None}
    assert got == expected
