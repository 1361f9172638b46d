"""The permission matrix of the run API: every endpoint × every kind of user × company.

Endpoints are declared once (NetBox-style), each with the answer every kind of user
gets, from the rules of docs/decision-runs-visibility.md and docs/runs-api.md:
- anonymous: 401;
- a stranger (signed in, no role, created nothing): empty lists, 403 on submitting a
  type they may not, 404 on every object (as if it did not exist);
- the clerk (role `staff`, the ticket type's role, who submitted the tickets): reads
  them, claims the task, 403 on what only a ticket admin does;
- a ticket admin: everything (409 where the state, not the role, refuses);
- a ticket admin of another company, on their own host: 404 on every object of this
  one; a reference to one in a body (a ticket type, a ticket) is a 400 "no such ... you
  see", the same as for an id that exists nowhere.
Each case starts from a fresh world, so no case depends on another's writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tenants.utils import schema_context

from tests.runs.support import install, simple_bundle

ROLES = ("anonymous", "stranger", "clerk", "ticket_admin", "other_company")


@dataclass(frozen=True)
class Endpoint:
    operation_id: str
    method: str
    url: str  # {t}: a ticket, {w}: its workflow instance, {task}: its open FORM task,
    # {err_task}: a task in ERROR, {e}: its ticket error, {f}: a file, {k}: the ticket type
    answers: tuple[int, int, int, int, int]  # in the order of ROLES
    body: Any = None


E = Endpoint
T, W, K, ER, F = (
    "/api/v1/tickets", "/api/v1/workflow-instances", "/api/v1/tasks", "/api/v1/ticket-errors",
    "/api/v1/files",
)  # fmt: skip
LIST = (401, 200, 200, 200, 200)
SEEN = (401, 404, 200, 200, 404)  # what the clerk sees of their own ticket
ADMIN = (401, 404, 403, 200, 404)  # what only a ticket admin does
ENDPOINTS = [
    E("tickets_list", "get", f"{T}/", LIST),
    E("tickets_create", "post", f"{T}/", (401, 403, 201, 201, 400),
      lambda i: {"ticket_definition": i["k"], "fields": {"amount": 1}}),
    E("tickets_retrieve", "get", f"{T}/{{t}}/", SEEN),
    E("tickets_history", "get", f"{T}/{{t}}/history/", SEEN),
    E("tickets_activity", "get", f"{T}/{{t}}/activity/", SEEN),
    E("workflow_instances_list", "get", f"{W}/", LIST),
    E("workflow_instances_retrieve", "get", f"{W}/{{w}}/", SEEN),
    E("workflow_instances_data", "get", f"{W}/{{w}}/data/", SEEN),
    E("workflow_instances_diff", "get", f"{W}/{{w}}/diff/", SEEN),
    E("workflow_instances_explain", "get", f"{W}/{{w}}/explain/?task=Review", SEEN),
    E("workflow_instances_write", "post", f"{W}/{{w}}/write/", ADMIN,
      lambda i: {"data": {"amount": 9}}),
    E("workflow_instances_start", "post", f"{W}/{{w}}/start/", (401, 404, 403, 409, 404)),
    E("workflow_instances_cancel", "post", f"{W}/{{w}}/cancel/", ADMIN),
    E("tasks_list", "get", f"{K}/", LIST),
    E("tasks_retrieve", "get", f"{K}/{{task}}/", SEEN),
    E("tasks_claim", "post", f"{K}/{{task}}/claim/", SEEN),
    E("tasks_assign", "post", f"{K}/{{task}}/assign/", ADMIN, lambda i: {"user": i["clerk"]}),
    E("tasks_unassign", "post", f"{K}/{{task}}/unassign/", (401, 404, 403, 409, 404)),
    E("tasks_complete", "post", f"{K}/{{task}}/complete/", ADMIN,
      lambda i: {"output": {"approved": False}}),
    E("tasks_retry", "post", f"{K}/{{err_task}}/retry/", ADMIN),
    E("tasks_cancel", "post", f"{K}/{{task}}/cancel/", ADMIN),
    E("ticket_errors_list", "get", f"{ER}/", LIST),
    E("ticket_errors_retrieve", "get", f"{ER}/{{e}}/", SEEN),
    E("ticket_errors_review", "post", f"{ER}/{{e}}/review/", ADMIN, lambda i: {}),
    E("ticket_errors_resolve", "post", f"{ER}/{{e}}/resolve/", ADMIN,
      lambda i: {"notes": "Archive is back."}),
    E("files_list", "get", f"{F}/", LIST),
    E("files_create", "post", f"{F}/", (401, 400, 201, 201, 400),
      lambda i: {"ticket": i["t"], "file": SimpleUploadedFile("b.txt", b"y")}),
    E("files_retrieve", "get", f"{F}/{{f}}/", SEEN),
    E("files_download", "get", f"{F}/{{f}}/download/", SEEN),
]  # fmt: skip


def _world(alpha) -> dict[str, int]:
    """A company with the clerk's two tickets: one waiting for its Review (with a file),
    one whose Archive action failed (a task in ERROR and its ticket error)."""
    from ticketflower.runs import services
    from ticketflower.runs.models import TaskInstance, TicketError

    workflow = install(alpha, simple_bundle())
    kind = workflow["tickets"][0]["id"]
    clerk = alpha.client("clerk", "staff")

    def submit(amount: int) -> dict:
        body = {"ticket_definition": kind, "fields": {"amount": amount}}
        answer = clerk.post("/api/v1/tickets/", body, format="json")
        assert answer.status_code == 201, answer.json()
        return answer.json()

    waiting, failed = submit(5), submit(6)
    upload = {"ticket": waiting["id"], "file": SimpleUploadedFile("a.txt", b"x")}
    file_id = clerk.post("/api/v1/files/", upload, format="multipart").json()["id"]
    review = failed["tasks"][0]["id"]
    assert clerk.post(f"/api/v1/tasks/{review}/claim/").status_code == 200
    done = clerk.post(f"/api/v1/tasks/{review}/complete/", {"output": {"approved": True}},
                      format="json")  # fmt: skip
    assert done.status_code == 200, done.json()
    with schema_context(alpha.slug):
        archive = TaskInstance.objects.get(
            workflow_instance__ticket__id=failed["id"], task_definition__title="Archive"
        )
        services.do_fail_task(archive.pk, "archive.example.com said 503")
        error = TicketError.objects.get(task_instance=archive)
    return {
        "k": kind, "t": waiting["id"], "w": waiting["workflow_instance"]["id"],
        "task": waiting["tasks"][0]["id"], "err_task": archive.pk, "e": error.pk,
        "f": file_id, "clerk": alpha.user("clerk").pk,
    }  # fmt: skip


def _client(role: str, alpha, beta):
    return {
        "anonymous": lambda: alpha.anonymous(),
        "stranger": lambda: alpha.client("stranger"),
        "clerk": lambda: alpha.client("clerk", "staff"),
        "ticket_admin": lambda: alpha.client("boss", "ticket_admin"),
        "other_company": lambda: beta.client("their_boss", "ticket_admin"),
    }[role]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_permission_matrix(alpha, beta, settings, tmp_path, endpoint, role):
    settings.MEDIA_ROOT = tmp_path
    ids = _world(alpha)
    body = endpoint.body(ids) if endpoint.body else None
    form = "multipart" if endpoint.operation_id == "files_create" else "json"
    client = _client(role, alpha, beta)
    answer = getattr(client, endpoint.method)(endpoint.url.format(**ids), body, format=form)
    want = endpoint.answers[ROLES.index(role)]
    assert answer.status_code == want, answer.content[:500]


def test_the_matrix_covers_every_operation_of_the_run_api(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    prefixes = ("/api/v1/tickets", "/api/v1/workflow-instances", "/api/v1/tasks",
                "/api/v1/ticket-errors", "/api/v1/files")  # fmt: skip
    documented = {
        op["operationId"]
        for path, ops in schema["paths"].items()
        if path.startswith(prefixes)
        for op in ops.values()
    }
    assert documented == {e.operation_id for e in ENDPOINTS}
