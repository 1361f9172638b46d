"""The hand-built representations of the hot paths equal what DRF's fields would give."""

from __future__ import annotations

from django_tenants.utils import schema_context
from rest_framework import serializers


def _drf(serializer_class, instance):
    """DRF's own output for `instance`, field by field (bypassing the fast path)."""
    return serializers.ModelSerializer.to_representation(serializer_class(), instance)


def test_fast_representations_equal_drf(expense):
    from ticketflower.runs.models import TaskInstance, TicketInstance
    from ticketflower.runs.serializers import (
        TaskInstanceSerializer,
        TicketDetailSerializer,
        TicketSerializer,
        WorkflowInstanceSerializer,
    )

    ticket_id = expense.submit({"title": "Taxi", "amount": 3}).json()["id"]
    review = expense.tasks(ticket_id)[0]
    expense.admin.post(
        f"/api/v1/tasks/{review['id']}/complete/",
        {"output": {"approved": False, "comment": None}},
        format="json",
    )
    with schema_context("alpha"):
        ticket = TicketInstance.objects.select_related("workflow_instance").get(pk=ticket_id)
        tasks = list(TaskInstance.objects.filter(workflow_instance__ticket=ticket))
        ticket.task_list = tasks
        assert WorkflowInstanceSerializer(ticket.workflow_instance).data == _drf(
            WorkflowInstanceSerializer, ticket.workflow_instance
        )
        assert ticket.workflow_instance.state["completion"] == "Refused"
        for task in tasks:
            assert TaskInstanceSerializer(task).data == _drf(TaskInstanceSerializer, task)
        assert TicketSerializer(ticket).data == _drf(TicketSerializer, ticket)
        assert TicketDetailSerializer(ticket).data == _drf(TicketDetailSerializer, ticket)


def test_the_orm_filters_tasks_by_the_kernels_active_statuses():
    from kernel.state import ACTIVE_STATUSES
    from ticketflower.runs.models import ACTIVE_TASK_STATUSES

    assert set(ACTIVE_TASK_STATUSES) == ACTIVE_STATUSES
