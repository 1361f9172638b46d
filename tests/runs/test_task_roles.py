"""Who may claim and complete a FORM task is declared per task definition (`roles`):
the permission matrix of a purchase that its submitter must not approve."""

from __future__ import annotations

import pytest

from tests.runs.support import install, simple_bundle


def purchase_bundle() -> dict:
    bundle = simple_bundle()
    bundle["tasks"][0]["roles"] = ["manager"]  # Review: only a manager approves
    bundle["tasks"].append(
        {
            "title": "Note",
            "task_type": "FORM",
            "input_fields": ["amount"],
            "output_fields": ["title"],
        }
    )
    bundle["tickets"][0]["company_role_access"] = ["staff", "manager"]
    return bundle


@pytest.fixture
def purchase(alpha):
    workflow = install(alpha, purchase_bundle())
    clients = {
        "submitter": alpha.client("submitter", "staff"),
        "colleague": alpha.client("colleague", "staff"),
        "manager": alpha.client("manager", "manager"),
        "ticket_admin": alpha.client("boss", "ticket_admin"),
    }
    ticket_definition = workflow["tickets"][0]["id"]

    def new_ticket() -> dict[str, int]:
        body = {"ticket_definition": ticket_definition, "fields": {"amount": 900}}
        answer = clients["submitter"].post("/api/v1/tickets/", body, format="json")
        assert answer.status_code == 201, answer.json()
        return {t["title"]: t["id"] for t in answer.json()["tasks"]}

    return clients, new_ticket


# Who may claim (and then complete) each task: a manager's approval, and a plain note.
MATRIX = {
    ("Review", "submitter"): 403,
    ("Review", "colleague"): 403,
    ("Review", "manager"): 200,
    ("Review", "ticket_admin"): 200,
    ("Note", "submitter"): 200,
    ("Note", "colleague"): 200,
    ("Note", "manager"): 200,
    ("Note", "ticket_admin"): 200,
}


@pytest.mark.parametrize(("task", "who"), list(MATRIX))
def test_the_permission_matrix_of_per_task_roles(purchase, task, who):
    clients, new_ticket = purchase
    tasks = new_ticket()
    client = clients[who]
    answer = client.post(f"/api/v1/tasks/{tasks[task]}/claim/")
    assert answer.status_code == MATRIX[task, who], answer.json()
    if answer.status_code == 403:
        # The refusal says which roles would allow it.
        assert answer.json()["detail"] == "Claiming 'Review' needs one of the roles manager."
        return
    output = {"approved": True} if task == "Review" else {"title": "noted"}
    answer = client.post(
        f"/api/v1/tasks/{tasks[task]}/complete/", {"output": output}, format="json"
    )
    assert answer.status_code == 200, answer.json()


def test_the_inbox_offers_only_tasks_the_user_may_claim(purchase):
    clients, new_ticket = purchase
    tasks = new_ticket()

    def claimable(who: str) -> set[int]:
        answer = clients[who].get("/api/v1/tasks/?claimable=true")
        return {t["id"] for t in answer.json()["results"]}

    assert claimable("submitter") == {tasks["Note"]}
    assert claimable("manager") == {tasks["Note"], tasks["Review"]}
    assert claimable("ticket_admin") == {tasks["Note"], tasks["Review"]}
    not_claimable = clients["submitter"].get("/api/v1/tasks/?claimable=false").json()["results"]
    assert tasks["Review"] in {t["id"] for t in not_claimable}


def test_a_task_is_given_only_to_someone_holding_its_roles(alpha, purchase):
    clients, new_ticket = purchase
    tasks = new_ticket()
    admin = clients["ticket_admin"]
    colleague, manager = alpha.user("colleague"), alpha.user("manager")
    answer = admin.post(
        f"/api/v1/tasks/{tasks['Review']}/assign/", {"user": colleague.pk}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"pointer": "/user", "message": "colleague does not hold one of the roles manager."}
    ]
    answer = admin.post(
        f"/api/v1/tasks/{tasks['Review']}/assign/", {"user": manager.pk}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    done = clients["manager"].post(
        f"/api/v1/tasks/{tasks['Review']}/complete/", {"output": {"approved": False}}, format="json"
    )
    assert done.status_code == 200, done.json()


def test_an_assignee_who_lost_the_role_may_not_complete(alpha, purchase):
    from django.contrib.auth.models import Group
    from django_tenants.utils import schema_context

    clients, new_ticket = purchase
    tasks = new_ticket()
    assert clients["manager"].post(f"/api/v1/tasks/{tasks['Review']}/claim/").status_code == 200
    with schema_context("alpha"):
        alpha.user("manager").groups.remove(Group.objects.get(name="manager"))
        alpha.user("manager").groups.add(Group.objects.get(name="staff"))
    answer = clients["manager"].post(
        f"/api/v1/tasks/{tasks['Review']}/complete/", {"output": {"approved": True}}, format="json"
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Completing 'Review' needs one of the roles manager."


def test_roles_on_an_action_are_refused_with_their_pointer(alpha):
    bundle = simple_bundle()
    bundle["tasks"][1]["roles"] = ["manager"]
    designer = alpha.client("designer", "workflow_creator")
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 400
    assert {
        "pointer": "/tasks/1/roles",
        "message": "'roles' applies to tasks done by people, not to actions",
    } in answer.json()["errors"]


def test_roles_the_company_does_not_have_are_analysis_warnings(alpha):
    bundle = purchase_bundle()
    bundle["tickets"][0]["company_role_access"] = ["staff", "managr"]
    alpha.user("someone", "staff")
    designer = alpha.client("designer", "workflow_creator")
    report = designer.post("/api/v1/bundles/validate/", bundle, format="json").json()
    unknown = [f for f in report["findings"] if f["kind"] == "unknown_role"]
    assert [f["pointer"] for f in unknown] == [
        "/tickets/0/company_role_access/1",
        "/tasks/0/roles/0",
    ]
    assert "No role 'managr' in this company" in unknown[0]["message"]
    assert "staff" in unknown[0]["message"]  # the roles it has
    workflow = designer.post("/api/v1/workflows/import/", bundle, format="json").json()
    analysis = designer.get(f"/api/v1/workflows/{workflow['id']}/analysis/").json()
    assert "/tickets/0/company_role_access/1" in [f["pointer"] for f in analysis["findings"]]
