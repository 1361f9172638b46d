"""404, never 403, for tickets, tasks, data and files of another company or without the
ticket's role (docs/decision-runs-visibility.md)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture
def targets(alpha, expense, settings, tmp_path):
    """One of everything in alpha, reached through a ticket of the `staff` role."""
    settings.MEDIA_ROOT = tmp_path
    ticket = expense.submit({"amount": 1}).json()["id"]
    detail = expense.submitter.get(f"/api/v1/tickets/{ticket}/").json()
    task = detail["tasks"][0]["id"]
    instance = detail["workflow_instance"]["id"]
    upload = SimpleUploadedFile("a.txt", b"a", content_type="text/plain")
    file_id = expense.submitter.post(
        "/api/v1/files/", {"file": upload, "ticket": ticket}, format="multipart"
    ).json()["id"]
    return {"ticket": ticket, "task": task, "instance": instance, "file": file_id}


def _requests(t):
    return [
        ("get", f"/api/v1/tickets/{t['ticket']}/"),
        ("get", f"/api/v1/tickets/{t['ticket']}/history/"),
        ("get", f"/api/v1/tasks/{t['task']}/"),
        ("post", f"/api/v1/tasks/{t['task']}/claim/"),
        ("post", f"/api/v1/tasks/{t['task']}/complete/"),
        ("post", f"/api/v1/tasks/{t['task']}/assign/"),
        ("post", f"/api/v1/tasks/{t['task']}/unassign/"),
        ("post", f"/api/v1/tasks/{t['task']}/retry/"),
        ("post", f"/api/v1/tasks/{t['task']}/cancel/"),
        ("get", f"/api/v1/workflow-instances/{t['instance']}/"),
        ("get", f"/api/v1/workflow-instances/{t['instance']}/data/"),
        ("get", f"/api/v1/workflow-instances/{t['instance']}/diff/"),
        ("get", f"/api/v1/workflow-instances/{t['instance']}/explain/?task=Review"),
        ("post", f"/api/v1/workflow-instances/{t['instance']}/write/"),
        ("post", f"/api/v1/workflow-instances/{t['instance']}/cancel/"),
        ("get", f"/api/v1/files/{t['file']}/"),
        ("get", f"/api/v1/files/{t['file']}/download/"),
    ]


def test_without_the_role_everything_is_404(alpha, targets):
    stranger = alpha.client("stranger", "sales")
    for method, path in _requests(targets):
        answer = getattr(stranger, method)(path, {}, format="json")
        assert answer.status_code == 404, (method, path, answer.status_code)


def test_another_company_gets_404_even_as_ticket_admin(beta, targets):
    other = beta.client("boss", "ticket_admin", "staff")
    for method, path in _requests(targets):
        answer = getattr(other, method)(path, {}, format="json")
        assert answer.status_code == 404, (method, path, answer.status_code)
    for path in ("tickets", "tasks", "workflow-instances", "files", "ticket-errors"):
        assert other.get(f"/api/v1/{path}/").json()["results"] == [], path


def test_a_token_of_one_company_means_nothing_on_another(alpha, beta, targets):
    client = alpha.client("submitter", "staff")
    client.defaults["HTTP_HOST"] = beta.host
    assert client.get(f"/api/v1/tickets/{targets['ticket']}/").status_code == 401


def test_a_company_created_again_under_a_deleted_ones_slug_runs_its_own_workflows(db):
    """Compiled definitions are cached per process: by company id, not by schema name,
    which comes back when a deleted company's slug is used again (with the same ids)."""
    from django.db import connection

    from tenants.models import Company
    from tests.helpers import TenantHelper
    from tests.runs.support import install, simple_bundle
    from ticketflower.companies import provisioning
    from ticketflower.runs.compiled import compiled

    def create_and_compile(title: str):
        provisioning.create_tenant("omega", admin_password="whatever-pass")
        bundle = simple_bundle()
        bundle["workflow"]["title"] = title
        workflow = install(TenantHelper("omega"), bundle)
        connection.set_tenant(Company.objects.get(schema_name="omega"))
        try:
            return workflow["id"], compiled(workflow["id"]).definition.title
        finally:
            connection.set_schema_to_public()

    first = create_and_compile("The deleted company's")
    provisioning.delete_tenant("omega", confirm="omega")
    second = create_and_compile("The new company's")
    assert first[0] == second[0]  # the same workflow id, in the same schema name
    assert second[1] == "The new company's"
