"""Prometheus metrics (prometheus-client), one registry per process family.

With PROMETHEUS_MULTIPROC_DIR set (`ticketflower serve`, `run` and `worker` set it), every
gunicorn and Dramatiq process writes its samples there and `/metrics` adds them up, so
one scrape sees all the processes of a host. Without it (tests, one process), the
default registry is read.

Labels are bounded: HTTP metrics by method, URL route pattern (never the raw path) and
status; kernel steps by event type; actions by task type and outcome. None is labelled
by company: with thousands of companies that would be thousands of series per metric;
the pending-work gauges are the exception, by company, because finding the company whose
work is stuck is what they are for, and there is one series per company, not per
company and route (docs/decision-observability.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

HTTP_REQUESTS = Counter(
    "ticketflower_http_requests_total",
    "HTTP requests answered, by method, URL route and status.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "ticketflower_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and URL route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
KERNEL_STEPS = Histogram(
    "ticketflower_kernel_step_duration_seconds",
    "Time of one kernel step (no database), by event type.",
    ["event"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25),
)
TICKETS_SUBMITTED = Counter("ticketflower_tickets_submitted_total", "Tickets submitted.")
WORKFLOW_STATUS = Counter(
    "ticketflower_workflow_status_changes_total",
    "Workflow runs that changed status (COMPLETED, CANCELLED, ON_HOLD...), by new status.",
    ["status"],
)
ACTION_CALLS = Histogram(
    "ticketflower_action_call_duration_seconds",
    "Outbound action calls, by task type and outcome (ok, retry, fail).",
    ["task_type", "outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120),
)
WORKER_MESSAGES = Counter(
    "ticketflower_worker_messages_total",
    "Messages the workers handled, by actor and result (done, failed, skipped).",
    ["actor", "result"],
)
WORKER_HEARTBEAT = Gauge(
    "ticketflower_worker_heartbeat_timestamp_seconds",
    "When a worker process last started or finished a message (Unix time).",
    multiprocess_mode="max",
)
WORKER_PROCESSES = Gauge(
    "ticketflower_worker_processes",
    "Worker processes alive on this host.",
    multiprocess_mode="livesum",
)


def registry() -> CollectorRegistry:
    """The registry a scrape reads: every process of the host's, or this process's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    _forget_dead_processes(directory)
    collected = CollectorRegistry()
    MultiProcessCollector(collected, path=directory)
    return collected


def _forget_dead_processes(directory: str) -> None:
    """A process killed without a goodbye (kill -9) must not be counted alive: its
    live-gauge files go (its counters stay, so that totals never go backwards)."""
    from prometheus_client import multiprocess

    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)
        except PermissionError:
            pass  # alive, another user's


def exposition(extra: list[Any] = ()) -> tuple[bytes, str]:
    """The text a scrape gets and its content type."""
    chosen = registry()
    parts = [generate_latest(chosen)]
    if extra:
        scratch = CollectorRegistry(auto_describe=False)
        for collector in extra:
            scratch.register(collector)
        parts.append(generate_latest(scratch))
    return b"".join(parts), CONTENT_TYPE_LATEST


class PendingWork:
    """Pending actions per company, read from the task rows (the outbox) at scrape time:
    how many wait, how many are overdue, and the age of the oldest."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from ticketflower.observability.pending import pending_by_company

        waiting = GaugeMetricFamily(
            "ticketflower_pending_actions",
            "Action tasks not yet done (PENDING), by company.",
            labels=["company"],
        )
        overdue = GaugeMetricFamily(
            "ticketflower_overdue_actions",
            "Pending action tasks past their due time (to be handed over again), by company.",
            labels=["company"],
        )
        oldest = GaugeMetricFamily(
            "ticketflower_oldest_pending_action_age_seconds",
            "Age of the oldest pending action task, by company.",
            labels=["company"],
        )
        now = time.time()
        for company, count, late, since in pending_by_company():
            waiting.add_metric([company], count)
            overdue.add_metric([company], late)
            oldest.add_metric([company], max(0.0, now - since) if since else 0.0)
        yield waiting
        yield overdue
        yield oldest
