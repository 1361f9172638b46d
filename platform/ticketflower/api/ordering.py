"""`?ordering=` of every list: DRF's OrderingFilter, with nulls last where a view says so."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from rest_framework.filters import OrderingFilter


class Ordering(OrderingFilter):
    """A view's `nulls_last` fields sort their empty values last both ways (a task without
    a deadline is never more urgent than one with), then by id so that pages are stable."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        nulls_last = set(getattr(view, "nulls_last", ()))
        if not nulls_last & {term.lstrip("-") for term in ordering}:
            return queryset.order_by(*ordering)
        terms: list[Any] = []
        for term in ordering:
            name = term.lstrip("-")
            if name in nulls_last:
                field = F(name)
                terms.append(
                    field.desc(nulls_last=True)
                    if term.startswith("-")
                    else field.asc(nulls_last=True)
                )
            else:
                terms.append(term)
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            terms.append("id")
        return queryset.order_by(*terms)
