"""One test per rule of docs/semantics.md, named for the rule, in the order of that file."""

from __future__ import annotations

import copy
import json

import pytest

from kernel.events import INVALID, NOT_ACTIVE, TERMINAL, StepRefused
from kernel.step import step
from tests.kernel.builders import Run, bundle, compile_, completion, task

DIV = {"/": [1, {"var": "d"}]}  # fails at run time (division by zero) when d == 0


def linear():
    return compile_(
        bundle(
            {"a": {"type": "integer"}, "b": {"type": "integer"}, "c": {"type": "integer"}, "n": {}},
            [task("A", ["a"], ["b"]), task("B", ["b"], ["c"])],
            [completion("Done", ["c"])],
            ticket_fields=["a"],
        )
    )


# -- Words ---------------------------------------------------------------------------


def test_submission_is_iteration_0_and_writes_exactly_the_submitted_keys():
    run = Run(linear(), {"a": 1})
    it = run.iteration()
    assert (it["iteration"], it["written"], it["data"]) == (0, ["a"], {"a": 1})
    assert it["source"] == {"ticket": "T"}


def test_workspace_holds_only_fields_ever_written():
    run = Run(linear(), {"a": 1})
    assert run.state["data"] == {"a": 1}  # no nulls for b and c


def test_submission_with_key_outside_ticket_fields_is_refused_and_creates_nothing():
    with pytest.raises(StepRefused) as refused:
        Run(linear(), {"a": 1, "b": 2})
    assert refused.value.code == INVALID
    assert [p.pointer for p in refused.value.problems] == ["/fields/b"]


def test_submission_with_invalid_value_is_refused():
    with pytest.raises(StepRefused) as refused:
        Run(linear(), {"a": "one"})
    assert refused.value.problems[0].pointer == "/fields/a"
    assert "integer" in refused.value.problems[0].message


def test_written_value_is_validated_against_its_property_resolved_in_the_whole_schema():
    d = compile_(
        bundle(
            {"price": {"$ref": "#/$defs/money"}},
            [task("A", ["price"], ["price"])],
            schema_extra={"$defs": {"money": {"type": "number", "minimum": 0}}},
        )
    )
    run = Run(d, {"price": 5})
    with pytest.raises(StepRefused) as refused:
        run.complete("A", {"price": -1})
    assert "minimum" in refused.value.problems[0].message
    run.complete("A", {"price": 3})
    assert run.state["data"]["price"] == 3


def test_null_is_valid_only_where_the_field_schema_allows_it():
    d = compile_(bundle({"n": {"type": ["integer", "null"]}, "i": {"type": "integer"}}))
    assert Run(d, {"n": None}).state["data"] == {"n": None}
    with pytest.raises(StepRefused):
        Run(d, {"i": None})


def test_root_required_does_not_apply_to_a_partial_write():
    d = compile_(bundle({"x": {"type": "integer"}, "y": {}}, schema_extra={"required": ["x", "y"]}))
    assert Run(d, {"x": 1}).state["data"] == {"x": 1}


def test_each_write_event_creates_exactly_one_iteration_even_with_parallel_tasks():
    d = compile_(bundle(["s", "p", "q"], [task("P", ["s"], ["p"]), task("Q", ["s"], ["q"])]))
    run = Run(d, {"s": 1})
    assert run.active() == ["P", "Q"]
    run.complete("Q", {"q": 1})
    assert run.iteration()["iteration"] == 1
    run.complete("P", {"p": 1})
    assert run.iteration()["iteration"] == 2


def test_active_means_pending_open_or_in_progress():
    d = compile_(
        bundle(["s", "o"], [task("F", ["s"], ["o"]), task("S", ["s"], [], task_type="SYNC_ACTION")])
    )
    run = Run(d, {"s": 1})
    assert [i["status"] for i in run.state["active"]] == ["OPEN", "PENDING"]
    run.send({"type": "task_started", "seq": run.seq("F")})
    assert run.state["active"][0]["status"] == "IN_PROGRESS"
    assert run.state["status"] == "IN_PROGRESS"


