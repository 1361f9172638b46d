"""Notifications end to end with real parts: the API, PostgreSQL, Redis, a worker process,
emails through Django's file backend and webhooks to real HTTP servers on loopback."""

from __future__ import annotations

import json
import time

from django.db import connection
from django_tenants.utils import schema_context

from plugins.http_action.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.actions.support import wait_for
from tests.loopback import LoopbackServer, answer, fail_then
from tests.notifications.support import emails, emails_to, person, review_bundle
from tests.runs.support import install


def _secret(helper) -> bytes:
    from ticketflower.actions.tokens import signing_secret

    with schema_context(helper.slug):
        return signing_secret()


def _deliveries(helper, **filters):
    from ticketflower.notifications.models import Delivery

    with schema_context(helper.slug):
        return list(Delivery.objects.filter(**filters).order_by("id"))


def _submit(helper, workflow, amount=10):
    client = helper.client("sam", "sales")
    ticket_definition = workflow["tickets"][0]["id"]
    answer_ = client.post(
        "/api/v1/tickets/",
        {"ticket_definition": ticket_definition, "fields": {"amount": amount}},
        format="json",
    )
    assert answer_.status_code == 201, answer_.json()
    return answer_.json()


def _review_task(helper, ticket_id):
    tasks = helper.client("boss", "ticket_admin").get(f"/api/v1/tasks/?ticket={ticket_id}").json()
    return tasks["results"][0]


def test_a_ticket_life_emails_people_and_calls_the_webhook_signed(
    committed_tenant, worker, mail_dir
):
    helper = committed_tenant
    person(helper, "sam", "sam@example.com", "sales")
    person(helper, "rita", "rita@example.com", "reviewer")
    person(helper, "ray", "ray@example.com", "reviewer")
    person(helper, "boss", "boss@example.com", "ticket_admin")
    workflow = install(helper, review_bundle())
    with LoopbackServer(answer(200, {})) as receiver:
        hook = helper.client("admin", "tenant_admin").post(
            "/api/v1/webhooks/", {"url": receiver.url + "/events"}, format="json"
        )
        assert hook.status_code == 201, hook.json()
        ticket = _submit(helper, workflow)
        task = _review_task(helper, ticket["id"])
        # Both reviewers hear that a task waits for them; nobody else does.
        wait_for(lambda: len(emails(mail_dir)) >= 2)
        waiting = emails_to(mail_dir, "rita@example.com")
        assert [m["Subject"] for m in waiting] == ["Task 'Review' is waiting to be claimed"]
        assert f"https://{helper.host}/tasks/{task['id']}/" in waiting[0].get_payload()
        assert emails_to(mail_dir, "ray@example.com")
        assert not emails_to(mail_dir, "sam@example.com")

        boss = helper.client("boss", "ticket_admin")
        rita_id = person(helper, "rita", "rita@example.com", "reviewer").pk
        given = boss.post(f"/api/v1/tasks/{task['id']}/assign/", {"user": rita_id}, format="json")
        assert given.status_code == 200, given.json()
        wait_for(lambda: len(emails_to(mail_dir, "rita@example.com")) == 2)
        subjects = {m["Subject"] for m in emails_to(mail_dir, "rita@example.com")}
        assert "Task 'Review' was assigned to you" in subjects

        done = helper.client("rita", "reviewer").post(
            f"/api/v1/tasks/{task['id']}/complete/", {"output": {"approved": True}}, format="json"
        )
        assert done.status_code == 200, done.json()
        wait_for(lambda: emails_to(mail_dir, "sam@example.com"))
        finished = emails_to(mail_dir, "sam@example.com")[0]
        assert finished["Subject"] == f"Ticket #{ticket['id']} was completed"

        wait_for(lambda: len(receiver.requests) >= 3)
    kinds = [r["body"]["kind"] for r in receiver.requests]
    assert kinds == ["task_claimable", "task_assigned", "ticket_finished"]
    secret = _secret(helper)
    for request in receiver.requests:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert verify(
            secret,
            headers[TIMESTAMP_HEADER.lower()],
            request["raw"],
            headers[SIGNATURE_HEADER.lower()],
            now=int(time.time()),
        )
        assert headers["idempotency-key"] == request["body"]["id"]
        assert request["body"]["company"] == helper.slug
        assert request["body"]["ticket"] == ticket["id"]
    assert all(d.status == "SENT" for d in _deliveries(helper))


def test_a_failing_webhook_receiver_is_retried_until_it_takes_the_event(committed_tenant, worker):
    helper = committed_tenant
    person(helper, "rita", "", "reviewer")
    workflow = install(helper, review_bundle())
    with LoopbackServer(fail_then(2, 200, {})) as receiver:
        admin = helper.client("admin", "tenant_admin")
        hook = admin.post(
            "/api/v1/webhooks/",
            {"url": receiver.url, "kinds": ["task_claimable"]},
            format="json",
        )
        assert hook.status_code == 201
        _submit(helper, workflow)
        wait_for(lambda: len(receiver.requests) >= 3, timeout=30)
        wait_for(lambda: _deliveries(helper)[0].status == "SENT")
    [delivery] = _deliveries(helper)
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    # Three attempts of one event: the receiver can tell them apart from new events.
    assert len({r["body"]["id"] for r in receiver.requests}) == 1
    listed = admin.get("/api/v1/deliveries/?status=SENT").json()
    assert [d["id"] for d in listed["results"]] == [delivery.pk]


