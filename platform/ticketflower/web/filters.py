"""The tickets page's filters: the API's TicketFilterSet, with day pickers for people."""

from __future__ import annotations

import django_filters
from django import forms

from ticketflower.runs.filters import TicketFilterSet


class TicketSearch(TicketFilterSet):
    """What `GET /api/v1/tickets/` filters by, plus `since` / `until` as calendar days
    (a date picker gives a day, not the API's ISO date-time)."""

    since = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="Submitted from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta(TicketFilterSet.Meta):
        fields = [*TicketFilterSet.Meta.fields, "since", "until"]
