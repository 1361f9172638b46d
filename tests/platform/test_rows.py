"""Model instances from SQL written once equal what the ORM loads."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import schema_context

from tenants.models import Company
from ticketflower.postgresql import rows


def test_a_row_selected_with_the_select_list_becomes_the_instance_the_orm_loads(db):
    with schema_context("alpha"):
        sql = f"SELECT {rows.select_list(Company, 'c')} FROM {rows.table(Company)} c"
        with connection.cursor() as cursor:
            cursor.execute(sql + " WHERE c.schema_name = %s", ["alpha"])
            company = rows.from_row(Company, cursor.fetchone())
    expected = Company.objects.get(schema_name="alpha")
    for field in Company._meta.concrete_fields:
        assert getattr(company, field.attname) == getattr(expected, field.attname), field.name
    assert rows.width(Company) == len(Company._meta.concrete_fields)


def test_json_columns_are_decoded_as_the_orm_decodes_them():
    from ticketflower.runs.models import WorkflowInstance

    assert rows.column_value(WorkflowInstance, "state", '{"a": [1, 2.5, null]}') == {
        "a": [1, 2.5, None]
    }
    assert rows.column_value(WorkflowInstance, "state", None) is None


def test_a_partial_instance_takes_values_by_name_and_defers_the_rest(db):
    expected = Company.objects.get(schema_name="beta")
    # Named out of the model's field order on purpose.
    company = rows.partial(Company, name="Beta!", id=expected.pk)
    assert (company.pk, company.name) == (expected.pk, "Beta!")
    assert company.get_deferred_fields() == {"schema_name", "created_at"}
    assert company.schema_name == "beta"  # loaded on access, like a deferred field
