"""The audit trail: an entry for each kind of change, by whom, append-only, readable by
tenant admins only, per company, and the ticket's own entries in its activity."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from tests.notifications.support import review_bundle
from tests.runs.support import install


def _actions(helper, **filters):
    admin = helper.client("admin", "tenant_admin")
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    answer = admin.get(f"/api/v1/audit/?limit=200&{query}")
    assert answer.status_code == 200, answer.json()
    return [(e["actor_name"], e["action"]) for e in reversed(answer.json()["results"])]


def test_definition_changes_are_recorded_with_their_author(committed_tenant):
    helper = committed_tenant
    designer = helper.client("designer", "workflow_creator")
    imported = designer.post("/api/v1/workflows/import/", review_bundle(), format="json").json()
    designer.patch(
        f"/api/v1/workflows/{imported['id']}/", {"description": "Refunds"}, format="json"
    )
    designer.post(f"/api/v1/workflows/{imported['id']}/activate/")
    designer.post(f"/api/v1/workflows/{imported['id']}/archive/")
    entries = _actions(helper, target_type="workflowdefinition")
    assert entries == [
        ("designer", "workflow.imported"),
        ("designer", "workflow.changed"),
        ("designer", "workflow.activated"),
        ("designer", "workflow.archived"),
    ]


def test_user_and_role_changes_are_recorded_without_the_password(committed_tenant):
    helper = committed_tenant
    admin = helper.client("admin", "tenant_admin")
    role = admin.post("/api/v1/roles/", {"name": "reviewer"}, format="json").json()
    user = admin.post(
        "/api/v1/users/",
        {"username": "nina", "password": "a-long-enough-secret-42", "roles": ["reviewer"]},
        format="json",
    ).json()
    admin.patch(
        f"/api/v1/users/{user['id']}/",
        {"roles": [], "password": "another-long-secret-43"},
        format="json",
    )
    admin.delete(f"/api/v1/users/{user['id']}/")
    admin.delete(f"/api/v1/roles/{role['id']}/")
    answer = admin.get("/api/v1/audit/?limit=50").json()["results"]
    mine = [e for e in reversed(answer) if e["target_type"] in ("user", "role") and e["actor_name"]]
    assert [(e["action"], e["actor_name"]) for e in mine] == [
        ("role.created", "admin"),
        ("user.created", "admin"),
        ("user.changed", "admin"),
        ("user.deleted", "admin"),
        ("role.deleted", "admin"),
    ]
    changed = mine[2]["details"]
    assert changed["roles"] == [["reviewer"], []]
    assert changed["password"] == "changed"
    assert "another-long-secret-43" not in str(answer)


def test_a_ticket_life_is_in_its_activity_in_order(committed_tenant):
    helper = committed_tenant
    helper.user("rita", "reviewer")
    workflow = install(helper, review_bundle())
    sam = helper.client("sam", "sales")
    ticket = sam.post(
        "/api/v1/tickets/",
        {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 5}},
        format="json",
    ).json()
    boss = helper.client("boss", "ticket_admin")
    task = boss.get(f"/api/v1/tasks/?ticket={ticket['id']}").json()["results"][0]
    rita = helper.client("rita", "reviewer")
    assert rita.post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 200
    assert rita.post(f"/api/v1/tasks/{task['id']}/unassign/").status_code == 200
    rita_id = helper.user("rita", "reviewer").pk
    assign = boss.post(f"/api/v1/tasks/{task['id']}/assign/", {"user": rita_id}, format="json")
    assert assign.status_code == 200
    correct = boss.post(
        f"/api/v1/workflow-instances/{ticket['workflow_instance']['id']}/write/",
        {"data": {"amount": 6}},
        format="json",
    )
    assert correct.status_code == 200, correct.json()
    done = rita.post(
        f"/api/v1/tasks/{task['id']}/complete/", {"output": {"approved": True}}, format="json"
    )
    assert done.status_code == 200, done.json()
    activity = sam.get(f"/api/v1/tickets/{ticket['id']}/activity/").json()
    assert [(e["actor_name"], e["action"]) for e in activity] == [
        ("rita", "task.claimed"),
        ("rita", "task.unassigned"),
        ("boss", "task.assigned"),
        ("boss", "ticket.corrected"),
        ("rita", "task.completed"),
    ]
    assert activity[2]["details"]["username"] == "rita"
    assert activity[3]["details"] == {"fields": ["amount"]}
    # The same entries, filtered by ticket in the company's trail.
    assert len(_actions(helper, ticket=ticket["id"])) == 5
    # Someone who cannot see the ticket cannot read its activity either.
    stranger = helper.client("stranger")
    assert stranger.get(f"/api/v1/tickets/{ticket['id']}/activity/").status_code == 404


def test_entries_cannot_be_changed_or_deleted_by_the_api_the_orm_or_sql(committed_tenant):
    from ticketflower.audit.models import AuditEntry

    helper = committed_tenant
    admin = helper.client("admin", "tenant_admin")
    admin.post("/api/v1/roles/", {"name": "auditors"}, format="json")
    entry = admin.get("/api/v1/audit/").json()["results"][0]
    assert admin.patch(f"/api/v1/audit/{entry['id']}/", {"action": "x"}).status_code == 405
    assert admin.delete(f"/api/v1/audit/{entry['id']}/").status_code == 405
    with schema_context(helper.slug):
        row = AuditEntry.objects.get(pk=entry["id"])
        with pytest.raises(ValueError):
            row.save()
        with pytest.raises(ValueError):
            row.delete()
        for sql in (
            "UPDATE audit_auditentry SET action = 'forged' WHERE id = %s",
            "DELETE FROM audit_auditentry WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [entry["id"]])
        assert AuditEntry.objects.get(pk=entry["id"]).action == "role.created"


def test_only_tenant_admins_read_the_trail(committed_tenant):
    helper = committed_tenant
    for roles in [("ticket_admin",), ("workflow_creator",), ()]:
        client = helper.client(f"user_{len(roles)}_{'_'.join(roles)}", *roles)
        assert client.get("/api/v1/audit/").status_code == 403


def test_one_company_never_sees_another_company_entries(committed_tenant, second_company):
    a, b = committed_tenant, second_company
    a.client("admin", "tenant_admin").post("/api/v1/roles/", {"name": "only_in_a"}, format="json")
    entry = a.client("admin", "tenant_admin").get("/api/v1/audit/").json()["results"][0]
    b_admin = b.client("admin", "tenant_admin")
    assert all(
        e["target_repr"] != "only_in_a" for e in b_admin.get("/api/v1/audit/").json()["results"]
    )
    assert b_admin.get(f"/api/v1/audit/{entry['id']}/").status_code in (404,)


def test_a_new_company_gets_the_append_only_guard_from_the_template(committed_tenant):
    with schema_context(committed_tenant.slug), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relname = 'audit_auditentry' AND c.relnamespace = %s::regnamespace"
            " AND NOT t.tgisinternal",
            [committed_tenant.slug],
        )
        assert cursor.fetchone()[0] == 1
