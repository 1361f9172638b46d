"""A callback URL belongs to one run of its task: after an admin's retry, a late answer
to the earlier request is refused (409) and only the new run's URL completes the task."""

from django_tenants.utils import schema_context

from tests.runs.support import install

BUNDLE = {
    "format": "ticketflower.bundle/v1",
    "workflow": {"title": "Ship only", "fields_schema": {"type": "object", "properties": {
        "items": {"type": "array"}, "shipped": {"type": "boolean"}}}},
    "tasks": [{"title": "Ship", "task_type": "ASYNC_ACTION", "input_fields": ["items"],
               "output_fields": ["shipped"], "action_url": "https://warehouse.example.com/ship"}],
    "completions": [{"title": "Done", "completion_status": "COMPLETED", "fields": ["shipped"]}],
    "tickets": [{"title": "Order", "fields": ["items"], "company_role_access": ["sales"]}],
}  # fmt: skip


def test_callback_of_an_earlier_run_is_refused_after_a_retry(alpha):
    from ticketflower.actions.tokens import issue_callback
    from ticketflower.runs import services
    from ticketflower.runs.host import run_of
    from ticketflower.runs.models import TaskInstance

    workflow = install(alpha, BUNDLE)
    seller = alpha.client("sam", "sales")
    ticket = seller.post(
        "/api/v1/tickets/",
        {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"items": [1]}},
        format="json",
    ).json()["id"]
    admin_user = alpha.user("boss", "ticket_admin")
    with schema_context("alpha"):
        task = TaskInstance.objects.get(workflow_instance__ticket__id=ticket)
        old_token = issue_callback(task.pk, run_of(task)).rstrip("/").rsplit("/", 1)[-1]
        services.do_fail_task(task.pk, "warehouse said 503 five times")
        services.do_retry_task(TaskInstance.objects.get(pk=task.pk), user=admin_user)
        restarted = TaskInstance.objects.get(pk=task.pk)
        new_token = issue_callback(task.pk, run_of(restarted)).rstrip("/").rsplit("/", 1)[-1]
    caller = alpha.anonymous()
    late = caller.post(f"/api/v1/callbacks/{old_token}/", {"shipped": True}, format="json")
    assert late.status_code == 409
    assert "earlier run" in late.json()["detail"]
    fresh = caller.post(f"/api/v1/callbacks/{new_token}/", {"shipped": True}, format="json")
    assert fresh.status_code == 200, fresh.json()
    with schema_context("alpha"):
        assert TaskInstance.objects.get(pk=task.pk).status == "COMPLETED"


def test_callback_body_must_be_json(alpha):
    answer = alpha.anonymous().post(
        "/api/v1/callbacks/whatever/", "shipped=1", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 415
