"""The signing secret: one per company, kept per process by company id, never inherited."""

from django.db import connection

from tenants import provisioning
from tenants.models import Company
from ticketflower.actions.tokens import signing_secret


def secret_of(slug: str) -> bytes:
    connection.set_tenant(Company.objects.get(schema_name=slug))
    try:
        return signing_secret()
    finally:
        connection.set_schema_to_public()


def test_each_company_has_its_own_secret_and_keeps_it(db):
    alpha, beta = secret_of("alpha"), secret_of("beta")
    assert alpha != beta
    assert len(alpha) == 64
    assert secret_of("alpha") == alpha
    connection.set_schema("alpha")  # a schema without its company row: read, not cached
    try:
        assert signing_secret() == alpha
    finally:
        connection.set_schema_to_public()


def test_a_company_created_again_under_a_deleted_ones_slug_gets_a_new_secret(db):
    provisioning.create_tenant("gamma", admin_password="whatever-pass")
    first = secret_of("gamma")  # cached by this process
    provisioning.delete_tenant("gamma", confirm="gamma")
    provisioning.create_tenant("gamma", admin_password="whatever-pass")
    assert secret_of("gamma") != first