# -- Triggers ------------------------------------------------------------------------


def test_completions_are_evaluated_before_tasks():
    d = compile_(bundle(["s", "x"], [task("A", ["s"], ["x"])], [completion("End", ["s"])]))
    run = Run(d, {"s": 1})
    assert run.decisions() == [("End", "fired")]  # A was not even considered
    assert run.state["active"] == [] and run.state["status"] == "COMPLETED"


def test_completions_are_evaluated_in_definition_order_until_one_fires():
    d = compile_(
        bundle(
            ["s"],
            completions=[
                completion("No", ["s"], {"==": [{"var": "s"}, 2]}),
                completion("Yes", ["s"], status="CANCELLED"),
                completion("Later", ["s"]),
            ],
        )
    )
    run = Run(d, {"s": 1})
    assert run.decisions() == [("No", "condition_false"), ("Yes", "fired")]
    assert run.state["completion"] == "Yes"


def test_fired_completion_sets_its_status_and_cancels_every_active_instance():
    d = compile_(
        bundle(
            ["s", "a", "b"],
            [task("A", ["s"], ["a"]), task("B", ["s"], ["b"])],
            [completion("Stop", ["a"], status="CANCELLED")],
        )
    )
    run = Run(d, {"s": 1})
    out = run.complete("A", {"a": 1})
    cancelled = [(e["task"], e["status"], e["end_iteration"]) for e in run.of("task_status", out)]
    assert ("B", "CANCELLED", None) in cancelled
    assert run.state["status"] == "CANCELLED" and run.state["active"] == []
    assert run.of("workflow_status", out) == [
        {"type": "workflow_status", "status": "CANCELLED", "completion": "Stop"}
    ]


def test_completion_considers_only_its_fields():
    d = compile_(bundle(["s", "t"], completions=[completion("End", ["t"])]))
    run = Run(d, {"s": 1})
    assert run.iteration()["decisions"] == []


def test_tasks_whose_input_fields_intersect_written_are_candidates_in_definition_order():
    d = compile_(
        bundle(
            ["s", "t", "a", "b", "c"],
            [task("C", ["t"], ["c"]), task("A", ["s"], ["a"]), task("B", ["t", "s"], ["b"])],
        )
    )
    run = Run(d, {"s": 1, "t": 2})
    assert run.decisions() == [("C", "started"), ("A", "started"), ("B", "started")]
    d2 = compile_(bundle(["s", "t", "a"], [task("A", ["t"], ["a"])]))
    assert Run(d2, {"s": 1}).iteration()["decisions"] == []


def test_task_without_input_fields_is_candidate_only_at_iteration_0():
    d = compile_(bundle(["s", "x"], [task("Boot", [], ["x"]), task("Loop", ["x"], [])]))
    run = Run(d, {})
    assert run.decisions() == [("Boot", "started")]
    run.complete("Boot", {"x": 1})
    assert run.decisions() == [("Loop", "started")]  # Boot is no candidate at 1


def test_started_instance_has_start_iteration_j():
    run = Run(linear(), {"a": 1})
    run.complete("A", {"b": 2})
    assert run.state["active"] == [{"seq": 2, "task": "B", "status": "OPEN", "start_iteration": 1}]


def test_field_counts_as_written_whether_or_not_its_value_changed():
    d = compile_(
        bundle(["t", "s", "w"], [task("Touch", ["t"], ["s"]), task("Watch", ["s"], ["w"])])
    )
    run = Run(d, {"t": 1, "s": 1})
    run.complete("Watch", {"w": 1})
    run.complete("Touch", {"s": 1})  # the same value as before
    assert run.decisions() == [("Watch", "started")]


def test_only_keys_present_in_output_are_written_and_null_is_a_written_value():
    d = compile_(bundle(["s", "x", "y"], [task("A", ["s"], ["x", "y"]), task("X", ["x"], [])]))
    run = Run(d, {"s": 1})
    run.complete("A", {"x": None})
    assert run.iteration()["written"] == ["x"]
    assert run.iteration()["data"] == {"s": 1, "x": None}
    assert run.decisions() == [("X", "started")]


