"""Kernel benchmark: steps per second and peak memory (see docs/benchmarks.md, "Kernel").

    .venv/bin/python bench/kernel.py [--quick]

Measures the pure step function (what the platform runs per event) and simulate() (which
also keeps the trace), one core, no I/O.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kernel.bundle import compile_bundle  # noqa: E402
from kernel.simulate import simulate  # noqa: E402
from kernel.step import step  # noqa: E402
from plugins.manager import default_evaluator  # noqa: E402

EVALUATOR = default_evaluator()
SECONDS = 1.0


def bundle(props, tasks, completions, ticket_fields, max_iterations=1000):
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {
            "title": "bench",
            "fields_schema": {"type": "object", "properties": props},
            "max_iterations": max_iterations,
        },
        "tasks": tasks,
        "completions": completions,
        "tickets": [{"title": "T", "fields": ticket_fields}],
    }


def task(title, inputs, outputs, condition=None):
    return {
        "title": title,
        "task_type": "FORM",
        "input_fields": inputs,
        "output_fields": outputs,
        "condition": condition,
    }


def linear(conditions: bool):
    """(a) A → B → C, then a completion fires."""
    cond = (lambda f: {">=": [{"var": f}, 0]}) if conditions else (lambda f: None)
    props = {n: {"type": "integer"} for n in "abcd"}
    tasks = [task("A", ["a"], ["b"], cond("a")), task("B", ["b"], ["c"], cond("b")),
             task("C", ["c"], ["d"], cond("c"))]  # fmt: skip
    done = [{"title": "Done", "completion_status": "COMPLETED", "fields": ["d"],
             "condition": cond("d")}]  # fmt: skip
    script = [("A", {"b": 1}), ("B", {"c": 1}), ("C", {"d": 1})]
    return bundle(props, tasks, done, ["a"]), {"a": 1}, script


def fan(conditions: bool, width: int = 50):
    """(b) one field starts `width` tasks; a join waits for all their outputs."""
    outs = [f"o{i}" for i in range(width)]
    props = {"s": {"type": "integer"}, "done": {"type": "boolean"}}
    props.update({o: {"type": "integer"} for o in outs})
    cond = {">=": [{"var": "s"}, 0]} if conditions else None
    tasks = [task(f"T{i}", ["s"], [o], cond) for i, o in enumerate(outs)]
    tasks.append(task("Join", outs, ["done"], {"!": [{"missing": outs}]}))
    done = [{"title": "Done", "completion_status": "COMPLETED", "fields": ["done"]}]
    script = [(f"T{i}", {o: i}) for i, o in enumerate(outs)] + [("Join", {"done": True})]
    return bundle(props, tasks, done, ["s"]), {"s": 1}, script


def loop(conditions: bool, n: int = 1000):
    """(c) one task re-triggering itself n times."""
    cond = {"<": [{"var": "x"}, n]} if conditions else None
    props = {"x": {"type": "integer"}}
    script = [("Loop", {"x": i + 1}) for i in range(n)]
    return bundle(props, [task("Loop", ["x"], ["x"], cond)], [], ["x"], n + 10), {"x": 0}, script


def events(definition, fields, script):
    """Run one instance with step(); returns the number of steps."""
    state, _ = step(definition, None, {"type": "ticket_submitted", "ticket": "T", "fields": fields})
    for title, output in script:
        seq = next(i["seq"] for i in state["active"] if i["task"] == title)
        state, _ = step(definition, state, {"type": "task_completed", "seq": seq, "output": output})
    return 1 + len(script)


def rate(fn) -> float:
    """Calls of fn() per second (fn returns how many steps it made)."""
    steps, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < SECONDS:
        steps += fn()
    return steps / elapsed


def peak(fn) -> float:
    """Peak traced memory of one call, in KiB."""
    tracemalloc.start()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 1024


def scenario(script, fields):
    return {"ticket": {"title": "T", "fields": fields},
            "steps": [{"complete": t, "output": o} for t, o in script]}  # fmt: skip


def workflows() -> None:
    print("| workflow | conditions | step() steps/s | simulate() steps/s | peak KiB (simulate) |")
    print("|---|---|---:|---:|---:|")
    for name, build in (("(a) 3-task linear", linear), ("(b) 50-task fan-out/fan-in", fan),
                        ("(c) 1,000-iteration loop", loop)):  # fmt: skip
        for conditions in (False, True):
            b, fields, script = build(conditions)
            d = compile_bundle(b, EVALUATOR)
            sc = scenario(script, fields)
            n = 1 + len(script)
            r_step = rate(lambda d=d, f=fields, s=script: events(d, f, s))
            r_sim = rate(lambda d=d, sc=sc, n=n: (simulate(d, sc), n)[1])
            mem = peak(lambda d=d, sc=sc: simulate(d, sc))
            label = "every candidate" if conditions else "none"
            if build is fan and not conditions:
                label = "join only"
            print(f"| {name} | {label} | {r_step:,.0f} | {r_sim:,.0f} | {mem:,.0f} |")


def flat_cost() -> None:
    """A step's cost must not grow with past iterations: first vs last 1,000 of 20,000."""
    n = 20_000
    b, fields, script = loop(False, n)
    d = compile_bundle(b, EVALUATOR)
    state, _ = step(d, None, {"type": "ticket_submitted", "ticket": "T", "fields": fields})
    times = []
    for _, output in script:
        seq = state["active"][0]["seq"]
        t = time.perf_counter()
        state, _ = step(d, state, {"type": "task_completed", "seq": seq, "output": output})
        times.append(time.perf_counter() - t)
    first, last = sum(times[:1000]) / 1000, sum(times[-1000:]) / 1000
    print(f"\nStep cost vs past iterations (loop of {n:,}): first 1,000 steps "
          f"{first * 1e6:.1f} µs/step, last 1,000 steps {last * 1e6:.1f} µs/step")  # fmt: skip


