"""Writes of workflow runs (Zulip-style `do_*` actions; docs/runs-api.md).

Every function owns its transaction. Everything that changes a workflow run goes
through `engine` (the one kernel adapter); the rules are the kernel's, this module adds
who may do what (docs/decision-runs-*.md). The `do_*_task` functions need no request:
workers call them inside a tenant schema (plugins reach them through `runs/host.py`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from kernel import events
from kernel.forms import missing_required
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.audit.trail import record
from ticketflower.definitions.models import (
    TaskType,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowStatus,
)
from ticketflower.definitions.permissions import may_submit
from ticketflower.notifications import events as notification_events
from ticketflower.postgresql import rows
from ticketflower.postgresql.text import storable, text_problems, unstorable
from ticketflower.runs import access, cards, engine, redelivery
from ticketflower.runs.compiled import compiled
from ticketflower.runs.locking import locked
from ticketflower.runs.models import (
    ErrorStatus,
    ErrorType,
    FileUpload,
    TaskInstance,
    TaskStatus,
    TicketError,
    TicketInstance,
    WorkflowInstance,
)
from ticketflower.runs.writes import StepResult


@cache
def _submission_sql() -> str:
    """What a submission needs of its ticket definition and workflow (the workflow's schema
    and layouts are big JSON that the cached compiled definition already holds), in SQL
    written once (postgresql/rows.py): the submission is the API's hottest path. The ids of
    its workflow instance and ticket come in the same round trip (engine.NEXT_IDS); a
    refused submission leaves them as gaps in the sequences, as any rolled back one does."""
    return (
        "SELECT d.title, d.company_role_access, d.workflow_id, w.status, w.version,"
        f" {engine.NEXT_IDS}"
        f" FROM {rows.table(TicketDefinition)} d"
        f" JOIN {rows.table(WorkflowDefinition)} w ON w.id = d.workflow_id"
        " WHERE d.id = %s"
    )


def _submitted_definition(
    ticket_definition_id: int,
) -> tuple[TicketDefinition, tuple[int, int]] | None:
    """The ticket definition (with its workflow's status and version) and the new ids."""
    with connection.cursor() as cursor:
        cursor.execute(_submission_sql(), [ticket_definition_id])
        row = cursor.fetchone()
    if row is None:
        return None
    title, roles, workflow_id, status, version, instance_id, ticket_id = row
    ticket_definition = rows.partial(
        TicketDefinition,
        id=ticket_definition_id,
        title=title,
        company_role_access=roles,
        workflow_id=workflow_id,
    )
    ticket_definition.workflow = rows.partial(
        WorkflowDefinition, id=workflow_id, status=status, version=version
    )
    return ticket_definition, (instance_id, ticket_id)


def _forbidden(detail: str) -> ProblemError:
    return ProblemError(detail, [("", detail)], type="permission_denied", status_code=403)


# ---------------------------------------------------------------- tickets


def do_submit_ticket(
    ticket_definition_id: Any, fields: Any, *, user: User
) -> tuple[TicketInstance, StepResult]:
    """Submit a ticket: its workflow instance starts, iteration 0 is written, tasks start.

    The ticket definition must be one the user may submit (`company_role_access`, or a
    ticket_admin): otherwise 403 naming the roles that would allow it (a company's ticket
    types are no secret to its own people; docs/decision-runs-task-roles.md). An unknown
    one: 400. Invalid fields: 400, nothing created.
    """
    found = (
        _submitted_definition(ticket_definition_id)
        if type(ticket_definition_id) is int and 0 < ticket_definition_id < 2**63
        else None
    )
    if found is None:
        message = f"No ticket definition {ticket_definition_id!r}."
        raise ProblemError("The ticket cannot be submitted.", [("/ticket_definition", message)])
    ticket_definition, ids = found
    roles = ticket_definition.company_role_access
    if not may_submit(user, roles):
        needs = access.needs_roles(roles) if roles else "the role ticket_admin"
        message = f"Submitting '{ticket_definition.title}' needs {needs}."
        raise ProblemError(
            message, [("/ticket_definition", message)], type="permission_denied", status_code=403
        )
    workflow = ticket_definition.workflow
    if workflow.status != WorkflowStatus.ACTIVE:
        raise Conflict(
            f"The workflow of this ticket definition is {workflow.status}: it takes no tickets.",
            [("/ticket_definition", f"The workflow is {workflow.status}, not ACTIVE.")],
        )
    return engine.submit(ticket_definition, fields, user=user, ids=ids)


# ---------------------------------------------------------------- task instances (workers)


def _task_id(task: TaskInstance | int) -> int:
    """Worker and API callers name a task instance by row or by id."""
    return task.pk if isinstance(task, TaskInstance) else task


def _locked_task(task: TaskInstance | int) -> TaskInstance:
    """The task's row as it is under its workflow instance's lock (call inside the step)."""
    return TaskInstance.objects.select_related("task_definition").get(pk=_task_id(task))


def do_complete_task(
    task_instance_id: int | TaskInstance,
    output: Any,
    *,
    user: User | None = None,
    source: str = "worker",
    check: Any = None,
) -> StepResult:
    """Complete an active task instance with `output` (a form, an action's answer).

    Idempotent: completing an instance that is no longer active raises Conflict (409)
    and changes nothing. An invalid output: 400 with pointers under /output. `source`
    names who completed it (api, worker, callback) for the log. `check(row)` runs under
    the lock, before the step (the API's permission check).
    """
    task_id = _task_id(task_instance_id)
    # The API's parser refuses such text already; an action's answer comes from elsewhere.
    problems = text_problems(output, "/output")
    if problems:
        raise ProblemError("The output holds text that cannot be stored.", problems)

    def event(instance, seq: int) -> dict:
        if check is not None:
            row = _locked_task(task_id)
            row.workflow_instance = instance  # locked and loaded already
            check(row)
        return events.task_completed(seq, output)

    return engine.run_for_task(task_id, event, user=user, extra={"output": output})


def do_fail_task(
    task_instance_id: int | TaskInstance, message: str, *, error_type: str = ErrorType.TASK_UPDATE
) -> StepResult:
    """An active instance goes ERROR with a ticket error saying `message` (then the stall
    check). `error_type` TASK_CREATION is for failures before the work was sent (an
    input transform error); the kernel records it with the failure.
    Idempotent: an instance no longer active raises Conflict and changes nothing."""
    message = storable(message)  # it may quote another system's answer
    return engine.run_for_task(
        _task_id(task_instance_id),
        lambda _instance, seq: events.task_failed(seq, message, str(error_type)),
    )


def do_start_task(
    task_instance_id: int | TaskInstance, *, assignee: User | None = None
) -> StepResult:
    """PENDING/OPEN → IN_PROGRESS: an action was sent, or a person claimed a form.

    Idempotent: an instance already IN_PROGRESS or not active raises Conflict (409).
    """
    return engine.run_for_task(
        _task_id(task_instance_id),
        lambda _instance, seq: events.task_started(seq),
        extra={"assigned_to_id": assignee.pk} if assignee is not None else None,
    )


# ---------------------------------------------------------------- the task inbox (people)


def _not_active(row: TaskInstance) -> Conflict:
    return Conflict(
        f"Task instance {row.pk} is {row.status}, not active.",
        [("", f"The task instance is {row.status}.")],
    )


def _require_form(row: TaskInstance) -> None:
    if row.task_type != TaskType.FORM:
        raise Conflict(
            f"Task instance {row.pk} is a {row.task_type}: only FORM tasks are done by people.",
            [("", "Only FORM tasks can be claimed or assigned.")],
        )


def do_complete_task_as_person(task: TaskInstance, output: Any, *, user: User) -> StepResult:
    """A person completes a task: its assignee (a FORM they claimed) or a ticket_admin
    (any active task, e.g. an action stuck PENDING)."""

    def allowed(row: TaskInstance) -> None:
        if not row.is_active:
            raise _not_active(row)
        if not access.sees_all(user) and (
            row.task_type != TaskType.FORM or row.assigned_to_id != user.pk
        ):
            raise _forbidden("Only the task's assignee or a ticket_admin may complete it.")
        _check_roles(row, user, "Completing")
        if row.task_type == TaskType.FORM:
            _check_required_output(row, output)

    return _audited(
        "task.completed",
        lambda: do_complete_task(task, output, user=user, source="api", check=allowed),
        user=user,
        task=task,
    )


def _audited(
    action: str,
    run: Any,
    *,
    user: User,
    task: TaskInstance | None = None,
    details: dict[str, Any] | None = None,
) -> StepResult:
    """Run a person's step and record it in the audit trail, in one transaction."""
    with transaction.atomic():
        result = run()
        ticket = getattr(result.instance, "ticket", None)
        ticket_id = getattr(ticket, "pk", None)
        if task is not None:
            title = getattr(getattr(task, "task_definition", None), "title", "")
            _record_task(action, task.pk, title, ticket_id, actor=user, details=details)
        else:
            record(
                action,
                target_type="ticket",
                target_id=ticket_id,
                target_repr=f"ticket #{ticket_id}",
                actor=user,
                ticket_id=ticket_id,
                details=details,
            )
    return result


def _record_task(
    action: str,
    task_id: int,
    title: str,
    ticket_id: int | None,
    *,
    actor: User | None,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit entry about a task instance, named by its title and ticket."""
    record(
        action,
        target_type="task",
        target_id=task_id,
        target_repr=f"{title} (ticket #{ticket_id})",
        actor=actor,
        ticket_id=ticket_id,
        details=details,
    )


def _check_required_output(row: TaskInstance, output: Any) -> None:
    """A FORM's output must give its required fields (runs/cards.py): 400 naming each."""
    definition = compiled(row.workflow_instance.workflow_id).definition
    task = definition.tasks_by_title.get(row.task_definition.title)
    schema = cards.workflow_schema(definition)
    missing = (
        missing_required(schema, task.output_fields, output, "/output", "task") if task else []
    )
    if missing:
        raise ProblemError(
            "The form misses required fields.", [(p.pointer, p.message) for p in missing]
        )


def do_claim_task(task: TaskInstance, *, user: User) -> TaskInstance:
    """A person takes an unassigned active FORM task (OPEN → IN_PROGRESS)."""
    return _assign(task, user, claim=True)


def require_may_assign(user: User) -> None:
    """Refuse (403) unless the user is a ticket_admin: only they assign tasks."""
    if not access.sees_all(user):
        raise _forbidden("Only a ticket_admin may assign tasks.")


def do_assign_task_to(task: TaskInstance, user_id: Any, *, by: User) -> TaskInstance:
    """A ticket_admin gives a task to the active user `user_id` (400 at /user if none).

    The role is checked before the user lookup, so that the answer reveals nothing about
    user ids to someone who may not assign."""
    require_may_assign(by)
    assignee = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if assignee is None:
        raise ProblemError("No such user.", [("/user", f"No active user {user_id}.")])
    return do_assign_task(task, assignee, by=by)


def do_assign_task(task: TaskInstance, assignee: User, *, by: User) -> TaskInstance:
    """A ticket_admin gives an active FORM task to someone (OPEN → IN_PROGRESS)."""
    require_may_assign(by)
    return _assign(task, assignee, claim=False, by=by)


def _check_roles(row: TaskInstance, user: User, doing: str) -> None:
    """403 unless the user holds a role the task's definition names (docs/
    decision-runs-task-roles.md); the refusal says which roles would allow it."""
    roles = row.task_definition.roles
    if not access.may_work_on(user, roles):
        title = row.task_definition.title
        raise _forbidden(f"{doing} '{title}' needs {access.needs_roles(roles)}.")


def _assign(
    task: TaskInstance, assignee: User, *, claim: bool, by: User | None = None
) -> TaskInstance:
    with locked(task.workflow_instance_id) as instance:
        row = _locked_task(task)
        _with_ticket(row, instance)
        _require_form(row)
        if not row.is_active:
            raise _not_active(row)
        if claim:
            _check_roles(row, assignee, "Claiming")
        elif not access.may_work_on(assignee, row.task_definition.roles):
            title, roles = row.task_definition.title, row.task_definition.roles
            message = f"{assignee.username} does not hold {access.needs_roles(roles)}."
            raise ProblemError(
                f"'{title}' cannot be given to {assignee.username}.", [("/user", message)]
            )
        if claim and row.assigned_to_id is not None:
            raise Conflict(
                f"Task instance {row.pk} is already assigned.",
                [("", "The task is assigned to someone; ask a ticket_admin to reassign it.")],
            )
        if row.status == TaskStatus.OPEN:
            do_start_task(row.pk, assignee=assignee)
        else:
            # Claimed before, then unassigned (or reassigned): the kernel's status stays
            # IN_PROGRESS (docs/decision-runs-task-inbox.md); only the assignee changes.
            TaskInstance.objects.filter(pk=row.pk).update(
                assigned_to=assignee, updated_at=timezone.now()
            )
        _record_task(
            "task.claimed" if claim else "task.assigned",
            row.pk,
            row.task_definition.title,
            row.ticket_id,
            actor=assignee if claim else by,
            details={} if claim else {"assignee": assignee.pk, "username": assignee.username},
        )
        if not claim:
            notification_events.task_assigned(
                row, row.task_definition.title, assignee_id=assignee.pk, by_id=by and by.pk
            )
    return _locked_task(task)


def _with_ticket(row: TaskInstance, instance: Any) -> None:
    """The locked instance's ticket on a task row (for what is announced of it)."""
    ticket = getattr(instance, "ticket", None)
    row.ticket_id = getattr(ticket, "pk", None)
    row.ticket_summary = getattr(ticket, "summary", None)
    row.ticket_definition_id = getattr(ticket, "ticket_definition_id", None)


def do_unassign_task(task: TaskInstance, *, user: User) -> TaskInstance:
    """The assignee or a ticket_admin gives a task back; it becomes claimable again."""
    with locked(task.workflow_instance_id) as instance:
        row = _locked_task(task)
        _with_ticket(row, instance)
        if not (access.sees_all(user) or row.assigned_to_id == user.pk):
            raise _forbidden("Only the task's assignee or a ticket_admin may unassign it.")
        if not row.is_active:
            raise _not_active(row)
        if row.assigned_to_id is None:
            raise Conflict(f"Task instance {row.pk} is not assigned.", [("", "Not assigned.")])
        TaskInstance.objects.filter(pk=row.pk).update(assigned_to=None, updated_at=timezone.now())
        _record_task(
            "task.unassigned",
            row.pk,
            row.task_definition.title,
            row.ticket_id,
            actor=user,
            details={"was": row.assigned_to_id},
        )
        notification_events.task_claimable(
            row.pk,
            row.task_definition.title,
            row.task_definition.roles,
            ticket_id=row.ticket_id,
            summary=row.ticket_summary,
            ticket_definition_id=row.ticket_definition_id,
            exclude=user.pk,
        )
    return _locked_task(task)


def do_retry_task(task: TaskInstance, *, user: User) -> StepResult:
    """A ticket_admin restarts an ERROR instance from the newest iteration, or hands an
    action stuck past its due time (PENDING: not done; docs/decision-nothing-lost.md) to
    the workers again at once."""
    if not access.sees_all(user):
        raise _forbidden("Only a ticket_admin may retry tasks.")
    row = TaskInstance.objects.get(pk=task.pk)
    if row.status == TaskStatus.PENDING and row.due_at is not None:
        if row.due_at > timezone.now():
            wait = (row.due_at - timezone.now()).total_seconds()
            detail = (
                f"The task is waiting for a worker; it is handed over again by itself in "
                f"{wait:.0f} s if it is not done by then."
            )
            raise Conflict(detail, [("", detail)])

        def again() -> StepResult:
            redelivery.hand_over_now(row)
            instance = WorkflowInstance.objects.select_related("ticket").get(
                pk=row.workflow_instance_id
            )
            return StepResult(instance=instance, effects=[])

        return _audited("task.retried", again, user=user, task=task, details={"handed_over": True})

    def event(_instance) -> dict:
        row = _locked_task(task)
        return events.task_retried(task.seq, row.task_definition.title, row.status)

    return _audited(
        "task.retried",
        lambda: engine.run(task.workflow_instance_id, event, user=user, known={task.seq: task.pk}),
        user=user,
        task=task,
    )


def do_cancel_task(task: TaskInstance, *, user: User) -> StepResult:
    """A ticket_admin cancels one active task instance (then the stall check)."""
    if not access.sees_all(user):
        raise _forbidden("Only a ticket_admin may cancel tasks.")
    return _audited(
        "task.cancelled",
        lambda: engine.run(
            task.workflow_instance_id,
            events.task_cancelled(task.seq),
            user=user,
            known={task.seq: task.pk},
        ),
        user=user,
        task=task,
    )


# ---------------------------------------------------------------- workflow instances


def do_write_data(instance_id: int, data: Any, *, user: User) -> StepResult:
    """A ticket_admin's data correction: a new iteration; resumes an ON_HOLD workflow."""
    if not access.sees_all(user):
        raise _forbidden("Only a ticket_admin may correct a workflow's data.")
    fields = sorted(data) if isinstance(data, dict) else []
    return _audited(
        "ticket.corrected",
        lambda: engine.run(
            instance_id,
            events.admin_correction(data, by=user.pk),
            user=user,
            pointers={"/writes": "/data"},
        ),
        user=user,
        details={"fields": fields},
    )


def do_start_workflow(instance_id: int, *, user: User) -> StepResult:
    """A ticket_admin starts the workflow of a ticket kept NOT_STARTED (a WORKFLOW_CREATION
    error), once what stopped it is fixed."""
    if not access.sees_all(user):
        raise _forbidden("Only a ticket_admin may start a workflow.")
    return _audited("ticket.started", lambda: engine.start(instance_id, user=user), user=user)


def do_cancel_workflow(instance_id: int, *, user: User) -> StepResult:
    """A ticket_admin cancels a workflow: its active tasks are CANCELLED."""
    if not access.sees_all(user):
        raise _forbidden("Only a ticket_admin may cancel a workflow.")
    return _audited(
        "ticket.cancelled",
        lambda: engine.run(instance_id, events.workflow_cancelled(by=user.pk), user=user),
        user=user,
    )


# ---------------------------------------------------------------- ticket errors


@transaction.atomic
def do_review_error(error: TicketError, *, user: User, notes: str | None = None) -> TicketError:
    """NEW → REVIEWED (a ticket_admin has seen it), with optional notes."""
    if not access.sees_all(user):
        raise _forbidden("Only a ticket_admin may review ticket errors.")
    error = TicketError.objects.select_for_update().get(pk=error.pk)
    if error.error_status != ErrorStatus.NEW:
        raise Conflict(
            f"Ticket error {error.pk} is {error.error_status}: only a NEW error is reviewed.",
            [("", f"The error is {error.error_status}.")],
        )
    error.error_status = ErrorStatus.REVIEWED
    error.reviewed_by = user
    if notes:
        error.resolution_notes = notes
    error.save()
    _record_error("ticket_error.reviewed", error, user)
    return error


def _record_error(action: str, error: TicketError, user: User) -> None:
    record(
        action,
        target_type="ticket_error",
        target_id=error.pk,
        target_repr=f"{error.error_type} on ticket #{error.ticket_id}",
        actor=user,
        ticket_id=error.ticket_id,
        details={"notes": error.resolution_notes or ""},
    )


@transaction.atomic
def do_resolve_error(error: TicketError, *, user: User, notes: str) -> TicketError:
    """NEW or REVIEWED → RESOLVED with resolution notes."""
    if not access.sees_all(user):
        raise _forbidden("Only a ticket_admin may resolve ticket errors.")
    error = TicketError.objects.select_for_update().get(pk=error.pk)
    if error.error_status == ErrorStatus.RESOLVED:
        raise Conflict(
            f"Ticket error {error.pk} is already RESOLVED.", [("", "The error is RESOLVED.")]
        )
    error.error_status = ErrorStatus.RESOLVED
    error.resolved_by = user
    error.resolution_notes = notes
    error.save()
    _record_error("ticket_error.resolved", error, user)
    return error


# ---------------------------------------------------------------- files


def _next_file_version(name: str, *, ticket: TicketInstance | None, user: User) -> int:
    """The version an upload of `name` gets: one more than the newest of that name on the
    ticket (or, without a ticket, among the user's own files).

    Two uploads of one name at once must not both read the same newest version: a
    transaction-scoped advisory lock on (schema, owner, name) serializes them until the
    caller's transaction commits; uploads of other names never wait.
    """
    owner = f"ticket:{ticket.pk}" if ticket is not None else f"user:{user.pk}"
    key = f"file-version:{connection.schema_name}:{owner}:{name}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
    same = FileUpload.objects.filter(filename=name)
    same = (
        same.filter(ticket=ticket)
        if ticket is not None
        else same.filter(ticket__isnull=True, uploaded_by=user)
    )
    newest = same.aggregate(newest=Max("version"))["newest"]
    return (newest or 0) + 1


def do_upload_file(
    upload: UploadedFile, *, user: User, ticket: TicketInstance | None = None
) -> FileUpload:
    """Store an upload through Django's storage, under the company's schema name, as the
    next version of its name on the ticket (or among the uploader's own files)."""
    limit = settings.FILE_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ProblemError(
            f"The file is larger than {limit} bytes.",
            [("/file", f"Files are limited to {limit} bytes; this one has {upload.size}.")],
            type="request_too_large",
            status_code=413,
        )
    name = (upload.name or "upload").rsplit("/", 1)[-1][:200] or "upload"
    for what, text in (("file name", name), ("content type", upload.content_type or "")):
        message = unstorable(text)
        if message:
            raise ProblemError(f"The file's {what} cannot be stored.", [("/file", message)])
    # The schema prefix keeps companies' files apart on disk; the storage picks a free name.
    stored = default_storage.save(f"{connection.schema_name}/uploads/{name}", upload)
    try:
        with transaction.atomic():
            return FileUpload.objects.create(
                filename=name,
                version=_next_file_version(name, ticket=ticket, user=user),
                ext_key=stored,
                file_type=(upload.content_type or "")[:100] or None,
                size=upload.size or 0,
                ticket=ticket,
                uploaded_by=user,
            )
    except Exception:
        # No row, no file: never leave an orphan behind a failed insert.
        default_storage.delete(stored)
        raise
