"""Accepting an ASYNC_ACTION's callback: single use, only for an active instance, atomic."""

from __future__ import annotations

import hmac
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound

from kernel.state import ACTIVE_STATUSES
from plugins.host import OutputRefused, get_host
from plugins.manager import callback_output
from ticketflower.actions.models import ActionCallback
from ticketflower.actions.tokens import token_hash
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.runs.notifications import event_for


def do_accept_callback(token: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Complete the instance a callback token belongs to with the transformed body.

    Unknown or expired token → 404 (indistinguishable); used token or instance no longer
    active → 409 and nothing changes. A body the output transform or the field schemas
    refuse uses the token up, puts the instance in ERROR with a TASK_UPDATE error, and
    answers 400 with the problems.
    """
    from ticketflower.runs.services import do_complete_task, do_fail_task

    wanted = token_hash(token)
    failure: ProblemError | None = None
    with transaction.atomic():
        callback = ActionCallback.objects.select_for_update().filter(token_hash=wanted).first()
        # The index finds the row; the comparison itself is done in constant time.
        if (
            callback is None
            or not hmac.compare_digest(callback.token_hash, wanted)
            or callback.expires_at <= timezone.now()
        ):
            raise NotFound("Unknown or expired callback.")
        if callback.used_at is not None:
            raise Conflict("This callback was used already.", [("", "Callbacks are single-use.")])
        context = get_host().task_context(event_for(callback.task_instance))
        if context["status"] not in ACTIVE_STATUSES:
            raise Conflict(
                "The task is no longer active.", [("", f"The task is {context['status']}.")]
            )
        if callback.run != context["run"]:
            raise Conflict(
                "This callback belongs to an earlier run of the task.",
                [("", "The task was restarted since; its new request carries a new URL.")],
            )
        callback.used_at = timezone.now()
        callback.save(update_fields=["used_at"])
        task = context["task"]
        answer = {
            "status": None, "headers": headers, "body": body,
            "input": context["input"], "data": context["data"],
        }  # fmt: skip
        try:
            # The plugin that runs the task's type maps the answer (its output transform).
            output = callback_output(task, answer)
            with transaction.atomic():
                do_complete_task(callback.task_instance_id, output, source="callback")
        except OutputRefused as exc:
            failure = ProblemError("The callback was refused.", [("", str(exc))])
        except ProblemError as exc:
            if exc.status_code != 400:
                raise
            failure = exc
        if failure is not None:
            reasons = "; ".join(f"{p['pointer'] or '/'}: {p['message']}" for p in failure.problems)
            do_fail_task(callback.task_instance_id, f"bad callback: {reasons}")
    if failure is not None:
        raise failure
    return {"status": "accepted", "task_instance": callback.task_instance_id}
