"""The permission matrix: every endpoint of the workflow design API × every kind of user.

Endpoints are declared once (NetBox-style); the expected answer follows from the rules
of docs/decision-definitions-visibility.md:
- anonymous: 401;
- tenant_admin, workflow_creator: everything;
- ticket_admin: reads, and the actions that write nothing (analysis, simulate, validate);
- anyone else: the ticket definitions they may submit, 403 for every other endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command

from tests.definitions.data import SAMPLE_SCENARIO, sample_bundle

SCHEMA = {"type": "object", "properties": {"items": {"type": "array"}}}
# Full replacements (PUT) keep the optional fields they omit, as DRF does: the task that
# is replaced has an output_transform for 'quote', so the new one writes 'quote' too.
TASK = {"title": "New", "task_type": "FORM", "input_fields": ["items"], "output_fields": ["quote"]}
COMPLETION = {"title": "New", "completion_status": "COMPLETED", "fields": ["items"]}
TICKET = {"title": "New", "fields": ["items"], "company_role_access": ["sales"]}


@dataclass(frozen=True)
class Endpoint:
    operation_id: str
    method: str
    url: str  # {d}: a DRAFT workflow, {a}: an ACTIVE one; {dt}, {dc}, {dk}, {ak}: their parts
    ok: int
    kind: str = "write"  # "read", "action" (a POST that writes nothing), "write"
    body: object = None
    open_to_all: bool = False  # any signed-in user may call it (on what they may see)
    extra: dict = field(default_factory=dict)


def _with_workflow(body):
    return lambda ids: {**body, "workflow": ids["d"]}


WF, TD, CD, KD = (
    "/api/v1/workflows",
    "/api/v1/task-definitions",
    "/api/v1/completions",
    ("/api/v1/ticket-definitions"),
)
NEW_WORKFLOW = {"title": "N", "fields_schema": SCHEMA}
RENAME = {"title": "N"}
E = Endpoint
ENDPOINTS = [
    E("workflows_list", "get", f"{WF}/", 200, "read"),
    E("workflows_create", "post", f"{WF}/", 201, body=NEW_WORKFLOW),
    E("workflows_retrieve", "get", f"{WF}/{{d}}/", 200, "read"),
    E("workflows_update", "put", f"{WF}/{{d}}/", 200, body=NEW_WORKFLOW),
    E("workflows_partial_update", "patch", f"{WF}/{{d}}/", 200, body=RENAME),
    E("workflows_destroy", "delete", f"{WF}/{{d}}/", 204),
    E("workflows_import", "post", f"{WF}/import/", 201, body=lambda ids: sample_bundle()),
    E("workflows_bundle_export", "get", f"{WF}/{{d}}/bundle/", 200, "read"),
    E("workflows_bundle_replace", "put", f"{WF}/{{d}}/bundle/", 200,
      body=lambda ids: sample_bundle()),
    E("workflows_activate", "post", f"{WF}/{{d}}/activate/", 200),
    E("workflows_archive", "post", f"{WF}/{{a}}/archive/", 200),
    E("workflows_new_version", "post", f"{WF}/{{a}}/new-version/", 201),
    E("workflows_analysis", "get", f"{WF}/{{d}}/analysis/", 200, "read"),
    E("workflows_simulate", "post", f"{WF}/{{d}}/simulate/", 200, "action", SAMPLE_SCENARIO),
    E("task_definitions_list", "get", f"{TD}/", 200, "read"),
    E("task_definitions_create", "post", f"{TD}/", 201, body=_with_workflow(TASK)),
    E("task_definitions_retrieve", "get", f"{TD}/{{dt}}/", 200, "read"),
    E("task_definitions_update", "put", f"{TD}/{{dt}}/", 200, body=_with_workflow(TASK)),
    E("task_definitions_partial_update", "patch", f"{TD}/{{dt}}/", 200, body=RENAME),
    E("task_definitions_destroy", "delete", f"{TD}/{{dt}}/", 204),
    E("task_definitions_versions", "get", f"{TD}/{{dt}}/versions/", 200, "read"),
    E("completions_list", "get", f"{CD}/", 200, "read"),
    E("completions_create", "post", f"{CD}/", 201, body=_with_workflow(COMPLETION)),
    E("completions_retrieve", "get", f"{CD}/{{dc}}/", 200, "read"),
    E("completions_update", "put", f"{CD}/{{dc}}/", 200, body=_with_workflow(COMPLETION)),
    E("completions_partial_update", "patch", f"{CD}/{{dc}}/", 200, body=RENAME),
    E("completions_destroy", "delete", f"{CD}/{{dc}}/", 204),
    E("completions_versions", "get", f"{CD}/{{dc}}/versions/", 200, "read"),
    E("ticket_definitions_list", "get", f"{KD}/", 200, "read", open_to_all=True),
    E("ticket_definitions_create", "post", f"{KD}/", 201, body=_with_workflow(TICKET)),
    E("ticket_definitions_retrieve", "get", f"{KD}/{{ak}}/", 200, "read", open_to_all=True),
    E("ticket_definitions_update", "put", f"{KD}/{{dk}}/", 200, body=_with_workflow(TICKET)),
    E("ticket_definitions_partial_update", "patch", f"{KD}/{{dk}}/", 200, body=RENAME),
    E("ticket_definitions_destroy", "delete", f"{KD}/{{dk}}/", 204),
    E("ticket_definitions_versions", "get", f"{KD}/{{ak}}/versions/", 200, "read",
      open_to_all=True),
    E("bundles_validate", "post", "/api/v1/bundles/validate/", 200, "action",
      lambda ids: sample_bundle()),
    E("bundles_simulate", "post", "/api/v1/bundles/simulate/", 200, "action",
      lambda ids: {"bundle": sample_bundle(), "scenario": SAMPLE_SCENARIO}),
    E("bundles_schema", "get", "/api/v1/bundles/schema/", 200, "read", open_to_all=True),
]  # fmt: skip

ROLES = {
    "anonymous": None,
    "plain": ("sales",),
    "ticket_admin": ("ticket_admin",),
    "workflow_creator": ("workflow_creator",),
    "tenant_admin": ("tenant_admin",),
}


def expected(endpoint: Endpoint, role: str) -> int:
    if role == "anonymous":
        return 401
    if role in ("workflow_creator", "tenant_admin"):
        return endpoint.ok
    if role == "ticket_admin":
        return endpoint.ok if endpoint.kind in ("read", "action") else 403
    return endpoint.ok if endpoint.open_to_all and endpoint.kind == "read" else 403


@pytest.fixture
def world(alpha):
    """A DRAFT and an ACTIVE workflow of docs/bundle-format.md's example, made by a designer."""
    designer = alpha.client("matrix_designer", "workflow_creator")
    draft = designer.post("/api/v1/workflows/import/", sample_bundle(), format="json").json()
    active = designer.post("/api/v1/workflows/import/", sample_bundle(), format="json").json()
    assert designer.post(f"/api/v1/workflows/{active['id']}/activate/").status_code == 200
    return {
        "d": draft["id"],
        "a": active["id"],
        "dt": draft["tasks"][0]["id"],
        "dc": draft["completions"][0]["id"],
        "dk": draft["tickets"][0]["id"],
        "ak": active["tickets"][0]["id"],
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_permission_matrix(alpha, world, endpoint, role):
    roles = ROLES[role]
    client = alpha.anonymous() if roles is None else alpha.client(f"user_{role}", *roles)
    body = endpoint.body(world) if callable(endpoint.body) else endpoint.body
    answer = getattr(client, endpoint.method)(endpoint.url.format(**world), body, format="json")
    assert answer.status_code == expected(endpoint, role), answer.content[:500]


def test_the_matrix_covers_every_operation_of_the_design_api(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    prefixes = ("/api/v1/workflows", "/api/v1/task-definitions", "/api/v1/completions",
                "/api/v1/ticket-definitions", "/api/v1/bundles")  # fmt: skip
    documented = {
        op["operationId"]
        for path, ops in schema["paths"].items()
        if path.startswith(prefixes)
        for op in ops.values()
    }
    assert documented == {e.operation_id for e in ENDPOINTS}


def _visible_tickets(client):
    return {t["title"] for t in client.get("/api/v1/ticket-definitions/").json()["results"]}


def test_other_users_see_only_tickets_of_active_workflows_for_their_roles(alpha):
    designer = alpha.client("v_designer", "workflow_creator")

    def make(title, roles, activate):
        bundle = sample_bundle()
        bundle["tickets"] = [{"title": title, "fields": ["items"], "company_role_access": roles}]
        workflow = designer.post("/api/v1/workflows/import/", bundle, format="json").json()
        if activate:
            designer.post(f"/api/v1/workflows/{workflow['id']}/activate/")
        return workflow["tickets"][0]["id"]

    mine = make("For sales", ["sales", "support"], True)
    draft = make("Draft for sales", ["sales"], False)
    others = make("For finance", ["finance"], True)
    seller = alpha.client("seller", "sales")
    assert _visible_tickets(seller) == {"For sales"}
    assert seller.get(f"/api/v1/ticket-definitions/{mine}/").status_code == 200
    for hidden in (draft, others):
        assert seller.get(f"/api/v1/ticket-definitions/{hidden}/").status_code == 404
    assert _visible_tickets(alpha.client("nobody")) == set()
    assert {"For sales", "Draft for sales", "For finance"} <= _visible_tickets(
        alpha.client("tadmin", "ticket_admin")
    )
