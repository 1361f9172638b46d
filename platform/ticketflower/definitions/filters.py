"""Filter sets of the definition endpoints (query parameters of the list views)."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ticketflower.definitions.models import (
    CompletionDefinition,
    CompletionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowStatus,
)


class WorkflowFilterSet(django_filters.FilterSet):
    # No DISTINCT (django-filter's default for multiple choices): nothing is joined, and
    # PostgreSQL has no equality for the `json` column fields_schema.
    status = django_filters.MultipleChoiceFilter(choices=WorkflowStatus.choices, distinct=False)
    title = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the title, any case."
    )
    lineage = django_filters.UUIDFilter(help_text="Every version of one workflow.")

    class Meta:
        model = WorkflowDefinition
        fields = ["status", "title", "lineage"]


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An id: an integer, typed as one in the schema (NumberFilter would say "number")."""

    field_class = forms.IntegerField


class _PartFilterSet(django_filters.FilterSet):
    workflow = IdFilter(field_name="workflow_id", help_text="A workflow's id.")
    title = django_filters.CharFilter(lookup_expr="icontains")


class TaskDefinitionFilterSet(_PartFilterSet):
    task_type = django_filters.CharFilter()

    class Meta:
        model = TaskDefinition
        fields = ["workflow", "title", "task_type"]


class CompletionDefinitionFilterSet(_PartFilterSet):
    completion_status = django_filters.ChoiceFilter(choices=CompletionStatus.choices)

    class Meta:
        model = CompletionDefinition
        fields = ["workflow", "title", "completion_status"]


class TicketDefinitionFilterSet(_PartFilterSet):
    class Meta:
        model = TicketDefinition
        fields = ["workflow", "title"]