def workspace_cost() -> None:
    """Cost of one completion step as the workspace grows (fields, then bytes)."""
    print("\n| workspace | µs per step |")
    print("|---|---:|")
    # 9,000: a fields schema unfolds to at most 10,000 subschemas (docs/limits.md).
    for count in (10, 100, 1_000, 9_000):
        props = {f"f{i}": {"type": "integer"} for i in range(count)}
        props["x"] = {"type": "integer"}
        b = bundle(props, [task("Loop", ["x"], ["x"])], [], list(props), 10**9)
        d = compile_bundle(b, EVALUATOR)
        data = {f"f{i}": i for i in range(count)} | {"x": 0}
        print(f"| {count:,} fields | {per_step(d, data):.1f} |")
    for size in (1_000, 10_000, 100_000, 1_000_000):
        props = {"blob": {"type": "string"}, "x": {"type": "integer"}}
        b = bundle(props, [task("Loop", ["x"], ["x"])], [], ["x", "blob"], 10**9)
        d = compile_bundle(b, EVALUATOR)
        cost = per_step(d, {"blob": "b" * size, "x": 0})
        print(f"| {size // 1000:,} KB of data (one field) | {cost:.1f} |")
    props = {f"f{i}": {"type": "string"} for i in range(1000)} | {"x": {"type": "integer"}}
    b = bundle(props, [task("Loop", ["x"], ["x"])], [], list(props), 10**9)
    d = compile_bundle(b, EVALUATOR)
    data = {f"f{i}": "v" * 1000 for i in range(1000)} | {"x": 0}
    print(f"| 1 MB of data (1,000 fields of 1 KB) | {per_step(d, data):.1f} |")


def per_step(definition, data, steps: int = 2_000) -> float:
    state, _ = step(definition, None, {"type": "ticket_submitted", "ticket": "T", "fields": data})
    start = time.perf_counter()
    for i in range(steps):
        seq = state["active"][0]["seq"]
        state, _ = step(
            definition, state, {"type": "task_completed", "seq": seq, "output": {"x": i}}
        )
    return (time.perf_counter() - start) / steps * 1e6


def main() -> None:
    global SECONDS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.2 s per measurement")
    if parser.parse_args().quick:
        SECONDS = 0.2
    print(f"Python {sys.version.split()[0]}, evaluator {EVALUATOR.name}\n")
    workflows()
    flat_cost()
    workspace_cost()


if __name__ == "__main__":
    main()
