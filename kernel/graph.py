"""The picture of a workflow as data: who writes which fields, and who is triggered by them.

Nodes are the ticket types (they write the submitted fields), the tasks and the
completions; an edge goes from a writer to every task or completion that subscribes to a
field it writes (docs/semantics.md, Triggers), labelled with those fields. A task with
no input fields starts with the ticket (iteration 0): an edge from each ticket type.
Pure: a valid bundle in, plain data out; the pages lay it out and draw it.
"""

from __future__ import annotations

from typing import Any

from kernel.wording import condition_text


def node_id(kind: str, index: int) -> str:
    """The stable id of a node: `ticket:0`, `task:2`, `completion:1`."""
    return f"{kind}:{index}"


def workflow_graph(bundle: dict[str, Any]) -> dict[str, Any]:
    """{"nodes": [...], "edges": [...]} of a valid bundle, in definition order."""
    nodes: list[dict[str, Any]] = []
    writers: list[tuple[str, list[str]]] = []
    for i, ticket in enumerate(bundle.get("tickets", [])):
        nid = node_id("ticket", i)
        nodes.append({"id": nid, "kind": "ticket", "title": ticket["title"],
                      "reads": [], "writes": list(ticket.get("fields", []))})  # fmt: skip
        writers.append((nid, list(ticket.get("fields", []))))
    for i, task in enumerate(bundle.get("tasks", [])):
        nid = node_id("task", i)
        nodes.append({
            "id": nid, "kind": "task", "title": task["title"], "task_type": task["task_type"],
            "reads": list(task.get("input_fields", [])),
            "writes": list(task.get("output_fields", [])),
            "condition": _condition(task.get("condition")),
        })  # fmt: skip
        writers.append((nid, list(task.get("output_fields", []))))
    for i, completion in enumerate(bundle.get("completions", [])):
        nodes.append({
            "id": node_id("completion", i), "kind": "completion", "title": completion["title"],
            "completion_status": completion["completion_status"],
            "reads": list(completion.get("fields", [])), "writes": [],
            "condition": _condition(completion.get("condition")),
        })  # fmt: skip
    tickets = [n["id"] for n in nodes if n["kind"] == "ticket"]
    edges: list[dict[str, Any]] = []
    for reader in nodes:
        if reader["kind"] == "ticket":
            continue
        if reader["kind"] == "task" and not reader["reads"]:
            edges += [{"from": t, "to": reader["id"], "fields": []} for t in tickets]
            continue
        for writer, written in writers:
            common = [f for f in reader["reads"] if f in written]
            if common:
                edges.append({"from": writer, "to": reader["id"], "fields": common})
    return {"nodes": nodes, "edges": edges}


def _condition(expr: Any) -> str | None:
    return None if expr is None else condition_text(expr)
