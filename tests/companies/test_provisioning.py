"""Provisioning: a cloned schema equals the migrated template, and creation is all or nothing."""

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from tenants.models import Company, Domain
from ticketflower.companies import provisioning

CATALOG_SIGNATURE = """
SELECT 'column', c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' ' || a.attidentity::text
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(s)s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', cl.relname || ' ' || con.conname || ' ' || con.contype::text || ' '
       || regexp_replace(pg_get_constraintdef(con.oid), %(s)s || '\\.', '', 'g')
FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = %(s)s
UNION ALL
SELECT 'index', ic.relname || ' ' || replace(pg_get_indexdef(i.indexrelid), %(s)s || '.', '')
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace WHERE n.nspname = %(s)s
"""


def signature(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(CATALOG_SIGNATURE, {"s": schema})
        return set(cursor.fetchall())


def test_cloned_schema_has_the_templates_tables_constraints_and_index_names(db):
    template = signature("tenant_template")
    assert any(kind == "index" for kind, _ in template)
    assert signature("alpha") == template


def test_clone_copies_migration_records_and_builtin_roles(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenant_template.django_migrations")
        (template_migrations,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM alpha.django_migrations")
        assert cursor.fetchone() == (template_migrations,)
        cursor.execute("SELECT name FROM alpha.auth_group ORDER BY name")
        names = [row[0] for row in cursor.fetchall()]
    assert {"tenant_admin", "ticket_admin", "workflow_creator"} <= set(names)


def test_identity_sequences_continue_after_copied_rows(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM alpha.auth_group")
        (highest,) = cursor.fetchone()
        cursor.execute("INSERT INTO alpha.auth_group (name) VALUES ('fresh') RETURNING id")
        (new_id,) = cursor.fetchone()
    assert new_id > highest


def test_failed_creation_leaves_no_schema_row_or_domain(db, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("ticketflower.accounts.services.do_create_user", explode)
    with pytest.raises(RuntimeError):
        provisioning.create_tenant("zeta", admin_password="whatever-pass")
    assert not schema_exists("zeta")
    assert not Company.objects.filter(schema_name="zeta").exists()
    assert not Domain.objects.filter(domain="zeta.localhost").exists()


def test_migrate_after_clone_finds_nothing_to_apply(db):
    from django.db.migrations.executor import MigrationExecutor

    connection.set_schema("alpha")
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    finally:
        connection.set_schema_to_public()
    assert plan == []


def test_the_demo_admin_can_do_the_whole_quick_start(django_db_blocker, django_db_setup):
    """`make run`'s demo company: its admin imports, activates and submits, unaided."""
    from django.test import Client

    from tests.runs.support import simple_bundle

    slug = "demo_quick"
    with django_db_blocker.unblock():
        assert provisioning.ensure_demo_tenant(slug, password="admin", populate=False) is True
        # Idempotent.
        assert provisioning.ensure_demo_tenant(slug, password="admin", populate=False) is False
        try:
            client = Client(HTTP_HOST="demo-quick.localhost")
            token = client.post(
                "/api/v1/auth/token/",
                {"username": "admin", "password": "admin"},
                content_type="application/json",
            ).json()["token"]
            auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
            bundle = simple_bundle()
            bundle["tickets"][0]["company_role_access"] = []  # no role the demo lacks
            answer = client.post(
                "/api/v1/workflows/import/", bundle, content_type="application/json", **auth
            )
            assert answer.status_code == 201, answer.json()
            workflow = answer.json()
            answer = client.post(f"/api/v1/workflows/{workflow['id']}/activate/", **auth)
            assert answer.status_code == 200, answer.json()
            body = {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 1}}
            answer = client.post("/api/v1/tickets/", body, content_type="application/json", **auth)
            assert answer.status_code == 201, answer.json()
            task = answer.json()["tasks"][0]["id"]
            assert client.post(f"/api/v1/tasks/{task}/claim/", **auth).status_code == 200
        finally:
            connection.set_schema_to_public()
            provisioning.delete_tenant(slug, confirm=slug)


def test_the_demo_company_comes_alive(django_db_blocker, django_db_setup):
    """The examples active, a staff user, tickets in different states."""
    from django.contrib.auth.models import User
    from django_tenants.utils import schema_context

    from ticketflower.definitions.models import WorkflowDefinition
    from ticketflower.runs.models import TaskInstance, TicketInstance

    slug = "demo_alive"
    with django_db_blocker.unblock():
        provisioning.ensure_demo_tenant(slug, password="admin")
        try:
            with schema_context(slug):
                assert WorkflowDefinition.objects.filter(status="ACTIVE").count() == 3
                staff = User.objects.get(username="staff")
                assert staff.check_password("staff")
                assert TicketInstance.objects.filter(created_by=staff).count() == 6
                statuses = set(TaskInstance.objects.values_list("status", flat=True))
                assert {"OPEN", "COMPLETED"} <= statuses
        finally:
            connection.set_schema_to_public()
            provisioning.delete_tenant(slug, confirm=slug)