def test_null_condition_holds():
    d = compile_(bundle(["s"], [task("A", ["s"], [], None)]))
    assert Run(d, {"s": 0}).decisions() == [("A", "started")]


@pytest.mark.parametrize(
    "value,holds", [(0, False), ("", False), ([], False), ("0", True), ([0], True), (None, False)]
)
def test_condition_holds_when_its_result_is_truthy_by_jsonlogic_rules(value, holds):
    d = compile_(bundle(["s"], [task("A", ["s"], [], {"var": "s"})]))
    expected = "started" if holds else "condition_false"
    assert Run(d, {"s": value}).decisions() == [("A", expected)]


def test_condition_sees_workspace_at_j_plus_dollar_context():
    seen = {
        "and": [
            {"==": [{"var": "$.iteration"}, 0]},
            {"==": [{"var": "$.written.0"}, "s"]},  # sorted
            {"==": [{"var": "$.written.1"}, "t"]},
            {"==": [{"var": "$.ticket.definition"}, "Ticket type 7"]},
            {"==": [{"var": "$.ticket.id"}, 42]},
            {"==": [{"var": "$.ticket.created_by"}, "ann"]},
            {"==": [{"var": "t"}, 5]},
        ]
    }
    d = compile_(bundle(["s", "t"], [task("A", ["s"], [], seen)]))
    run = Run(d, {"t": 5, "s": 1}, id=42, definition="Ticket type 7", created_by="ann")
    assert run.decisions() == [("A", "started")]


def test_condition_that_fails_at_run_time_is_condition_error_with_task_creation_error():
    d = compile_(
        bundle(["d", "x"], [task("A", ["d"], ["x"], {">": [DIV, 0]}), task("B", ["d"], [])])
    )
    run = Run(d, {"d": 0})
    assert run.decisions() == [("A", "condition_error"), ("B", "started")]  # the step goes on
    (error,) = run.of("ticket_error")
    assert error["error_type"] == "TASK_CREATION" and error["task"] == "A"
    assert "division" in error["message"]
    assert run.active() == ["B"]


def test_completion_condition_that_fails_is_workflow_transition_error_and_does_not_fire():
    d = compile_(
        bundle(["d"], [task("A", ["d"], [])], [completion("Boom", ["d"], {">": [DIV, 0]})])
    )
    run = Run(d, {"d": 0})
    assert run.decisions() == [("Boom", "condition_error"), ("A", "started")]
    (error,) = run.of("ticket_error")
    assert (error["error_type"], error["completion"]) == ("WORKFLOW_TRANSITION", "Boom")
    assert run.state["status"] == "IN_PROGRESS"


# -- Parallel writes are an error ----------------------------------------------------


def test_parallel_active_tasks_sharing_output_field_make_later_one_error():
    d = compile_(bundle(["s", "x"], [task("A", ["s"], ["x"]), task("B", ["s"], ["x"])]))
    run = Run(d, {"s": 1})
    assert run.decisions() == [("A", "started"), ("B", "conflict")]
    created = run.of("task_created")
    assert [(e["task"], e["status"], e["start_iteration"]) for e in created] == [
        ("A", "OPEN", 0),
        ("B", "ERROR", 0),
    ]
    (error,) = run.of("ticket_error")
    assert error["error_type"] == "TASK_CREATION" and error["seq"] == created[1]["seq"]
    assert "'A'" in error["message"] and "x" in error["message"]
    assert run.active() == ["A"]


def test_conflict_covers_an_instance_started_at_an_earlier_iteration():
    d = compile_(
        bundle(
            ["s", "t", "x", "y"],
            [task("A", ["s"], ["x"]), task("T", ["s"], ["t"]), task("B", ["t"], ["x", "y"])],
        )
    )
    run = Run(d, {"s": 1})
    run.complete("T", {"t": 1})
    assert run.decisions() == [("B", "conflict")]
    assert "x" in run.of("ticket_error")[0]["message"]


