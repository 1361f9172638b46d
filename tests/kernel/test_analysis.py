"""Static analysis: warnings with pointers, cycles as information."""

from __future__ import annotations

from kernel.analysis import analyze
from tests.kernel.builders import bundle, compile_, completion, task


def findings(b) -> list[tuple[str, str]]:
    return [(f.kind, f.pointer) for f in analyze(compile_(b))]


def kinds(b) -> list[str]:
    return [f.kind for f in analyze(compile_(b))]


def test_clean_linear_bundle_has_no_finding():
    b = bundle(
        ["a", "b"], [task("A", ["a"], ["b"])], [completion("Done", ["b"])], ticket_fields=["a"]
    )
    assert findings(b) == []


def test_tasks_triggered_by_one_field_sharing_an_output_are_reported_with_both_pointers():
    b = bundle(
        ["s", "x"], [task("A", ["s"], ["x"]), task("B", ["s"], ["x"])], [completion("E", ["x"])]
    )
    (shared,) = [f for f in analyze(compile_(b)) if f.kind == "shared_output"]
    assert shared.level == "warning"
    assert shared.pointers == ("/tasks/0/output_fields/0", "/tasks/1/output_fields/0")
    assert "'A'" in shared.message and "'B'" in shared.message


def test_tasks_in_sequence_sharing_an_output_are_not_reported():
    b = bundle(
        ["s", "x"],
        [task("A", ["s"], ["x"]), task("B", ["x"], ["x"], {"==": [{"var": "x"}, 0]})],
        [completion("E", ["x"])],
        ticket_fields=["s"],
    )
    assert "shared_output" not in kinds(b)


def test_field_read_but_never_written_points_at_the_reader():
    b = bundle(
        ["s", "ghost", "out"],
        [task("A", ["s"], ["out"], {"==": [{"var": "ghost"}, 1]})],
        [completion("E", ["out"])],
        ticket_fields=["s"],
    )
    assert ("read_never_written", "/tasks/0/condition") in findings(b)


def test_task_that_can_never_trigger():
    b = bundle(
        ["s", "x", "y"],
        [task("A", ["s"], ["y"]), task("Orphan", ["x"], ["y"])],
        [completion("E", ["y"])],
        ticket_fields=["s"],
    )
    found = findings(b)
    assert ("never_triggers", "/tasks/1") in found
    assert ("read_never_written", "/tasks/1/input_fields/0") in found


def test_task_with_a_constant_false_condition_never_triggers():
    b = bundle(["s", "y"], [task("A", ["s"], ["y"], False)], [completion("E", ["s"])])
    assert ("never_triggers", "/tasks/0") in findings(b)


def test_completion_that_can_never_fire():
    b = bundle(
        ["s", "y", "z"],
        [task("A", ["s"], ["y"])],
        [completion("E", ["y"]), completion("Never", ["z"])],
        ticket_fields=["s"],
    )
    assert ("never_fires", "/completions/1") in findings(b)


def test_output_field_nothing_reads():
    b = bundle(
        ["s", "y", "z"],
        [task("A", ["s"], ["y", "z"])],
        [completion("E", ["y"])],
        ticket_fields=["s"],
    )
    assert findings(b) == [("output_never_read", "/tasks/0/output_fields/1")]


def test_cycle_is_information_with_its_path():
    b = bundle(
        ["s", "a", "b"],
        [task("A", ["s", "b"], ["a"]), task("B", ["a"], ["b"])],
        [completion("E", ["b"])],
        ticket_fields=["s"],
    )
    (cycle,) = [f for f in analyze(compile_(b)) if f.kind == "cycle"]
    assert cycle.level == "info"
    assert cycle.message.startswith("cycle: A → B → A")
    assert cycle.pointers == ("/tasks/0", "/tasks/1")


def test_self_loop_is_a_cycle():
    b = bundle(["x"], [task("Loop", ["x"], ["x"])])
    assert [f.message.split(" (")[0] for f in analyze(compile_(b)) if f.kind == "cycle"] == [
        "cycle: Loop → Loop"
    ]


def test_bundle_without_ticket_is_reported():
    b = bundle(["x"], [task("A", ["x"], [])])
    b["tickets"] = []
    assert "no_ticket" in kinds(b)


def test_task_started_by_a_sibling_while_another_runs_is_reported():
    # A and B start together; B's completion starts C while A may still run: A, C share x.
    b = bundle(
        ["s", "b", "x"],
        [task("A", ["s"], ["x"]), task("B", ["s"], ["b"]), task("C", ["b"], ["x"])],
        [completion("E", ["x"])],
        ticket_fields=["s"],
    )
    (shared,) = [f for f in analyze(compile_(b)) if f.kind == "shared_output"]
    assert "'A' and 'C'" in shared.message
