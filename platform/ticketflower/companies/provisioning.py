"""Provisioning: the migrated template schema, and creating or deleting a company.

A company's schema is a copy of the template (`tf_clone_schema`, one SQL call) rather
than a replay of every migration: see docs/decision-tenant-cloning.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.utils import schema_context, schema_exists

from tenants.models import Company, Domain

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
RESERVED_SLUGS = {"public", "www", "api", "admin", "platform", "static", "media"}


class ProvisioningError(Exception):
    """A refused provisioning request; `problems` are (pointer, message) pairs."""

    def __init__(self, message: str, problems: list[tuple[str, str]]):
        super().__init__(message)
        self.problems = problems


def template_schema() -> str:
    return settings.TENANT_TEMPLATE_SCHEMA


def migrate_template(verbosity: int = 0) -> None:
    """Create the template schema if missing, migrate it and seed what every tenant starts with."""
    name = template_schema()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command(
        "migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity
    )
    from ticketflower.accounts.services import ensure_builtin_roles

    with schema_context(name):
        ensure_builtin_roles()


def tenant_host(slug: str) -> str:
    """The default host name of a company: <slug>.<base domain> (host names take no "_")."""
    return f"{slug.replace('_', '-')}.{settings.BASE_DOMAIN}"


@dataclass
class CreatedTenant:
    company: Company
    domain: str
    admin_username: str


def new_tenant_problems(slug: str, domain: str) -> list[tuple[str, str]]:
    """Problems with a requested slug and domain, [] when they may be used."""
    problems: list[tuple[str, str]] = []
    if not SLUG_PATTERN.match(slug or ""):
        problems.append(
            (
                "/slug",
                "Use 2-40 characters: a lowercase letter, then lowercase letters, digits or _.",
            )
        )
    elif slug in RESERVED_SLUGS or slug.startswith("pg_") or slug == template_schema():
        problems.append(("/slug", f"{slug!r} is reserved."))
    elif Company.objects.filter(schema_name=slug).exists() or schema_exists(slug):
        problems.append(("/slug", f"A company {slug!r} exists."))
    if not domain or len(domain) > 253 or not re.match(r"^[a-z0-9.-]+$", domain):
        problems.append(("/domain", "A host name of lowercase letters, digits, dots and dashes."))
    elif domain.startswith("www."):
        # Requests to www.X are routed to X (django-tenants strips the prefix): a company
        # at www.X could never be reached.
        problems.append(
            ("/domain", f"Hosts starting with 'www.' are served as {domain[4:]!r}: use that.")
        )
    elif Domain.objects.filter(domain=domain).exists():
        problems.append(("/domain", f"The host {domain!r} is taken."))
    return problems


def create_tenant(
    slug: str,
    *,
    name: str | None = None,
    domain: str | None = None,
    admin_username: str = "admin",
    admin_password: str,
    check_strength: bool = True,
) -> CreatedTenant:
    """Create a company: its row, its schema (cloned), its host and its tenant_admin user.

    All or nothing: PostgreSQL DDL is transactional, so a failure leaves no trace.
    """
    domain = domain or tenant_host(slug)
    with schema_context("public"):
        return _create_tenant(slug, name, domain, admin_username, admin_password, check_strength)


def _create_tenant(
    slug, name, domain, admin_username, admin_password, check_strength
) -> CreatedTenant:
    problems = new_tenant_problems(slug, domain)
    if problems:
        raise ProvisioningError("The company cannot be created.", problems)
    with transaction.atomic():
        company = Company(schema_name=slug, name=name or slug)
        company.save()
        with connection.cursor() as cursor:
            cursor.execute("SELECT tf_clone_schema(%s, %s)", [template_schema(), slug])
        Domain.objects.create(domain=domain, tenant=company, is_primary=True)
        from ticketflower.accounts.roles import TENANT_ADMIN
        from ticketflower.accounts.services import do_create_user

        with schema_context(slug):
            do_create_user(
                username=admin_username,
                password=admin_password,
                roles=[TENANT_ADMIN],
                check_strength=check_strength,
            )
    return CreatedTenant(company=company, domain=domain, admin_username=admin_username)


def ensure_demo_tenant(slug: str, *, password: str, populate: bool = True) -> bool:
    """Create the demo company unless it exists (development only); True if created.

    Its `admin` holds every built-in role (tenant_admin, workflow_creator, ticket_admin)
    so that a newcomer can do the whole quick start, submitting included, as one user;
    `populate` adds the examples, a staff user and tickets (companies/demo.py).
    """
    from django.contrib.auth.models import User

    from ticketflower.accounts.roles import BUILTIN_ROLES
    from ticketflower.accounts.services import do_update_user

    with schema_context("public"):
        if Company.objects.filter(schema_name=slug).exists():
            return False
    from ticketflower.companies import demo

    # Development only: its users' passwords are the well-known ones of the README.
    created = create_tenant(
        slug, name="Demo company", admin_password=password, check_strength=False
    )
    with schema_context(slug):
        admin = User.objects.get(username=created.admin_username)
        do_update_user(admin, roles=list(BUILTIN_ROLES))
        if populate:
            demo.populate()
    return True


def delete_tenant(slug: str, *, confirm: str) -> None:
    """Drop a company's schema and rows; `confirm` must repeat the slug."""
    if confirm != slug:
        raise ProvisioningError(
            "Deletion not confirmed.", [("/confirm", "Repeat the company's slug to delete it.")]
        )
    with schema_context("public"):
        company = Company.objects.filter(schema_name=slug).first()
        if company is None or slug == "public":
            raise ProvisioningError("No such company.", [("/slug", f"No company {slug!r}.")])
        with transaction.atomic():
            # Rows written earlier in this transaction leave deferred FK checks pending,
            # and PostgreSQL refuses to drop tables with pending trigger events.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            company.delete(force_drop=True)


def ensure_public_tenant() -> Company:
    """The public (platform) tenant and its host, BASE_DOMAIN (idempotent)."""
    company, _ = Company.objects.get_or_create(schema_name="public", defaults={"name": "Platform"})
    Domain.objects.get_or_create(
        domain=settings.BASE_DOMAIN, defaults={"tenant": company, "is_primary": True}
    )
    return company