def test_second_instance_of_same_task_while_first_is_active_is_error():
    d = compile_(bundle(["s", "t", "x"], [task("A", ["s", "t"], ["x"]), task("T", ["s"], ["t"])]))
    run = Run(d, {"s": 1})
    run.complete("T", {"t": 1})
    assert run.decisions() == [("A", "conflict")]


def test_conflict_check_ignores_the_instance_that_just_completed():
    d = compile_(bundle(["x"], [task("Loop", ["x"], ["x"], {"<": [{"var": "x"}, 3]})]))
    run = Run(d, {"x": 0})
    run.complete("Loop", {"x": 1})
    assert run.decisions() == [("Loop", "started")]


# -- Completing a task ---------------------------------------------------------------


def test_completion_merges_output_over_the_newest_iteration_not_the_start():
    d = compile_(bundle(["s", "p", "q"], [task("P", ["s"], ["p"]), task("Q", ["s"], ["q"])]))
    run = Run(d, {"s": 1})
    run.complete("Q", {"q": 1})
    run.complete("P", {"p": 2})  # P started at 0, but iteration 2 builds on 1
    assert run.iteration()["data"] == {"s": 1, "q": 1, "p": 2}


def test_completed_instance_gets_end_iteration_and_triggers_run_with_its_output():
    run = Run(linear(), {"a": 1})
    out = run.complete("A", {"b": 2})
    (status,) = run.of("task_status", out)
    assert (status["status"], status["start_iteration"], status["end_iteration"]) == (
        "COMPLETED",
        0,
        1,
    )
    assert run.decisions() == [("B", "started")]


def test_empty_output_makes_an_iteration_that_triggers_nothing():
    run = Run(linear(), {"a": 1})
    run.complete("A", {})
    it = run.iteration()
    assert (it["iteration"], it["written"], it["decisions"]) == (1, [], [])


@pytest.mark.parametrize(
    "output,pointer",
    [
        ({"c": 1}, "/output/c"),
        ({"b": "x"}, "/output/b"),
        ({"zz": 1}, "/output/zz"),
        ([], "/output"),
    ],
)
def test_invalid_output_is_refused_with_a_clear_error_and_changes_nothing(output, pointer):
    run = Run(linear(), {"a": 1})
    before = copy.deepcopy(run.state)
    with pytest.raises(StepRefused) as refused:
        step(run.d, run.state, {"type": "task_completed", "seq": 1, "output": output})
    assert refused.value.code == INVALID
    assert refused.value.problems[0].pointer == pointer
    assert run.state == before


def test_completing_an_instance_that_is_not_active_changes_nothing_and_is_not_active():
    run = Run(linear(), {"a": 1})
    run.complete("A", {"b": 1})
    before = copy.deepcopy(run.state)
    with pytest.raises(StepRefused) as refused:
        step(run.d, run.state, {"type": "task_completed", "seq": 1, "output": {"b": 1}})
    assert refused.value.code == NOT_ACTIVE
    assert run.state == before


def test_two_completions_arriving_together_yield_consecutive_iterations():
    d = compile_(bundle(["s", "p", "q"], [task("P", ["s"], ["p"]), task("Q", ["s"], ["q"])]))
    run = Run(d, {"s": 1})
    p, q = run.seq("P"), run.seq("Q")
    run.send({"type": "task_completed", "seq": p, "output": {"p": 1}})
    first = run.iteration()["iteration"]
    run.send({"type": "task_completed", "seq": q, "output": {"q": 1}})
    assert (first, run.iteration()["iteration"]) == (1, 2)


def test_a_step_never_mutates_its_input_state():
    run = Run(linear(), {"a": 1})
    frozen = json.dumps(run.state, sort_keys=True)
    state = run.state
    step(run.d, state, {"type": "task_completed", "seq": 1, "output": {"b": 1}})
    assert json.dumps(state, sort_keys=True) == frozen


