"""Helpers of the run tests: example workflows imported and activated, people with roles,
and a `Runner` that drives a ticket through the API (and through the worker's service
functions for action tasks, as a worker would)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django_tenants.utils import schema_context

from tests.helpers import TenantHelper

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("order_fulfilment", "it_support", "refund_approval")


def example(name: str) -> tuple[dict, list[tuple[str, dict]]]:
    """An example's bundle and its scenarios (name, scenario)."""
    folder = ROOT / "examples" / name
    bundle = json.loads((folder / "bundle.json").read_text())
    scenarios = [
        (path.stem, json.loads(path.read_text())) for path in sorted(folder.glob("scenario*.json"))
    ]
    return bundle, scenarios


def install(helper: TenantHelper, bundle: dict) -> dict:
    """Import and activate a bundle in a company; returns the workflow's detail."""
    designer = helper.client("designer", "workflow_creator")
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 201, answer.json()
    workflow = answer.json()
    answer = designer.post(f"/api/v1/workflows/{workflow['id']}/activate/")
    assert answer.status_code == 200, answer.json()
    return answer.json()


class Runner:
    """Drives one company's tickets: submit, claim and complete through the API."""

    def __init__(self, helper: TenantHelper, workflow: dict, role: str):
        self.helper = helper
        self.workflow = workflow
        self.role = role
        self.tickets = {t["title"]: t["id"] for t in workflow["tickets"]}
        self.submitter = helper.client("submitter", role)
        self.admin = helper.client("boss", "ticket_admin")

    def submit(self, fields: dict, title: str | None = None, client: Any = None) -> Any:
        title = title or next(iter(self.tickets))
        body = {"ticket_definition": self.tickets[title], "fields": fields}
        return (client or self.submitter).post("/api/v1/tickets/", body, format="json")

    def tasks(self, ticket_id: int, client: Any = None) -> list[dict]:
        answer = (client or self.admin).get(f"/api/v1/tasks/?ticket={ticket_id}&limit=1000")
        assert answer.status_code == 200, answer.json()
        return sorted(answer.json()["results"], key=lambda t: t["seq"])

    def oldest_active(self, ticket_id: int, title: str) -> dict:
        active = [
            t
            for t in self.tasks(ticket_id)
            if t["title"] == title and t["status"] in ("OPEN", "PENDING", "IN_PROGRESS")
        ]
        assert active, f"no active {title!r}"
        return active[0]

    def complete(self, ticket_id: int, title: str, output: dict) -> Any:
        """Complete the oldest active instance of `title`: a person claims and submits a
        FORM; an action is completed through the worker's service function."""
        task = self.oldest_active(ticket_id, title)
        if task["task_type"] == "FORM":
            worker = self.helper.client("worker_person", self.role)
            if task["status"] == "OPEN":
                claimed = worker.post(f"/api/v1/tasks/{task['id']}/claim/")
                assert claimed.status_code == 200, claimed.json()
            return worker.post(
                f"/api/v1/tasks/{task['id']}/complete/", {"output": output}, format="json"
            )
        from ticketflower.runs.services import do_complete_task

        with schema_context(self.helper.slug):
            return do_complete_task(task["id"], output)

    def fail(self, ticket_id: int, title: str, message: str) -> Any:
        from ticketflower.runs.services import do_fail_task

        task = self.oldest_active(ticket_id, title)
        with schema_context(self.helper.slug):
            return do_fail_task(task["id"], message)

    def write(self, ticket_id: int, data: dict) -> Any:
        ticket = self.admin.get(f"/api/v1/tickets/{ticket_id}/").json()
        instance = ticket["workflow_instance"]["id"]
        return self.admin.post(
            f"/api/v1/workflow-instances/{instance}/write/", {"data": data}, format="json"
        )

    def history(self, ticket_id: int) -> dict:
        answer = self.admin.get(f"/api/v1/tickets/{ticket_id}/history/")
        assert answer.status_code == 200, answer.json()
        return answer.json()


ROLES = {"order_fulfilment": "sales", "it_support": "staff", "refund_approval": "support"}


def simple_bundle() -> dict:
    """A small workflow: a Review FORM on `amount`, then an Archive action; Done fires on
    `archived`, Refused (CANCELLED) on approved == false."""
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {
            "title": "Expense",
            "fields_schema": {
                "type": "object",
                "properties": {
                    "title": {"type": "string", "maxLength": 50},
                    "amount": {"type": "number", "minimum": 0},
                    "approved": {"type": "boolean"},
                    "comment": {"type": ["string", "null"]},
                    "archived": {"type": "boolean"},
                },
            },
        },
        "tasks": [
            {
                "title": "Review",
                "task_type": "FORM",
                "input_fields": ["amount"],
                "output_fields": ["approved", "comment"],
            },
            {
                "title": "Archive",
                "task_type": "SYNC_ACTION",
                "input_fields": ["approved"],
                "output_fields": ["archived"],
                "condition": {"==": [{"var": "approved"}, True]},
                "action_url": "https://archive.example.com/",
            },
        ],
        "completions": [
            {
                "title": "Done",
                "completion_status": "COMPLETED",
                "fields": ["archived"],
                "condition": {"==": [{"var": "archived"}, True]},
            },
            {
                "title": "Refused",
                "completion_status": "CANCELLED",
                "fields": ["approved"],
                "condition": {"==": [{"var": "approved"}, False]},
            },
        ],
        "tickets": [
            {
                "title": "Expense claim",
                "fields": ["title", "amount"],
                "company_role_access": ["staff"],
            }
        ],
    }


def parallel_bundle(n: int) -> dict:
    """`n` FORM tasks started together by the ticket's `go`, each writing its own field."""
    properties = {"go": {"type": "boolean"}}
    properties.update({f"out{i}": {"type": "integer"} for i in range(n)})
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {
            "title": f"Parallel {n}",
            "fields_schema": {"type": "object", "properties": properties},
        },
        "tasks": [
            {
                "title": f"Part {i}",
                "task_type": "FORM",
                "input_fields": ["go"],
                "output_fields": [f"out{i}"],
            }
            for i in range(n)
        ],
        "completions": [],
        "tickets": [{"title": "Go", "fields": ["go"], "company_role_access": ["staff"]}],
    }


def loop_bundle() -> dict:
    """One FORM task that restarts on every completion while `n` < 1000."""
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {
            "title": "Loop",
            "fields_schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "max_iterations": 5000,
        },
        "tasks": [
            {
                "title": "Step",
                "task_type": "FORM",
                "input_fields": ["n"],
                "output_fields": ["n"],
                "condition": {"<": [{"var": "n"}, 1000]},
            }
        ],
        "completions": [],
        "tickets": [{"title": "Start", "fields": ["n"], "company_role_access": ["staff"]}],
    }