def test_a_delivery_whose_message_was_lost_is_handed_over_by_the_sweep(
    committed_tenant, worker, mail_dir
):
    from ticketflower.notifications.delivery import GRACE, sweep_company
    from ticketflower.notifications.models import Delivery

    helper = committed_tenant
    with schema_context(helper.slug):
        # A row written, its message never sent (Redis lost it): due for a while.
        from django.utils import timezone

        row = Delivery.objects.create(
            channel="email",
            kind="task_assigned",
            address="lost@example.com",
            subject="Lost and found",
            text="hello",
            next_attempt_at=timezone.now() - GRACE * 2,
        )
        assert connection.schema_name == helper.slug
        assert sweep_company() == 1
    wait_for(lambda: emails_to(mail_dir, "lost@example.com"))
    wait_for(lambda: _deliveries(helper, pk=row.pk)[0].status == "SENT")


def test_a_kind_turned_off_is_not_emailed_but_still_reaches_webhooks(
    committed_tenant, worker, mail_dir
):
    helper = committed_tenant
    rita = helper.client("rita", "reviewer")
    person(helper, "rita", "rita@example.com", "reviewer")
    person(helper, "ray", "ray@example.com", "reviewer")
    off = rita.patch("/api/v1/me/notifications/", {"task_claimable": False}, format="json")
    assert off.status_code == 200, off.json()
    assert {p["kind"]: p["email"] for p in off.json()}["task_claimable"] is False
    workflow = install(helper, review_bundle())
    with LoopbackServer(answer(200, {})) as receiver:
        helper.client("admin", "tenant_admin").post(
            "/api/v1/webhooks/", {"url": receiver.url}, format="json"
        )
        _submit(helper, workflow)
        wait_for(lambda: emails_to(mail_dir, "ray@example.com") and receiver.requests)
    time.sleep(0.5)
    assert not emails_to(mail_dir, "rita@example.com")


def test_preferences_refuse_unknown_kinds_and_non_booleans_at_their_pointer(committed_tenant):
    client = committed_tenant.client("rita", "reviewer")
    refused = client.patch(
        "/api/v1/me/notifications/", {"nonsense": False, "task_assigned": "no"}, format="json"
    )
    assert refused.status_code == 400
    pointers = {p["pointer"] for p in refused.json()["errors"]}
    assert pointers == {"/nonsense", "/task_assigned"}
    assert all(p["email"] for p in client.get("/api/v1/me/notifications/").json())


def test_webhooks_are_for_tenant_admins_and_refuse_unknown_kinds(committed_tenant):
    staff = committed_tenant.client("sam", "sales")
    assert staff.get("/api/v1/webhooks/").status_code == 403
    assert staff.get("/api/v1/deliveries/").status_code == 403
    admin = committed_tenant.client("admin", "tenant_admin")
    refused = admin.post(
        "/api/v1/webhooks/", {"url": "http://example.com/", "kinds": ["nope"]}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"].startswith("/kinds")


def test_one_company_events_never_reach_another_company_webhook_or_people(
    committed_tenant, second_company, worker, mail_dir
):
    a, b = committed_tenant, second_company
    person(a, "rita", "rita@a.example", "reviewer")
    person(b, "rita", "rita@b.example", "reviewer")
    workflow = install(a, review_bundle())
    install(b, review_bundle())
    with LoopbackServer(answer(200, {})) as ours, LoopbackServer(answer(200, {})) as theirs:
        a.client("admin", "tenant_admin").post(
            "/api/v1/webhooks/", {"url": ours.url}, format="json"
        )
        b.client("admin", "tenant_admin").post(
            "/api/v1/webhooks/", {"url": theirs.url}, format="json"
        )
        _submit(a, workflow)
        wait_for(lambda: ours.requests and emails_to(mail_dir, "rita@a.example"))
        time.sleep(1)
        assert theirs.requests == []
    assert not emails_to(mail_dir, "rita@b.example")
    assert _deliveries(b) == []
    # B's admin cannot see A's deliveries, even by id.
    [delivery] = [d for d in _deliveries(a) if d.channel == "webhook"]
    answer_b = b.client("admin", "tenant_admin").get(f"/api/v1/deliveries/{delivery.pk}/")
    assert answer_b.status_code == 404
    assert json.loads(json.dumps(ours.requests[0]["body"]))["company"] == a.slug


def test_the_signing_secret_is_for_tenant_admins_and_verifies_what_is_sent(committed_tenant):
    admin = committed_tenant.client("admin", "tenant_admin")
    secret = admin.get("/api/v1/signing-secret/")
    assert secret.status_code == 200
    assert secret.json()["secret"].encode() == _secret(committed_tenant)
    assert committed_tenant.client("sam", "sales").get("/api/v1/signing-secret/").status_code == 403
