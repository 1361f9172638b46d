"""Every request has an id (header, error body, log line), one JSON log line with its ids,
and its metrics; /metrics answers only a scraper holding the token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.runs.support import Runner, install, simple_bundle
from ticketflower.observability.logs import formatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The request logger's lines as the production handler renders them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    logger = logging.getLogger("ticketflower.requests")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_an_error_body_names_the_request_id_that_the_header_carries(alpha):
    answer = alpha.client("ann").get("/api/v1/tickets/999999/")
    assert answer.status_code == 404
    request_id = answer["X-Request-ID"]
    assert len(request_id) == 32
    assert answer.json()["request_id"] == request_id


def test_a_load_balancers_request_id_is_kept_and_a_strange_one_replaced(alpha):
    kept = alpha.client("ann").get("/api/v1/tickets/", HTTP_X_REQUEST_ID="lb-1234567890")
    assert kept["X-Request-ID"] == "lb-1234567890"
    replaced = alpha.client("ann").get("/api/v1/tickets/", HTTP_X_REQUEST_ID="x\n<script>")
    assert replaced["X-Request-ID"] != "x\n<script>" and len(replaced["X-Request-ID"]) == 32


def test_each_request_writes_one_json_log_line_with_its_ids(alpha, json_lines):
    client = alpha.client("ann")
    user_id = alpha.user("ann").pk
    answer = client.get("/api/v1/tickets/999999/")
    lines = [line for line in json_lines() if line["event"] == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == answer["X-Request-ID"]
    assert line["company"] == "alpha" and line["user"] == user_id
    assert line["status"] == 404 and line["method"] == "GET"
    assert line["route"] == "/api/v1/tickets/<pk>/"
    assert line["level"] == "info" and line["duration_ms"] >= 0


def test_metrics_are_not_found_without_the_token(settings, alpha):
    settings.METRICS_TOKEN = "scrape-me"
    assert alpha.anonymous().get("/metrics").status_code == 404
    wrong = alpha.anonymous().get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 404
    settings.METRICS_TOKEN = ""
    assert alpha.anonymous().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def _scrape(client) -> str:
    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    return answer.content.decode()


def _sample(text: str, prefix: str) -> float:
    values = [
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    ]
    return sum(values)


def test_a_submission_shows_in_the_request_ticket_and_step_metrics(settings, alpha):
    settings.METRICS_TOKEN = "scrape-me"
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    scraper = alpha.anonymous()
    before = _scrape(scraper)
    answer = runner.submit({"amount": 12})
    assert answer.status_code == 201, answer.json()
    after = _scrape(scraper)
    route = 'ticketflower_http_requests_total{method="POST",route="/api/v1/tickets/",status="201"}'
    assert _sample(after, route) == _sample(before, route) + 1
    submitted = "ticketflower_tickets_submitted_total"
    assert _sample(after, submitted) == _sample(before, submitted) + 1
    steps = 'ticketflower_kernel_step_duration_seconds_count{event="ticket_submitted"}'
    assert _sample(after, steps) == _sample(before, steps) + 1


def test_pending_actions_are_counted_per_company_from_the_task_rows(settings, alpha, beta):
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from ticketflower.observability.pending import pending_by_company
    from ticketflower.runs.models import TaskInstance, TaskStatus

    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 12}).json()
    with schema_context("alpha"):
        # The simple workflow's task is a person's: make it look like a waiting action.
        TaskInstance.objects.filter(workflow_instance__ticket__id=ticket["id"]).update(
            status=TaskStatus.PENDING, due_at=timezone.now() - timezone.timedelta(seconds=5)
        )
    counts = {company: (n, late) for company, n, late, _ in pending_by_company()}
    assert counts["alpha"][0] >= 1 and counts["alpha"][1] >= 1
    assert counts.get("beta", (0, 0)) == (0, 0)
    settings.METRICS_TOKEN = "scrape-me"
    text = _scrape(alpha.anonymous())
    assert 'ticketflower_overdue_actions{company="alpha"}' in text
