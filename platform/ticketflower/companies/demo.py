"""The demo company `make run` creates comes alive: the three example workflows active,
a staff user, and a few tickets in different states, so that a newcomer sees a working
app at once (development only; docs/decision-web-app.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings

EXAMPLES = ("it_support", "order_fulfilment", "refund_approval")
STAFF = ("staff", "staff")  # username, password: named in the README
STAFF_ROLES = ("staff", "sales", "support")
# Where the example actions' stand-ins answer (companies/demo_stand_ins.py); `run` sets it.
ACTIONS_URL_ENV = "TICKETFLOWER_DEMO_ACTIONS_URL"


def populate(actions_url: str | None = None) -> None:
    """Inside the demo company's schema: workflows, the staff user, tickets.

    With `actions_url` (default: the environment's TICKETFLOWER_DEMO_ACTIONS_URL) the
    example actions call the demo stand-ins there instead of `*.example.com`.
    """
    from django.contrib.auth.models import User

    from ticketflower.accounts.services import do_create_role, do_create_user
    from ticketflower.companies.demo_stand_ins import rewrite_actions
    from ticketflower.definitions.services import do_activate_workflow, do_import_bundle
    from ticketflower.runs.models import TaskInstance
    from ticketflower.runs.services import (
        do_claim_task,
        do_complete_task_as_person,
        do_submit_ticket,
    )

    admin = User.objects.get(username="admin")
    # Addresses, so that the demo's notifications are written under .data/mail/.
    User.objects.filter(pk=admin.pk).update(email="admin@demo.example")
    for role in STAFF_ROLES:
        do_create_role(role)
    staff = do_create_user(
        username=STAFF[0],
        password=STAFF[1],
        roles=list(STAFF_ROLES),
        check_strength=False,
        email=f"{STAFF[0]}@demo.example",
    )
    examples = Path(settings.BASE_DIR) / "examples"
    actions_url = actions_url or os.environ.get(ACTIONS_URL_ENV)
    for name in EXAMPLES:
        bundle = json.loads((examples / name / "bundle.json").read_text())
        if actions_url:
            bundle = rewrite_actions(bundle, actions_url)
        workflow = do_activate_workflow(do_import_bundle(bundle, created_by=admin))
        scenario = json.loads((examples / name / "scenario.json").read_text())
        definition = workflow.tickets.get(title=scenario["ticket"]["title"])
        # Two tickets each: one waiting, one a step further where a person can act.
        for _ in range(2):
            ticket, _result = do_submit_ticket(
                definition.pk, scenario["ticket"]["fields"], user=staff
            )
        forms = TaskInstance.objects.filter(
            workflow_instance__ticket=ticket, task_type="FORM", status="OPEN"
        ).order_by("seq")
        step = (
            next(
                (
                    s
                    for s in scenario["steps"]
                    if forms.filter(task_definition__title=s["complete"]).exists()
                ),
                None,
            )
            if "steps" in scenario
            else None
        )
        if step is not None:
            task = forms.filter(task_definition__title=step["complete"]).first()
            do_claim_task(task, user=staff)
            do_complete_task_as_person(task, step["output"], user=staff)