def test_state_and_effects_are_plain_json():
    run = Run(linear(), {"a": 1})
    run.complete("A", {"b": 1})
    assert json.loads(json.dumps(run.state)) == run.state
    assert json.loads(json.dumps(run.effects)) == run.effects


# -- Cycles, stalls and runaway loops ------------------------------------------------


def test_cycles_are_legal_and_a_condition_opts_out():
    d = compile_(bundle(["x"], [task("Loop", ["x"], ["x"], {"<": [{"var": "x"}, 2]})]))
    run = Run(d, {"x": 0})
    run.complete("Loop", {"x": 1})
    run.complete("Loop", {"x": 2})
    assert run.decisions() == [("Loop", "condition_false")]


def test_stall_puts_an_in_progress_workflow_without_active_task_on_hold_with_error():
    run = Run(linear(), {"a": 1})
    out = run.complete("A", {})
    assert run.state["status"] == "ON_HOLD"
    (error,) = run.of("ticket_error", out)
    assert error["error_type"] == "WORKFLOW_TRANSITION" and "stalled" in error["message"]


def test_submission_that_starts_nothing_stalls_at_once():
    d = compile_(bundle(["s"]))
    run = Run(d, {"s": 1})
    assert run.state["status"] == "ON_HOLD"


def loop(max_iterations=3, extra_tasks=()):
    return compile_(
        bundle(
            {"x": {"type": "integer"}, "y": {}},
            [task("Loop", ["x"], ["x"]), *extra_tasks],
            [completion("Never", ["x"], {"==": [{"var": "x"}, -1]})],
            ticket_fields=["x", "y"],
            max_iterations=max_iterations,
        )
    )


def test_runaway_puts_workflow_on_hold_once():
    run = Run(loop(3), {"x": 0})
    run.complete("Loop", {"x": 1})
    run.complete("Loop", {"x": 2})
    assert run.state["status"] == "IN_PROGRESS"
    out = run.complete("Loop", {"x": 3})  # iteration 3: 3 - 0 >= 3
    it = run.iteration()
    assert it["data"]["x"] == 3 and it["decisions"] == []  # kept, nothing triggered
    errors = run.of("ticket_error", out)
    assert len(errors) == 1 and "runaway" in errors[0]["message"]  # no second one for the stall
    assert errors[0]["error_type"] == "WORKFLOW_TRANSITION"
    assert run.state["status"] == "ON_HOLD" and run.state["runaway_raised"]


def test_runaway_leaves_active_instances_active_and_their_completions_trigger_nothing():
    side = task("Side", ["y"], ["y"])
    run = Run(loop(2, [side]), {"x": 0, "y": 0})
    run.complete("Loop", {"x": 1})
    run.complete("Loop", {"x": 2})  # runaway
    assert run.state["status"] == "ON_HOLD" and run.active() == ["Side"]
    out = run.complete("Side", {"y": 1})
    assert run.iteration()["decisions"] == [] and run.state["data"]["y"] == 1
    assert run.of("ticket_error", out) == []  # neither a second runaway nor a stall error
    assert run.state["status"] == "ON_HOLD"


def test_admin_correction_resumes_on_hold_workflow_and_resets_the_runaway_count():
    run = Run(loop(2), {"x": 0})
    run.complete("Loop", {"x": 1})
    run.complete("Loop", {"x": 2})
    assert run.state["status"] == "ON_HOLD"
    out = run.send({"type": "admin_correction", "writes": {"x": 10}, "by": "admin"})
    assert run.of("workflow_status", out)[0]["status"] == "IN_PROGRESS"
    assert run.iteration()["source"] == {"admin": "admin"}
    assert run.decisions() == [("Never", "condition_false"), ("Loop", "started")]
    assert (run.state["r"], run.state["runaway_raised"]) == (3, False)
    run.complete("Loop", {"x": 11})
    assert run.state["status"] == "IN_PROGRESS"  # 4 - 3 < 2


def test_correction_must_name_schema_fields_with_valid_values():
    run = Run(loop(), {"x": 0})
    for writes, pointer in (({"nope": 1}, "/writes/nope"), ({"x": "one"}, "/writes/x")):
        with pytest.raises(StepRefused) as refused:
            run.send({"type": "admin_correction", "writes": writes})
        assert refused.value.code == INVALID and refused.value.problems[0].pointer == pointer


