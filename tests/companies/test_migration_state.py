"""`migrate` runs migrations only for the companies whose schemas are behind, found for
all of them in one query (companies/migration_state.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from ticketflower.companies.migration_state import schemas_behind, tenant_migrations

pytestmark = pytest.mark.django_db
CARRY_OVER = ("accounts", "0002_keys_of_drf_tokens")  # a data migration: safe to run again


def _forget(schema: str, app: str, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', [app, name]
        )


def test_companies_at_the_latest_migrations_are_not_behind(alpha, beta):
    assert CARRY_OVER in tenant_migrations()
    assert schemas_behind(["alpha", "beta"]) == []


def test_a_schema_missing_a_migration_or_its_table_is_behind(alpha, beta):
    _forget("alpha", *CARRY_OVER)
    assert schemas_behind(["alpha", "beta"]) == ["alpha"]
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "bare"')
    assert schemas_behind(["beta", "bare"]) == ["bare"]


def test_migrate_runs_only_the_schemas_behind_and_brings_them_up(alpha, beta):
    from tenants.models import Company

    companies = Company.objects.exclude(schema_name="public").count()
    # The app's latest migration, undone by hand (the data migration above has dependents
    # now: forgetting it alone would be an inconsistent history).
    _forget("alpha", "accounts", "0003_invitations")
    with connection.cursor() as cursor:
        cursor.execute('DROP TABLE "alpha".accounts_invitation')
    out = io.StringIO()
    call_command("migrate", verbosity=1, stdout=out)
    assert f"{companies - 1} of {companies} companies were at the latest" in out.getvalue()
    assert schemas_behind(["alpha"]) == []
    out = io.StringIO()
    call_command("migrate", verbosity=1, stdout=out)
    assert f"{companies} of {companies} companies were at the latest" in out.getvalue()
