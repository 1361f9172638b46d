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


def _django_insert(model, objs, returning_pk=False):
    from django.db.models.sql import InsertQuery

    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    if returning_pk:
        compiler.returning_fields = [model._meta.pk]
    ((sql, params),) = compiler.as_sql()
    return sql, list(params)


def _same(ours, django):
    assert ours[0] == django[0]
    assert [repr(p) for p in ours[1]] == [repr(p) for p in django[1]]


def _frozen_now(monkeypatch):
    import datetime

    moment = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    return moment


def test_inserts_are_what_djangos_insert_compiler_writes(db, monkeypatch):
    from ticketflower.runs.models import TaskInstance, WorkflowData, WorkflowInstance

    now = _frozen_now(monkeypatch)
    instance = WorkflowInstance(id=5, workflow_id=1, definition_version=2, state={"a": [1]})
    data = [
        WorkflowData(
            workflow_instance=instance,
            iteration=i,
            source={"ticket": "T"},
            written=["a", "b"],
            data={"a": i},
            decisions=[],
        )
        for i in range(2)
    ]
    task = TaskInstance(
        workflow_instance=instance,
        seq=1,
        task_definition_id=3,
        task_type="FORM",
        status="OPEN",
        start_iteration=0,
        started_at=now,
    )
    _same(rows.insert(WorkflowInstance, [instance]), _django_insert(WorkflowInstance, [instance]))
    _same(rows.insert(WorkflowData, data), _django_insert(WorkflowData, data))
    _same(
        rows.insert(TaskInstance, [task], returning_pk=True),
        _django_insert(TaskInstance, [task], returning_pk=True),
    )


def test_updates_set_values_as_djangos_update_compiler_does(db, monkeypatch):
    from django.db.models import Q
    from django.db.models.sql import UpdateQuery

    from ticketflower.runs.models import TaskInstance

    now = _frozen_now(monkeypatch)
    values = {"status": "COMPLETED", "output": {"x": [1]}, "completed_by_id": None}
    values["updated_at"] = now
    query = UpdateQuery(TaskInstance)
    query.add_q(Q(pk=7))
    query.add_update_values(values)
    django_sql, django_params = query.get_compiler(connection=connection).as_sql()
    sql, params = rows.update(TaskInstance, values, '"id" = %s', [7])
    assert sql.split(" WHERE ")[0] == django_sql.split(" WHERE ")[0]
    assert [repr(p) for p in params] == [repr(p) for p in django_params]
