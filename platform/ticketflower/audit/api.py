"""The audit trail's API: read-only, for tenant admins (`/api/v1/audit/`)."""

from __future__ import annotations

import django_filters
from rest_framework import mixins, serializers, viewsets

from ticketflower.api.permissions import IsTenantAdmin
from ticketflower.audit.models import AuditEntry
from ticketflower.definitions.filters import IdFilter
from ticketflower.runs.filters import UtcDateTimeFilter


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_name",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "ticket_id",
            "details",
        ]
        read_only_fields = fields


class AuditEntryFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter()
    actor = IdFilter(field_name="actor_id")
    target_type = django_filters.CharFilter()
    target_id = IdFilter(field_name="target_id")
    ticket = IdFilter(field_name="ticket_id")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "target_type", "target_id", "ticket"]


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Who changed what in this company, newest first (tenant admins only). Entries are
    never changed or deleted."""

    titles = ("Audit trail", "Audit entry")
    serializer_class = AuditEntrySerializer
    permission_classes = [IsTenantAdmin]
    filterset_class = AuditEntryFilterSet
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return AuditEntry.objects.all()