def test_retry_restarts_an_error_task_from_the_newest_iteration():
    run = Run(linear(), {"a": 1})
    run.send({"type": "task_failed", "seq": 1, "message": "HTTP 400"})
    assert run.state["status"] == "ON_HOLD"
    run.send({"type": "admin_correction", "writes": {"n": 5}})  # stalls: nothing reads n
    assert run.state["status"] == "ON_HOLD" and run.state["iteration"] == 1
    out = run.send({"type": "task_retried", "seq": 1, "instance": {"task": "A", "status": "ERROR"}})
    assert run.state["active"] == [{"seq": 1, "task": "A", "status": "OPEN", "start_iteration": 1}]
    assert run.of("workflow_status", out)[0]["status"] == "IN_PROGRESS"
    run.complete("A", {"b": 2})
    assert run.iteration()["iteration"] == 2


def test_retry_includes_the_conflict_check():
    d = compile_(bundle(["s", "x"], [task("A", ["s"], ["x"]), task("B", ["s"], ["x"])]))
    run = Run(d, {"s": 1})
    out = run.send({"type": "task_retried", "seq": 2, "instance": {"task": "B", "status": "ERROR"}})
    (error,) = run.of("ticket_error", out)
    assert error["error_type"] == "TASK_CREATION" and error["seq"] == 2
    assert run.active() == ["A"]


def test_retry_of_an_instance_that_is_not_in_error_is_refused():
    run = Run(linear(), {"a": 1})
    with pytest.raises(StepRefused) as refused:
        run.send({"type": "task_retried", "seq": 1, "instance": {"task": "A", "status": "ERROR"}})
    assert refused.value.code == NOT_ACTIVE


@pytest.mark.parametrize(
    "event",
    [
        {"type": "task_completed", "seq": 1, "output": {}},
        {"type": "admin_correction", "writes": {"a": 1}},
        {"type": "task_retried", "seq": 1, "instance": {"task": "A", "status": "ERROR"}},
        {"type": "workflow_cancelled"},
    ],
)
def test_terminal_workflow_takes_no_correction_completion_or_retry(event):
    d = compile_(bundle(["a", "b"], [task("A", ["a"], ["b"])], [completion("End", ["b"])]))
    run = Run(d, {"a": 1})
    run.send({"type": "task_failed", "seq": 1, "message": "x"})
    run.send({"type": "workflow_cancelled"})
    assert run.state["status"] == "CANCELLED"
    with pytest.raises(StepRefused) as refused:
        run.send(event)
    assert refused.value.code == TERMINAL


def test_workflow_cancelled_cancels_every_active_instance():
    d = compile_(bundle(["s", "p", "q"], [task("P", ["s"], ["p"]), task("Q", ["s"], ["q"])]))
    run = Run(d, {"s": 1})
    out = run.send({"type": "workflow_cancelled"})
    assert sorted(e["status"] for e in run.of("task_status", out)) == ["CANCELLED", "CANCELLED"]
    assert run.state["status"] == "CANCELLED" and run.state["active"] == []


# -- Task types ----------------------------------------------------------------------


def test_form_instances_start_open_and_action_instances_pending():
    d = compile_(
        bundle(
            ["s"],
            [
                task("F", ["s"]),
                task("S", ["s"], task_type="SYNC_ACTION"),
                task("A", ["s"], task_type="ASYNC_ACTION"),
            ],
        )
    )
    run = Run(d, {"s": 1})
    assert [(i["task"], i["status"]) for i in run.state["active"]] == [
        ("F", "OPEN"),
        ("S", "PENDING"),
        ("A", "PENDING"),
    ]


