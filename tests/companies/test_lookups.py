"""The company of a host and of a schema, found without switching the search path."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Company
from ticketflower.companies.lookups import company_for_host, company_for_schema


def test_a_host_finds_its_company_and_an_unknown_host_none(db):
    assert company_for_host("alpha.localhost") == Company.objects.get(schema_name="alpha")
    assert company_for_host("nobody.localhost") is None
    assert company_for_host("alpha.localhost' OR '1'='1") is None


def test_a_schema_finds_its_company_and_public_or_garbage_none(db):
    beta = company_for_schema("beta")
    assert (beta.pk, beta.name) == (Company.objects.get(schema_name="beta").pk, "Beta")
    for schema in ("public", "tenant_template", "nope", None, 7, ["beta"]):
        assert company_for_schema(schema) is None, schema


def test_lookups_leave_the_connections_search_path_alone(db):
    beta = Company.objects.get(schema_name="beta")
    connection.set_tenant(beta)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the session is on beta's path now
        with CaptureQueriesContext(connection) as captured:
            assert company_for_host("alpha.localhost").schema_name == "alpha"
            assert company_for_schema("alpha").schema_name == "alpha"
        assert not [q for q in captured.captured_queries if q["sql"].startswith("SET ")]
        with connection.cursor() as cursor:
            cursor.execute("SHOW search_path")
            assert cursor.fetchone()[0] == "beta, public"
    finally:
        connection.set_schema_to_public()
