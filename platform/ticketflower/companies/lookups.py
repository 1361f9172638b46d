"""The company of a request's host and of a worker message's schema.

The hottest reads of the shared schema (every request, every message): SQL written once
(ticketflower/postgresql/rows.py) that names the shared schema, run inside
`connection.schema_qualified()`, so they need no `SET search_path` whichever company the
connection served last.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name

from tenants.models import Company, Domain
from ticketflower.postgresql import rows


def company_for_host(hostname: str) -> Company | None:
    """The company a domain routes to, or None."""
    domains = f"{_public()}.{rows.table(Domain)}"
    return _company(f" JOIN {domains} d ON d.tenant_id = c.id WHERE d.domain = %s", hostname)


def company_for_schema(schema: Any) -> Company | None:
    """The company whose schema this is, or None (also for the public schema)."""
    if not isinstance(schema, str) or schema == get_public_schema_name():
        return None
    return _company(" WHERE c.schema_name = %s", schema)


def _public() -> str:
    return connection.ops.quote_name(get_public_schema_name())


def _company(where: str, value: str) -> Company | None:
    sql = f"SELECT {rows.select_list(Company, 'c')} FROM {_public()}.{rows.table(Company)} c"
    with connection.schema_qualified(), connection.cursor() as cursor:
        cursor.execute(sql + where, [value])
        row = cursor.fetchone()
    return rows.from_row(Company, row) if row is not None else None


def primary_domain() -> str | None:
    """The current company's primary host name (the first one if none is marked)."""
    # The shared domains table is on the search path of every company schema.
    return (
        Domain.objects.filter(tenant__schema_name=connection.schema_name)
        .order_by("-is_primary", "id")
        .values_list("domain", flat=True)
        .first()
    )