def test_failed_action_goes_error_with_task_update_error_and_no_end_iteration():
    run = Run(linear(), {"a": 1})
    out = run.send({"type": "task_failed", "seq": 1, "message": "HTTP 404 from pricing"})
    (status,) = run.of("task_status", out)
    assert (status["status"], status["end_iteration"]) == ("ERROR", None)
    errors = run.of("ticket_error", out)
    assert (
        errors[0]["error_type"] == "TASK_UPDATE" and errors[0]["message"] == "HTTP 404 from pricing"
    )


def test_a_failure_before_the_work_was_sent_carries_its_task_creation_error_type():
    run = Run(linear(), {"a": 1})
    event = {"type": "task_failed", "seq": 1, "message": "input transform: no var 'x'",
             "error_type": "TASK_CREATION"}  # fmt: skip
    errors = run.of("ticket_error", run.send(event))
    assert [(e["error_type"], e["message"]) for e in errors if e["seq"] == 1] == [
        ("TASK_CREATION", "input transform: no var 'x'")
    ]


def test_a_failure_of_another_error_type_is_refused():
    from kernel.events import INVALID, StepRefused

    run = Run(linear(), {"a": 1})
    event = {"type": "task_failed", "seq": 1, "message": "x", "error_type": "WORKFLOW_CREATION"}
    with pytest.raises(StepRefused) as refused:
        run.send(event)
    assert refused.value.code == INVALID
    assert refused.value.problems[0].pointer == "/error_type"


def test_cancelled_task_instance_keeps_end_iteration_null():
    run = Run(linear(), {"a": 1})
    out = run.send({"type": "task_cancelled", "seq": 1})
    (status,) = run.of("task_status", out)
    assert (status["status"], status["end_iteration"]) == ("CANCELLED", None)


# -- Explain -------------------------------------------------------------------------


def test_explain_lists_completions_first_then_tasks_and_nothing_after_a_fired_completion():
    d = compile_(
        bundle(
            ["s", "x"],
            [task("A", ["s"], ["x"])],
            [
                completion("First", ["s"], {"==": [{"var": "s"}, 9]}),
                completion("Second", ["s"], {"==": [{"var": "s"}, 1]}),
                completion("Third", ["s"]),
            ],
        )
    )
    assert Run(d, {"s": 1}).decisions() == [("First", "condition_false"), ("Second", "fired")]
    assert Run(d, {"s": 9}).decisions() == [("First", "fired")]


def test_explain_answers_why_a_task_did_or_did_not_run():
    from kernel.explain import explain_task

    run = Run(linear(), {"a": 1})
    iterations = run.of("iteration", run.effects)
    assert "never a candidate" in explain_task(iterations, "B", ["b"])[0]
    run.complete("A", {"b": 1})
    lines = explain_task(run.of("iteration", run.effects), "B", ["b"])
    assert lines == ["iteration 1: b written; its condition held and it started"]


# -- Event lifecycle -----------------------------------------------------------------


def test_event_before_the_submission_and_a_second_submission_are_refused():
    d = linear()
    with pytest.raises(StepRefused) as refused:
        step(d, None, {"type": "task_completed", "seq": 1, "output": {}})
    assert refused.value.code == "bad_state"
    run = Run(d, {"a": 1})
    with pytest.raises(StepRefused) as refused:
        run.send({"type": "ticket_submitted", "ticket": "T", "fields": {"a": 1}})
    assert refused.value.code == "bad_state"


def test_unknown_event_type_and_unknown_ticket_are_invalid():
    d = linear()
    for state, event in (
        (None, {"type": "explode"}),
        (None, {"type": "ticket_submitted", "ticket": "Nope", "fields": {}}),
    ):
        with pytest.raises(StepRefused) as refused:
            step(d, state, event)
        assert refused.value.code == INVALID


def test_claiming_an_instance_already_in_progress_is_refused():
    run = Run(linear(), {"a": 1})
    run.send({"type": "task_started", "seq": 1})
    with pytest.raises(StepRefused) as refused:
        run.send({"type": "task_started", "seq": 1})
    assert refused.value.code == NOT_ACTIVE
    run.complete("A", {"b": 1})  # an IN_PROGRESS instance completes like any active one
    assert run.state["iteration"] == 1
