"""A workflow's graph (kernel/graph.py) laid out in layers for an SVG drawing.

Laid out on the server so that pages ship no layout library and render without
JavaScript (docs/decision-web-diagram.md): ticket types on the first row, each task and
completion one row below the lowest writer it depends on (longest path, back edges set
aside), nodes ordered in each row by the mean position of their writers to cut
crossings. An arrow that skips rows bends around the boxes between; arrows that go back
up (loops) are drawn dashed on the right.
"""

from __future__ import annotations

from typing import Any

NODE_W, NODE_H = 200, 62
GAP_X, GAP_Y = 28, 78
MARGIN = 24
LOOP_OFFSET = 46

# A task instance's status, or the run's ending, as the drawing colours it.
STATES = {
    "COMPLETED": "done",
    "OPEN": "active",
    "IN_PROGRESS": "active",
    "PENDING": "active",
    "ERROR": "errored",
    "CANCELLED": "cancelled",
}


def _back_edges(nodes: list[dict], edges: list[dict]) -> set[int]:
    """Indexes of the edges that close a loop (found by a depth-first walk in definition
    order, from the ticket types first)."""
    out: dict[str, list[int]] = {n["id"]: [] for n in nodes}
    for i, e in enumerate(edges):
        out[e["from"]].append(i)
    back: set[int] = set()
    state: dict[str, int] = {}  # 1 on the walk's path, 2 done

    def walk(start: str) -> None:
        stack = [(start, iter(out[start]))]
        state[start] = 1
        while stack:
            node, pending = stack[-1]
            for i in pending:
                target = edges[i]["to"]
                if state.get(target) == 1:
                    back.add(i)
                elif target not in state:
                    state[target] = 1
                    stack.append((target, iter(out[target])))
                    break
            else:
                state[node] = 2
                stack.pop()

    for n in nodes:
        if n["id"] not in state:
            walk(n["id"])
    return back


def _layers(nodes: list[dict], edges: list[dict], back: set[int]) -> dict[str, int]:
    preds: dict[str, list[str]] = {n["id"]: [] for n in nodes}
    for i, e in enumerate(edges):
        if i not in back:
            preds[e["to"]].append(e["from"])
    layer: dict[str, int] = {}

    first = {n["id"]: 0 if n["kind"] == "ticket" else 1 for n in nodes}

    def depth(nid: str) -> int:
        if nid not in layer:
            layer[nid] = first[nid]  # guards a cycle the walk missed (none expected)
            # Nothing but ticket types on the first row.
            layer[nid] = max((depth(p) + 1 for p in preds[nid]), default=first[nid])
        return layer[nid]

    for n in nodes:
        depth(n["id"])
    return layer


def _rows(nodes: list[dict], edges: list[dict], layer: dict[str, int]) -> list[list[str]]:
    rows: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for n in nodes:
        rows[layer[n["id"]]].append(n["id"])
    rows = [r for r in rows if r]
    preds: dict[str, list[str]] = {n["id"]: [] for n in nodes}
    for e in edges:
        preds[e["to"]].append(e["from"])
    place = {nid: i for row in rows for i, nid in enumerate(row)}
    for _sweep in range(4):
        for row in rows[1:]:
            row.sort(key=lambda nid, row=row: _barycenter(nid, preds[nid], row, place))
            place.update({nid: i for i, nid in enumerate(row)})
    return rows


def _barycenter(nid: str, preds: list[str], row: list[str], place: dict[str, int]) -> float:
    """The mean position of a node's writers in other rows (its own if it has none)."""
    above = [place[p] for p in preds if p not in row]
    return sum(above) / len(above) if above else place[nid]


