"""Fixtures of the assistant tests."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import PASSWORD, TenantHelper


@pytest.fixture
def second_company(django_db_setup, django_db_blocker):
    from django.db import connection

    from ticketflower.companies.provisioning import create_tenant, delete_tenant

    slug = f"c_{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        create_tenant(slug, admin_username="admin", admin_password=PASSWORD)
        helper = TenantHelper(slug)
        helper.host = f"{slug.replace('_', '-')}.localhost"
        try:
            yield helper
        finally:
            connection.set_schema_to_public()
            delete_tenant(slug, confirm=slug)
