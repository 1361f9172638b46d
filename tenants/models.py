"""A company is a tenant: one PostgreSQL schema; its domains route requests to it."""

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Company(TenantMixin):
    """A customer company; `schema_name` is its slug."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas are cloned from the migrated template by ticketflower.companies.provisioning, never
    # created by replaying migrations on save (13-40 s per tenant).
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["schema_name"]
        verbose_name_plural = "companies"

    @property
    def slug(self) -> str:
        return self.schema_name


class Domain(DomainMixin):
    """A host name served by a company (or by the platform, for the public schema)."""
