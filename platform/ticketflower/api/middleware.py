"""Request middleware: tenant routing by host, and the request body size limit."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from tenants.models import Company, Domain
from ticketflower.api.errors import json_error
from ticketflower.postgresql import rows


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' routing by host name; an unknown host gets the JSON 404."""

    def get_tenant(self, domain_model, hostname):
        """The company serving `hostname`, in SQL written once that names the shared
        schema (postgresql/rows.py): no `SET search_path` to find it."""
        company = company_for_host(hostname)
        if company is None:
            raise domain_model.DoesNotExist(hostname)
        return company

    def no_tenant_found(self, request, hostname):
        return json_error(404, "not_found", "Not found.")


def company_for_host(hostname: str) -> Company | None:
    """The company of a domain, or None."""
    public = connection.ops.quote_name(get_public_schema_name())
    sql = (
        f"SELECT {rows.select_list(Company, 'c')}"
        f" FROM {public}.{rows.table(Domain)} d"
        f" JOIN {public}.{rows.table(Company)} c ON c.id = d.tenant_id"
        " WHERE d.domain = %s"
    )
    with connection.schema_qualified(), connection.cursor() as cursor:
        cursor.execute(sql, [hostname])
        row = cursor.fetchone()
    return rows.from_row(Company, row) if row is not None else None


class BodySizeLimitMiddleware:
    """Refuse bodies whose declared length exceeds the limit before reading them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "bad_request", "Invalid Content-Length header.")
        limit = max(settings.MAX_JSON_BODY_BYTES, settings.FILE_UPLOAD_MAX_BYTES)
        if length > limit:
            return json_error(
                413, "request_too_large", f"Request bodies are limited to {limit} bytes."
            )
        return self.get_response(request)
