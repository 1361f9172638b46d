"""Plugin notifications of a step: which task instances started, completed or failed,
told to the plugins after the step's transaction committed (never inside it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, transaction

from kernel.state import ACTIVE_STATUSES
from plugins.manager import notify
from plugins.types import TaskEvent
from ticketflower.runs.compiled import Compiled
from ticketflower.runs.models import TaskInstance, TaskStatus, WorkflowInstance

# The lifecycle moment a plugin hears of, by the status a task instance went to.
_MOMENTS = {
    TaskStatus.COMPLETED: "completed",
    TaskStatus.ERROR: "failed",
    TaskStatus.OPEN: "started",  # a retry restarts it
    TaskStatus.PENDING: "started",
}


def schedule(
    comp: Compiled,
    instance: WorkflowInstance,
    created: Iterable[TaskInstance],
    changes: list[dict],
    ids: dict[int, int],
) -> None:
    schema = connection.schema_name
    types = {t.title: t.task_type for t in comp.definition.tasks}
    pending: list[tuple[str, TaskEvent]] = []
    titles = {v: k for k, v in comp.task_ids.items()}
    # In the order things happened: what ended (a completion) before what it started.
    for effect in changes:
        moment = _MOMENTS.get(effect["status"])
        if moment is None or effect["seq"] not in ids:
            continue
        title = effect["task"]
        task_id = ids[effect["seq"]]
        pending.append(
            (moment, _event(schema, task_id, types[title], title, instance.pk, effect["status"]))
        )
    for task in created:
        if task.status in ACTIVE_STATUSES:
            title = titles[task.task_definition_id]
            pending.append(
                (
                    "started",
                    _event(schema, task.pk, task.task_type, title, instance.pk, task.status),
                )
            )
    for moment, task_event in pending:
        # robust: a plugin's failure is logged and must not turn a committed step into a 500.
        transaction.on_commit(_notifier(moment, task_event), robust=True)


def _notifier(moment: str, task_event: TaskEvent) -> Callable[[], None]:
    """A named callback (Django logs a robust callback's failure by its __qualname__)."""

    def notify_plugins() -> None:
        _notify(moment, task_event)

    return notify_plugins


def event_for(task: TaskInstance) -> TaskEvent:
    """The TaskEvent of a task instance row (in the current schema; its definition read)."""
    return _event(
        connection.schema_name, task.pk, task.task_type, task.task_definition.title,
        task.workflow_instance_id, task.status,
    )  # fmt: skip


def _event(
    schema: str, task_id: int, task_type: str, title: str, instance: int, status: str
) -> TaskEvent:
    return TaskEvent(
        schema_name=schema,
        task_instance_id=task_id,
        task_type=task_type,
        task_title=title,
        workflow_instance_id=instance,
        status=status,
    )


def _notify(moment: str, task_event: TaskEvent) -> None:
    """Tell plugins, inside the event's schema (a worker may have switched it meanwhile)."""
    if connection.schema_name != task_event.schema_name:
        from django_tenants.utils import schema_context

        with schema_context(task_event.schema_name):
            _notify_here(moment, task_event)
        return
    _notify_here(moment, task_event)


def _notify_here(moment: str, task_event: TaskEvent) -> None:
    try:
        notify(moment, task_event)
    except Exception as exc:
        if moment == "started":
            _due_now(task_event, exc)
        raise


def _due_now(task_event: TaskEvent, exc: Exception) -> None:
    """The work could not be handed to the workers (the broker unreachable): the row
    says so and is due at once, so the scheduler's next sweep hands it over, instead of
    after the usual wait for a message that was never sent."""
    from django.utils import timezone

    TaskInstance.objects.filter(
        pk=task_event.task_instance_id, status=TaskStatus.PENDING, due_at__isnull=False
    ).update(
        due_at=timezone.now(),
        last_failure=f"could not reach the workers: {type(exc).__name__}: {exc}"[:1000],
    )
