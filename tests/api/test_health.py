"""Probes for a load balancer, and an honest 503 when PostgreSQL cannot be reached."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client


def test_liveness_answers_on_any_host_without_the_database():
    answer = Client(HTTP_HOST="10.1.2.3:8000").get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_checks_the_database_the_broker_and_the_migrations():
    answer = Client(HTTP_HOST="10.1.2.3").get("/readyz")
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {
        "status": "ok", "database": "ok", "broker": "ok", "migrations": "ok",
    }  # fmt: skip


@pytest.mark.django_db
def test_readiness_is_503_with_retry_after_when_the_broker_is_down(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    answer = Client(HTTP_HOST="10.1.2.3").get("/readyz")
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert answer.json()["broker"].startswith("unreachable")
    assert answer.json()["database"] == "ok"


@pytest.fixture
def database_down(transactional_db):
    """The default connection pointed at a port where nothing listens, then restored."""
    connection = connections["default"]
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    yield
    connection.close()
    connection.settings_dict["PORT"] = port


def test_a_request_that_meets_no_database_gets_503_with_retry_after(alpha_host, database_down):
    # As a server answers: the exception becomes the response (the test client would re-raise).
    answer = Client(HTTP_HOST=alpha_host, raise_request_exception=False).get("/api/v1/tickets/")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    body = answer.json()
    assert body["type"] == "service_unavailable"
    assert body["errors"][0]["message"].startswith("The database cannot be reached")
    ready = Client(HTTP_HOST=alpha_host).get("/readyz")
    assert ready.status_code == 503 and ready.json()["database"].startswith("unreachable")


@pytest.fixture
def alpha_host(transactional_db):
    return "alpha.localhost"


@pytest.mark.django_db
def test_a_statement_over_the_time_limit_is_a_503_saying_so_not_a_500():
    """statement_timeout (TICKETFLOWER_STATEMENT_TIMEOUT_MS for web processes): a request
    whose query runs too long is stopped by PostgreSQL and answered in the error shape."""
    import json

    from django.db import OperationalError, connection, transaction
    from django.test import RequestFactory

    from ticketflower.api.errors import handler500

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
    except OperationalError:
        answer = handler500(RequestFactory().get("/api/v1/tickets/"))
    assert answer.status_code == 503, answer.content[:300]
    assert answer["Retry-After"] == "5"
    assert "took too long" in json.loads(answer.content)["detail"]
