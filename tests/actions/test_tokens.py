"""The signing secret: one per company, kept per process by company id, never inherited."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Company
from ticketflower.actions import tokens
from ticketflower.actions.tokens import signing_secret
from ticketflower.companies import provisioning


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


def test_outside_a_transaction_the_secret_is_read_once_per_company(committed_tenant):
    first = secret_of(committed_tenant.slug)
    with CaptureQueriesContext(connection) as captured:
        assert secret_of(committed_tenant.slug) == first
    assert not [q for q in captured.captured_queries if "actions_signingsecret" in q["sql"]]


def test_inside_a_transaction_that_may_roll_back_the_secret_is_not_kept(db):
    secret_of("alpha")  # created in the test's transaction, which rolls back
    company = Company.objects.get(schema_name="alpha")
    assert company.pk not in tokens._secrets


def test_a_company_created_again_under_a_deleted_ones_slug_gets_a_new_secret(committed_tenant):
    slug = committed_tenant.slug
    first = secret_of(slug)  # kept by this process, under the company's id
    provisioning.delete_tenant(slug, confirm=slug)
    provisioning.create_tenant(slug, admin_password="whatever-pass")
    assert secret_of(slug) != first
