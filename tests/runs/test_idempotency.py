"""A retried submission with the same Idempotency-Key creates nothing more: it gets the
first answer (docs/decision-idempotent-submission.md)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.runs.support import install, simple_bundle
from tests.runs.test_concurrency import _in_threads


def _tickets(tenant) -> int:
    from ticketflower.runs.models import TicketInstance

    with schema_context(tenant.slug):
        return TicketInstance.objects.count()


def _body(workflow, amount=5):
    return {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": amount}}


def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(alpha):
    workflow = install(alpha, simple_bundle())
    clerk = alpha.client("clerk", "staff")
    first = clerk.post("/api/v1/tickets/", _body(workflow), format="json",
                       HTTP_IDEMPOTENCY_KEY="order-7")  # fmt: skip
    again = clerk.post("/api/v1/tickets/", _body(workflow), format="json",
                       HTTP_IDEMPOTENCY_KEY="order-7")  # fmt: skip
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert _tickets(alpha) == 1
    other = clerk.post("/api/v1/tickets/", _body(workflow), format="json",
                       HTTP_IDEMPOTENCY_KEY="order-8")  # fmt: skip
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    without = clerk.post("/api/v1/tickets/", _body(workflow), format="json")
    assert without.status_code == 201 and _tickets(alpha) == 3


def test_a_key_reused_for_another_body_is_refused_with_422(alpha):
    workflow = install(alpha, simple_bundle())
    clerk = alpha.client("clerk", "staff")
    assert clerk.post("/api/v1/tickets/", _body(workflow, 5), format="json",
                      HTTP_IDEMPOTENCY_KEY="k").status_code == 201  # fmt: skip
    answer = clerk.post("/api/v1/tickets/", _body(workflow, 6), format="json",
                        HTTP_IDEMPOTENCY_KEY="k")  # fmt: skip
    assert answer.status_code == 422
    assert "another request" in answer.json()["detail"]
    assert _tickets(alpha) == 1


def test_keys_are_per_user(alpha):
    workflow = install(alpha, simple_bundle())
    for name in ("clerk", "other"):
        answer = alpha.client(name, "staff").post(
            "/api/v1/tickets/", _body(workflow), format="json", HTTP_IDEMPOTENCY_KEY="same"
        )
        assert answer.status_code == 201
    assert _tickets(alpha) == 2


def test_a_refused_first_attempt_leaves_no_key_behind(alpha):
    workflow = install(alpha, simple_bundle())
    clerk = alpha.client("clerk", "staff")
    bad = clerk.post("/api/v1/tickets/", _body(workflow, -1), format="json",
                     HTTP_IDEMPOTENCY_KEY="k")  # fmt: skip
    assert bad.status_code == 400
    good = clerk.post("/api/v1/tickets/", _body(workflow, -1) | {"fields": {"amount": 1}},
                      format="json", HTTP_IDEMPOTENCY_KEY="k")  # fmt: skip
    assert good.status_code == 201 and _tickets(alpha) == 1


def test_concurrent_retries_with_one_key_create_one_ticket(committed_tenant):
    workflow = install(committed_tenant, simple_bundle())
    committed_tenant.client("clerk", "staff")  # the user and its token, before the race

    def submit(_i):
        with schema_context(committed_tenant.slug):
            client = committed_tenant.client("clerk", "staff")
            answer = client.post("/api/v1/tickets/", _body(workflow), format="json",
                                 HTTP_IDEMPOTENCY_KEY="burst")  # fmt: skip
            return answer.status_code, answer.json()["id"]

    results = _in_threads(6, submit)
    assert all(not isinstance(r, Exception) for r in results), results
    assert {code for code, _ in results} == {201}
    assert len({ticket for _, ticket in results}) == 1
    assert _tickets(committed_tenant) == 1


def test_the_scheduler_drops_keys_older_than_a_day(alpha):
    from datetime import timedelta

    from django.utils import timezone

    from ticketflower.runs.models import IdempotentRequest
    from ticketflower.runs.redelivery import sweep_company

    workflow = install(alpha, simple_bundle())
    clerk = alpha.client("clerk", "staff")
    for key in ("old", "new"):
        clerk.post("/api/v1/tickets/", _body(workflow), format="json", HTTP_IDEMPOTENCY_KEY=key)
    with schema_context(alpha.slug):
        IdempotentRequest.objects.filter(key="old").update(
            created_at=timezone.now() - timedelta(days=2)
        )
        assert sweep_company()["keys_dropped"] == 1
        assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
