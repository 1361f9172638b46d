"""The database backend sends `SET search_path` only when the connection's path must change,
and never leaves a connection on a schema other than the one it reports.

Each test uses a connection of its own (autocommit, outside the test transaction) and asks
PostgreSQL for the session's real search path, so a stale path cannot go unnoticed.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connections, transaction
from django.test.utils import CaptureQueriesContext

from tenants.models import Company


@pytest.fixture
def conn(db):
    """A separate connection to the test database, closed afterwards."""
    wrapper = connections.create_connection("default")
    yield wrapper
    wrapper.close()


def companies() -> tuple[Company, Company]:
    return Company.objects.get(schema_name="alpha"), Company.objects.get(schema_name="beta")


def real_path(conn) -> str:
    with conn.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


def sets(captured: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith("SET search_path") for q in captured.captured_queries)


def test_search_path_is_set_once_per_schema_not_before_every_statement(conn):
    alpha, beta = companies()
    conn.set_tenant(alpha)
    with CaptureQueriesContext(conn) as captured:
        for _ in range(3):
            real_path(conn)
        conn.set_tenant(alpha)  # the same schema again: nothing to send
        assert real_path(conn) == "alpha, public"
    assert sets(captured) == 1
    with CaptureQueriesContext(conn) as captured:
        conn.set_tenant(beta)
        assert real_path(conn) == "beta, public"
        conn.set_schema_to_public()
        assert real_path(conn) == "public"
    assert sets(captured) == 2


def test_a_rollback_that_undid_the_set_is_followed_by_a_new_set(conn):
    alpha, beta = companies()
    conn.set_tenant(alpha)
    assert real_path(conn) == "alpha, public"
    conn.set_autocommit(False)
    conn.set_tenant(beta)
    assert real_path(conn) == "beta, public"  # SET inside the transaction
    conn.rollback()  # PostgreSQL is back on alpha's path; the connection still says beta
    conn.set_autocommit(True)
    assert conn.schema_name == "beta"
    assert real_path(conn) == "beta, public"


def test_a_savepoint_rollback_that_undid_the_set_is_followed_by_a_new_set(conn):
    alpha, beta = companies()
    conn.set_autocommit(False)
    conn.set_tenant(alpha)
    assert real_path(conn) == "alpha, public"
    savepoint = conn.savepoint()
    conn.set_tenant(beta)
    assert real_path(conn) == "beta, public"
    conn.savepoint_rollback(savepoint)
    assert conn.schema_name == "beta"
    assert real_path(conn) == "beta, public"
    conn.rollback()
    conn.set_autocommit(True)


def test_a_closed_connection_sets_the_path_again_when_it_reconnects(conn):
    alpha, _ = companies()
    conn.set_tenant(alpha)
    assert real_path(conn) == "alpha, public"
    conn.close()
    with CaptureQueriesContext(conn) as captured:
        assert real_path(conn) == "alpha, public"
    assert sets(captured) == 1


def test_selecting_another_schema_and_coming_back_without_a_query_sends_no_set(conn):
    alpha, _ = companies()
    conn.set_tenant(alpha)
    real_path(conn)
    with CaptureQueriesContext(conn) as captured:
        conn.set_schema_to_public()  # a request's company lookup, a worker between messages
        conn.set_tenant(alpha)
        assert real_path(conn) == "alpha, public"
    assert sets(captured) == 0


def set_beta_inside_a_transaction(conn) -> Company:
    """The session on alpha, then `SET` beta inside a transaction; returns beta."""
    alpha, beta = companies()
    conn.set_tenant(alpha)
    real_path(conn)
    conn.set_autocommit(False)
    conn.set_tenant(beta)
    real_path(conn)
    return beta


def test_a_rolled_back_set_is_not_trusted_after_switching_away_and_back(conn):
    beta = set_beta_inside_a_transaction(conn)
    conn.rollback()  # the session is back on alpha
    conn.set_autocommit(True)
    conn.set_schema_to_public()
    conn.set_tenant(beta)
    assert real_path(conn) == "beta, public"


class Interrupted(BaseException):
    """What a worker's time limit or a Ctrl-C raises in the middle of anything."""


