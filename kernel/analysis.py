"""Static analysis of a valid bundle: warnings (likely design mistakes) and information.

Never errors. Admin corrections, which can write any field, are ignored: the analysis
asks what tickets and tasks can do. Conditions are taken as "may hold" unless literal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kernel.bundle import Definition
from kernel.problems import Finding, pointer

TICKET = "(ticket)"  # the source of iteration 0 in the trigger graph


def analyze(definition: Definition) -> list[Finding]:
    """Every finding about a compiled bundle, warnings first, then information."""
    facts = _Facts(definition)
    findings = [
        *_no_ticket(facts),
        *_shared_outputs(facts),
        *_read_never_written(facts),
        *_never_triggers(facts),
        *_never_fires(facts),
        *_outputs_never_read(facts),
        *_cycles(facts),
    ]
    return findings


class _Facts:
    """What the analyses share: who writes and who reads each field."""

    def __init__(self, definition: Definition):
        self.d = definition
        self.fields = set(definition.field_checks)
        self.ticket_fields: set[str] = set()
        for ticket in definition.tickets.values():
            self.ticket_fields |= ticket.fields
        self.writers: dict[str, set[str]] = {}  # field -> task titles and TICKET
        for name in self.ticket_fields:
            self.writers.setdefault(name, set()).add(TICKET)
        for task in definition.tasks:
            for name in task.output_fields:
                self.writers.setdefault(name, set()).add(task.title)
        # Reads: (field, pointer of the place that reads it); None when unknowable.
        self.reads: list[tuple[str, str]] = []
        self.reads_unknown = False
        for task in definition.tasks:
            at = pointer("tasks", task.index)
            for k, name in enumerate(task.input_fields):
                self.reads.append((name, f"{at}/input_fields/{k}"))
            self._expression(task.condition, f"{at}/condition")
            transform = task.raw.get("input_transform") or {}
            for key, expr in transform.items():
                self._expression(expr, f"{at}/input_transform" + pointer(key))
        for c in definition.completions:
            at = pointer("completions", c.index)
            for k, name in enumerate(c.fields):
                self.reads.append((name, f"{at}/fields/{k}"))
            self._expression(c.condition, f"{at}/condition")

    def _expression(self, expr: Any, where: str) -> None:
        if expr is None:
            return
        try:
            names = self.d.evaluator.fields_read(expr)
        except Exception:  # an evaluator that cannot tell is treated like None
            names = None
        if names is None:
            self.reads_unknown = True
            return
        for name in sorted(names):
            if name in self.fields:
                self.reads.append((name, where))

    def sources(self, input_fields: Iterable[str]) -> set[str]:
        """Who can trigger a task with these inputs: TICKET and/or task titles."""
        inputs = list(input_fields)
        if not inputs:
            return {TICKET}
        found: set[str] = set()
        for name in inputs:
            found |= self.writers.get(name, set())
        return found

    def literal_false(self, condition: Any) -> bool:
        """A condition that is a constant (not an operation) and falsy never holds."""
        return (
            condition is not None
            and not isinstance(condition, dict)
            and not self.d.evaluator.truthy(condition)
        )


def _no_ticket(facts: _Facts) -> list[Finding]:
    if facts.d.tickets:
        return []
    return [Finding("no_ticket", "warning", "/tickets", "no ticket definition: nothing starts it")]


def _concurrent(facts: _Facts) -> set[tuple[str, str]]:
    """Pairs of task titles that can be active at once (a fixpoint over the trigger graph).

    X and Y overlap when one writer can trigger both in one step, or when Y is triggered
    by some C != X that can complete while X is active. A worklist visits each pair once.
    """
    tasks = facts.d.tasks
    sources = {t.title: facts.sources(t.input_fields) for t in tasks}
    triggered_by: dict[str, list[str]] = {}  # writer -> tasks it can trigger
    for t in tasks:
        for source in sources[t.title]:
            triggered_by.setdefault(source, []).append(t.title)
    pairs: set[tuple[str, str]] = set()
    work: list[tuple[str, str]] = []

    def add(x: str, y: str) -> None:
        for pair in ((x, y), (y, x)):
            if pair not in pairs:
                pairs.add(pair)
                work.append(pair)

    for group in triggered_by.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                add(a, b)
    while work:
        x, c = work.pop()
        if c == x:
            continue
        for y in triggered_by.get(c, ()):
            add(x, y)
    return pairs


def _shared_outputs(facts: _Facts) -> list[Finding]:
    pairs = _concurrent(facts)
    found = []
    tasks = facts.d.tasks
    for a in tasks:
        for b in tasks[a.index :]:
            common = [n for n in a.output_fields if n in b.output_fields]
            if not common or (a.title, b.title) not in pairs:
                continue
            names = ", ".join(common)
            pointers = tuple(
                pointer("tasks", t.index, "output_fields", t.output_fields.index(n))
                for t in ((a,) if a is b else (a, b))
                for n in common
            )
            if a is b:
                message = (
                    f"task '{a.title}' can be triggered again while an instance is active; "
                    f"the second instance would go ERROR (it writes {names}) unless its "
                    "condition prevents it"
                )
            else:
                message = (
                    f"tasks '{a.title}' and '{b.title}' can be active together and both write "
                    f"{names}: the later one would go ERROR unless their conditions exclude "
                    "each other"
                )
            found.append(Finding("shared_output", "warning", pointers[0], message, pointers))
    return found


def _read_never_written(facts: _Facts) -> list[Finding]:
    found = []
    for name, where in facts.reads:
        if name not in facts.writers:
            message = f"'{name}' is read here but no ticket or task ever writes it"
            found.append(Finding("read_never_written", "warning", where, message))
    return found


def _reachable(facts: _Facts) -> tuple[set[str], set[int]]:
    """Fields that can be written and tasks that can start, from the tickets on."""
    fields = set(facts.ticket_fields)
    started: set[int] = set()
    if not facts.d.tickets:
        return fields, started
    changed = True
    while changed:
        changed = False
        for task in facts.d.tasks:
            if task.index in started or facts.literal_false(task.condition):
                continue
            if not task.input_fields or fields & set(task.input_fields):
                started.add(task.index)
                fields |= set(task.output_fields)
                changed = True
    return fields, started


def _never_triggers(facts: _Facts) -> list[Finding]:
    _, started = _reachable(facts)
    found = []
    for task in facts.d.tasks:
        if task.index in started:
            continue
        if facts.literal_false(task.condition):
            why = "its condition is a constant that never holds"
        elif not task.input_fields:
            why = "there is no ticket to start the workflow"
        else:
            why = "no ticket or reachable task writes any of " + ", ".join(task.input_fields)
        at = pointer("tasks", task.index)
        message = f"task '{task.title}' can never trigger: {why}"
        found.append(Finding("never_triggers", "warning", at, message))
    return found


def _never_fires(facts: _Facts) -> list[Finding]:
    fields, _ = _reachable(facts)
    found = []
    for c in facts.d.completions:
        if facts.literal_false(c.condition):
            why = "its condition is a constant that never holds"
        elif not fields & set(c.fields):
            why = "no ticket or reachable task writes any of " + ", ".join(c.fields)
        else:
            continue
        at = pointer("completions", c.index)
        message = f"completion '{c.title}' can never fire: {why}"
        found.append(Finding("never_fires", "warning", at, message))
    return found


def _outputs_never_read(facts: _Facts) -> list[Finding]:
    if facts.reads_unknown:
        return []
    read = {name for name, _ in facts.reads}
    found = []
    for task in facts.d.tasks:
        for k, name in enumerate(task.output_fields):
            if name not in read:
                at = pointer("tasks", task.index, "output_fields", k)
                message = (
                    f"output '{name}' of task '{task.title}' is never read by a task or completion"  # noqa: E501
                )
                found.append(Finding("output_never_read", "warning", at, message))
    return found


def _cycles(facts: _Facts) -> list[Finding]:
    """One finding per strongly connected part of the task graph (A -> B: A writes B's input)."""
    tasks = facts.d.tasks
    edges = {
        t.index: [u.index for u in tasks if set(t.output_fields) & set(u.input_fields)]
        for t in tasks
    }
    found = []
    for component in _strongly_connected(edges):
        members = set(component)
        start = min(members)
        if len(members) == 1 and start not in edges[start]:
            continue
        path = _cycle_path(edges, members, start)
        titles = " → ".join(tasks[i].title for i in path)
        pointers = tuple(pointer("tasks", i) for i in path[:-1])
        message = f"cycle: {titles} (legal; conditions decide when it stops)"
        found.append(Finding("cycle", "info", pointers[0], message, pointers))
    return found


def _strongly_connected(edges: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's algorithm, iterative (no recursion limit on large bundles)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[list[int]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for j in range(i, len(edges[node])):
                nxt = edges[node][j]
                if nxt not in index:
                    work.append((node, j + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                result.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(result)


def _cycle_path(edges: dict[int, list[int]], members: set[int], start: int) -> list[int]:
    """A shortest cycle through `start` inside one component (breadth-first)."""
    previous: dict[int, int] = {}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in edges[node]:
                if nxt not in members:
                    continue
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start, start]
                if nxt not in previous:
                    previous[nxt] = node
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return [start, start]
