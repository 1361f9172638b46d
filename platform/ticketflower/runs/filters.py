"""Filter sets of the run endpoints (query parameters of the list views)."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from ticketflower.definitions.filters import IdFilter
from ticketflower.runs.access import claimable_q
from ticketflower.runs.models import (
    ACTIVE_TASK_STATUSES,
    ErrorStatus,
    ErrorType,
    TaskInstance,
    TaskStatus,
    TicketError,
    TicketInstance,
    WorkflowInstance,
    WorkflowStatus,
)


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time turned into UTC here: PostgreSQL refuses some offsets
    (e.g. -23:59 at year 1), which must be a 400, not a 500."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(datetime.UTC)
            except (OverflowError, ValueError):
                name = next(k for k, f in self.parent.filters.items() if f is self)
                raise ValidationError({name: ["Out of the supported date-time range."]}) from None
        return super().filter(qs, value)


def text_q(instance: str, text: str) -> Q:
    """Rows whose ticket's fields hold `text`, case-insensitive: in the newest workspace
    of the workflow instance reached through `instance` (it holds every field written,
    the submitted ones included). One condition, served by a trigram index
    (runs migration 0004)."""
    return Q(**{f"{instance}state__data__icontains": text})


class TicketFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text", max_length=200, help_text="Text in the ticket's fields."
    )
    status = django_filters.MultipleChoiceFilter(
        field_name="workflow_instance__status",
        choices=WorkflowStatus.choices,
        help_text="The workflow's status.",
    )
    ticket_definition = IdFilter(field_name="ticket_definition_id")
    workflow = IdFilter(
        field_name="workflow_instance__workflow_id", help_text="A workflow definition's id."
    )
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    created_by = IdFilter(field_name="created_by_id")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        help_text="`true`: tickets with an overdue task (active, past its deadline_at); "
        "`false`: the others.",
    )

    class Meta:
        model = TicketInstance
        fields = [
            "q", "status", "ticket_definition", "workflow", "created_after", "created_before",
            "created_by", "overdue",
        ]  # fmt: skip

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(text_q("workflow_instance__", value)) if value else queryset

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = TaskInstance.objects.filter(
            overdue_q(), workflow_instance=OuterRef("workflow_instance")
        )
        return queryset.filter(Exists(late)) if value else queryset.exclude(Exists(late))


class WorkflowInstanceFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=WorkflowStatus.choices)
    workflow = IdFilter(field_name="workflow_id")

    class Meta:
        model = WorkflowInstance
        fields = ["status", "workflow"]


class TaskFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text", max_length=200, help_text="Text in the fields of its ticket."
    )
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices)
    assigned = django_filters.ChoiceFilter(
        choices=[("me", "me")], method="filter_assigned", help_text="`me`: assigned to you."
    )
    claimable = django_filters.BooleanFilter(
        method="filter_claimable",
        help_text="Active FORM tasks assigned to nobody that you may claim (your roles).",
    )
    task_type = django_filters.CharFilter()
    ticket = IdFilter(field_name="workflow_instance__ticket__id")
    workflow_instance = IdFilter(field_name="workflow_instance_id")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        help_text="`true`: active tasks past their deadline_at; `false`: the others (no "
        "deadline, not yet due, or ended).",
    )
    deadline_before = UtcDateTimeFilter(
        field_name="deadline_at", lookup_expr="lt", help_text="deadline_at before this time."
    )
    deadline_after = UtcDateTimeFilter(
        field_name="deadline_at", lookup_expr="gte", help_text="deadline_at at or after this time."
    )

    class Meta:
        model = TaskInstance
        fields = [
            "q", "status", "assigned", "claimable", "task_type", "ticket", "workflow_instance",
            "overdue", "deadline_before", "deadline_after",
        ]  # fmt: skip

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        q = overdue_q()
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(text_q("workflow_instance__", value)) if value else queryset

    def filter_assigned(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(assigned_to=self.request.user.pk)

    def filter_claimable(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        q = claimable_q(self.request.user)
        return queryset.filter(q) if value else queryset.exclude(q)


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Active task instances past their deadline."""
    return Q(
        status__in=ACTIVE_TASK_STATUSES,
        deadline_at__isnull=False,
        deadline_at__lte=now or timezone.now(),
    )


class TicketErrorFilterSet(django_filters.FilterSet):
    error_status = django_filters.MultipleChoiceFilter(choices=ErrorStatus.choices)
    error_type = django_filters.MultipleChoiceFilter(choices=ErrorType.choices)
    ticket = IdFilter(field_name="ticket_id")

    class Meta:
        model = TicketError
        fields = ["error_status", "error_type", "ticket"]
