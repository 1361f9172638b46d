"""Statements run often are prepared on the server (settings.DB_PREPARE_THRESHOLD), and a
prepared statement still reads the tables of the company the connection serves now: the
server parses it again when the session's search path changed.

Each test uses a connection of its own (autocommit, outside the test transaction) and
asks PostgreSQL which statements the session holds prepared.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections

from tenants.models import Company

QUERY = 'SELECT username FROM "auth_user" WHERE username LIKE %s ORDER BY username'


@pytest.fixture
def conn(db):
    """A separate connection to the test database, closed afterwards."""
    wrapper = connections.create_connection("default")
    yield wrapper
    wrapper.close()


def _people(conn, company: Company) -> list[str]:
    conn.set_tenant(company)
    with conn.cursor() as cursor:
        cursor.execute(QUERY, ["prep-%"])
        return [row[0] for row in cursor.fetchall()]


def _prepared(conn) -> list[str]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(
    not settings.DB_PREPARE_THRESHOLD,
    reason="TICKETFLOWER_DB_PREPARE_THRESHOLD=0: nothing is prepared",
)
def test_a_statement_run_often_is_prepared_and_reads_each_company_own_rows(conn):
    alpha, beta = Company.objects.get(schema_name="alpha"), Company.objects.get(schema_name="beta")
    for company, name in ((alpha, "prep-alice"), (beta, "prep-bob")):
        conn.set_tenant(company)
        with conn.cursor() as cursor:
            cursor.execute(
                'INSERT INTO "auth_user" (username, password, is_superuser, first_name,'
                " last_name, email, is_staff, is_active, date_joined)"
                " VALUES (%s, '', false, '', '', '', false, true, now())",
                [name],
            )
    try:
        runs = settings.DB_PREPARE_THRESHOLD + 1
        assert all(_people(conn, alpha) == ["prep-alice"] for _ in range(runs))
        assert any("auth_user" in statement for statement in _prepared(conn))
        # The same text, prepared under alpha's path, now on beta's: beta's rows only.
        assert _people(conn, beta) == ["prep-bob"]
        assert _people(conn, alpha) == ["prep-alice"]
        assert [_people(conn, c) for c in (beta, alpha, beta)] == [
            ["prep-bob"], ["prep-alice"], ["prep-bob"]
        ]  # fmt: skip
    finally:
        for company in (alpha, beta):
            conn.set_tenant(company)
            with conn.cursor() as cursor:
                cursor.execute('DELETE FROM "auth_user" WHERE username LIKE %s', ["prep-%"])


def test_the_connection_prepares_at_the_setting_threshold_and_binds_on_the_server(conn):
    conn.ensure_connection()
    assert conn.connection.prepare_threshold == (settings.DB_PREPARE_THRESHOLD or None)
    assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