def interrupt_the_switch_to_beta(conn, monkeypatch, step) -> tuple[Company, Company]:
    """The session on alpha; selecting beta runs `step(self, cursor, original)` in place of
    django-tenants' SET step, which raises Interrupted; then the real step is back."""
    from django_tenants.postgresql_backend import base as tenants_base

    alpha, beta = companies()
    conn.set_tenant(alpha)
    real_path(conn)
    original = tenants_base.DatabaseWrapper._handle_search_path

    def replaced(self, cursor=None):
        step(self, cursor, original)
        raise Interrupted

    monkeypatch.setattr(tenants_base.DatabaseWrapper, "_handle_search_path", replaced)
    conn.set_tenant(beta)
    with pytest.raises(Interrupted):
        conn.cursor()
    monkeypatch.setattr(tenants_base.DatabaseWrapper, "_handle_search_path", original)
    return alpha, beta


def test_an_exception_escaping_right_after_a_set_leaves_the_path_unknown(conn, monkeypatch):
    def set_beta(self, cursor, original):
        original(self, cursor)  # SET beta reaches the session

    alpha, _ = interrupt_the_switch_to_beta(conn, monkeypatch, set_beta)
    conn.set_tenant(alpha)
    assert real_path(conn) == "alpha, public"


def test_an_exception_before_the_set_does_not_leave_later_sets_skipped(conn, monkeypatch):
    # django-tenants raises its re-entry flag, then opens the cursor for the SET outside
    # its try: an exception there (a worker's time limit) would leave the flag up.
    def raise_the_flag(self, cursor, original):
        self._setting_search_path = True

    _, beta = interrupt_the_switch_to_beta(conn, monkeypatch, raise_the_flag)
    conn.set_tenant(beta)
    assert real_path(conn) == "beta, public"


def test_schema_qualified_blocks_nest(conn):
    alpha, beta = companies()
    conn.set_tenant(alpha)
    real_path(conn)
    conn.set_tenant(beta)
    with conn.schema_qualified():
        with conn.schema_qualified():
            assert real_path(conn) == "alpha, public"  # no SET inside
        assert real_path(conn) == "alpha, public"
    assert real_path(conn) == "beta, public"


def test_a_commit_of_a_failed_transaction_does_not_leave_its_set_trusted(conn):
    # A caller caught a database error inside the transaction, without a savepoint:
    # PostgreSQL answers the COMMIT with ROLLBACK, and no error, undoing the SET.
    beta = set_beta_inside_a_transaction(conn)
    with conn.cursor() as cursor:
        with pytest.raises(DatabaseError):
            cursor.execute("SELECT 1/0")
    conn.commit()
    conn.set_autocommit(True)
    conn.set_schema_to_public()
    conn.set_tenant(beta)
    assert real_path(conn) == "beta, public"


def test_a_failed_atomic_block_that_swallowed_its_error_does_not_leave_its_set_trusted(conn):
    alpha, beta = companies()
    connections["second"] = conn
    try:
        conn.set_tenant(alpha)
        real_path(conn)
        with transaction.atomic(using="second"):
            conn.set_tenant(beta)
            real_path(conn)
            with conn.cursor() as cursor:
                try:
                    cursor.execute("SELECT 1/0")
                except DatabaseError:
                    pass
        conn.set_schema_to_public()
        conn.set_tenant(beta)
        assert real_path(conn) == "beta, public"
    finally:
        del connections["second"]


def test_a_clean_commit_keeps_the_path_trusted(conn):
    alpha, _ = companies()
    conn.set_tenant(alpha)
    real_path(conn)
    conn.set_autocommit(False)
    real_path(conn)
    conn.commit()
    conn.set_autocommit(True)
    conn.set_schema_to_public()
    with CaptureQueriesContext(conn) as captured:
        conn.set_tenant(alpha)
        assert real_path(conn) == "alpha, public"
    assert sets(captured) == 0
