"""The demo company's example actions complete against the demo stand-ins (real worker,
real HTTP on loopback, the ASYNC answer posted back to the real callback URL)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.actions.support import wait_for
from ticketflower.companies import demo, demo_stand_ins


@pytest.fixture
def stand_ins():
    server = demo_stand_ins.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _tasks(title: str):
    from ticketflower.runs.models import TaskInstance

    return TaskInstance.objects.filter(task_definition__title=title).order_by("pk")


def test_the_demo_actions_call_the_stand_ins_and_complete(
    committed_tenant, worker, stand_ins, django_db_blocker
):
    from django.contrib.auth.models import User

    from ticketflower.runs.services import do_claim_task, do_complete_task_as_person

    with django_db_blocker.unblock(), schema_context(committed_tenant.slug):
        demo.populate(actions_url=stand_ins)
        # SYNC actions: answered at once, mapped by the example's output transform.
        for title in ("Fraud check", "Price order"):
            wait_for(lambda t=title: all(x.status == "COMPLETED" for x in _tasks(t)), timeout=60)
        assert {t.output["fraud_score"] for t in _tasks("Fraud check")} == {12}
        assert {t.output["quote"] for t in _tasks("Price order")} == {450}  # 9 items × 50

        # ASYNC: the refund is acknowledged, then its answer arrives by the callback URL.
        policy = _tasks("Policy check").filter(
            workflow_instance__ticket__in=_tasks("Return inspection")
            .filter(status="COMPLETED")
            .values("workflow_instance__ticket")
        )[0]
        staff = User.objects.get(username="staff")
        do_claim_task(policy, user=staff)
        do_complete_task_as_person(policy, {"policy_ok": True}, user=staff)
        run = policy.workflow_instance

        def refunded():
            refund = _tasks("Issue refund").filter(workflow_instance=run).first()
            return refund is not None and refund.status == "COMPLETED" and refund

        refund = wait_for(refunded, timeout=60)
        assert refund.output["refunded"] is True
        assert refund.output["refund_id"].startswith("re_demo")
        run.refresh_from_db()
        assert run.status == "COMPLETED"


def test_rewrite_points_only_the_actions_with_a_stand_in_at_it():
    bundle = {
        "tasks": [
            {"title": "Fraud check", "action_url": "https://risk.example.com/score"},
            {"title": "Elsewhere", "action_url": "https://other.example.com/x"},
            {"title": "Policy check"},
        ]
    }
    out = demo_stand_ins.rewrite_actions(bundle, "http://127.0.0.1:9/")
    assert [t.get("action_url") for t in out["tasks"]] == [
        "http://127.0.0.1:9/Fraud%20check",
        "https://other.example.com/x",
        None,
    ]