def layout(graph: dict[str, Any], states: dict[str, str] | None = None) -> dict[str, Any]:
    """Positions, arrow paths and labels of `graph`; `states` maps a node id to how its
    run went (done, active, errored, cancelled, never) for a ticket's picture."""
    nodes, edges = graph["nodes"], graph["edges"]
    back = _back_edges(nodes, edges)
    rows = _rows(nodes, edges, _layers(nodes, edges, back))
    widest = max((len(r) for r in rows), default=1)
    width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X + LOOP_OFFSET * 2
    pos: dict[str, tuple[float, float]] = {}
    for r, row in enumerate(rows):
        span = len(row) * NODE_W + (len(row) - 1) * GAP_X
        left = (width - LOOP_OFFSET * 2 - span) / 2
        for i, nid in enumerate(row):
            pos[nid] = (left + i * (NODE_W + GAP_X), MARGIN + r * (NODE_H + GAP_Y))
    height = MARGIN * 2 + len(rows) * NODE_H + (len(rows) - 1) * GAP_Y
    drawn_nodes = []
    for n in nodes:
        x, y = pos[n["id"]]
        drawn_nodes.append({
            **n, "x": x, "y": y, "w": NODE_W, "h": NODE_H,
            "cx": x + NODE_W / 2, "ty": y + 22, "sy": y + 40, "wy": y + 55,
            "label": _short(n["title"], 26), "subtitle": _subtitle(n),
            "when": _short("when " + n["condition"], 34) if n.get("condition") else "",
            "state": (states or {}).get(n["id"], "never") if states is not None else "",
        })  # fmt: skip
    drawn_edges = []
    loops = lanes = 0
    right = width
    for i, e in enumerate(edges):
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        label = ", ".join(e["fields"]) or "at start"
        if i in back or y2 <= y1:
            loops += 1
            reach = NODE_W + LOOP_OFFSET * 0.5 + (loops % 4) * 8
            sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2 + NODE_W, y2 + NODE_H / 2
            c1, c2 = x1 + reach, x2 + reach
            d = f"M{sx:.0f},{sy:.0f} C{c1:.0f},{sy:.0f} {c2:.0f},{ty:.0f} {tx:.0f},{ty:.0f}"
            lx, ly = max(x1, x2) + reach - 4, (sy + ty) / 2
            kind = "back"
        elif y2 - y1 > NODE_H + GAP_Y:
            # Skips rows: down a lane to the right of the boxes in between.
            lanes += 1
            between = [x + NODE_W for x, y in pos.values() if y1 < y < y2]
            lane = max(between, default=max(x1, x2) + NODE_W) + 16 + (lanes % 4) * 10
            right = max(right, lane + MARGIN)
            sx, sy, tx, ty = x1 + NODE_W / 2, y1 + NODE_H, x2 + NODE_W / 2, y2
            d = (
                f"M{sx:.0f},{sy:.0f} C{sx:.0f},{sy + 30:.0f} {lane:.0f},{sy + 8:.0f} "
                f"{lane:.0f},{sy + 40:.0f} L{lane:.0f},{ty - 40:.0f} "
                f"C{lane:.0f},{ty - 8:.0f} {tx:.0f},{ty - 30:.0f} {tx:.0f},{ty:.0f}"
            )
            lx, ly = lane + 4, (sy + ty) / 2
            kind = "forward long"
        else:
            sx, sy, tx, ty = x1 + NODE_W / 2, y1 + NODE_H, x2 + NODE_W / 2, y2
            mid = (sy + ty) / 2
            d = f"M{sx:.0f},{sy:.0f} C{sx:.0f},{mid:.0f} {tx:.0f},{mid:.0f} {tx:.0f},{ty:.0f}"
            lx, ly = (sx + tx) / 2, mid
            kind = "forward"
        drawn_edges.append({**e, "d": d, "label": _short(label, 28), "full": label,
                            "lx": lx, "ly": ly, "kind": kind})  # fmt: skip
    return {"width": max(width, right), "height": height, "nodes": drawn_nodes,
            "edges": drawn_edges}  # fmt: skip


def _subtitle(node: dict[str, Any]) -> str:
    if node["kind"] == "ticket":
        return "ticket type"
    if node["kind"] == "completion":
        return f"ends: {node['completion_status'].lower()}"
    return {"FORM": "form", "SYNC_ACTION": "sync action", "ASYNC_ACTION": "async action"}.get(
        node["task_type"], node["task_type"].lower()
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_states(
    graph: dict[str, Any],
    ticket_type: str,
    tasks: list[tuple[str, str]],
    completion: str | None,
) -> dict[str, str]:
    """How each node of a ticket's run went: its ticket type done, a task by its newest
    instance (`tasks`: title and status, oldest first), the completion that fired done;
    anything else never started."""
    newest = dict(tasks)
    states: dict[str, str] = {}
    for n in graph["nodes"]:
        if n["kind"] == "ticket" and n["title"] == ticket_type:
            states[n["id"]] = "done"
        elif n["kind"] == "task" and n["title"] in newest:
            states[n["id"]] = STATES.get(newest[n["title"]], "never")
        elif n["kind"] == "completion" and n["title"] == completion:
            states[n["id"]] = "done"
    return states
