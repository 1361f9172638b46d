"""The pending work of every company, in one query over their schemas (for /metrics)."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from ticketflower.runs.models import TaskInstance, TaskStatus

# More companies than this are read in several statements (a statement's size stays sane).
_CHUNK = 200


def pending_by_company() -> list[tuple[str, int, int, float | None]]:
    """(company schema, pending actions, overdue ones, oldest's creation as Unix time)."""
    from tenants.models import Company

    with schema_context(get_public_schema_name()):
        schemas = [
            s
            for s in Company.objects.values_list("schema_name", flat=True)
            if s != get_public_schema_name()
        ]
    quote = connection.ops.quote_name
    table = quote(TaskInstance._meta.db_table)
    rows: list[tuple[str, int, int, float | None]] = []
    for start in range(0, len(schemas), _CHUNK):
        chunk = schemas[start : start + _CHUNK]
        parts = [
            f"SELECT %s, count(*), count(*) FILTER (WHERE due_at < now()),"
            f" extract(epoch FROM min(created_at))"
            f" FROM {quote(schema)}.{table} WHERE status = %s AND due_at IS NOT NULL"
            for schema in chunk
        ]
        params: list[str] = []
        for schema in chunk:
            params += [schema, TaskStatus.PENDING]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows += [(s, int(n), int(late), float(t) if t else None) for s, n, late, t in cursor]
    return rows
