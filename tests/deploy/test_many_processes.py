"""Past one machine, on one: two web servers (`ticketflower serve`) and three worker groups
(`ticketflower worker`, 1×2, 1×4 and 2×1 processes × threads) share one PostgreSQL and one
Redis, as hosts would. Tickets of two companies submitted through both servers all
complete; each action's step is applied once; every call carries its own company's data
only; and every worker group did work (read from its own metrics)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django_tenants.utils import schema_context

from tests.loopback import LoopbackServer
from tests.runs.support import install

ROOT = Path(__file__).resolve().parents[2]
GROUPS = [(1, 2), (1, 4), (2, 1)]
PER_COMPANY = 20


def _bundle(url: str) -> dict:
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {"title": "Quote", "fields_schema": {"type": "object", "properties": {
            "item": {"type": "string"}, "quote": {"type": "number"}}}},
        "tasks": [{"title": "Price", "task_type": "SYNC_ACTION", "input_fields": ["item"],
                   "output_fields": ["quote"], "action_url": url + "/price",
                   "output_transform": {"quote": {"var": "body.total"}}}],
        "completions": [{"title": "Done", "completion_status": "COMPLETED",
                         "fields": ["quote"]}],
        "tickets": [{"title": "Quote", "fields": ["item"], "company_role_access": ["staff"]}],
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ticketflower.cli", *argv], env=env, cwd=ROOT,
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _messages_done(directory: Path) -> float:
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    return sum(
        sample.value
        for metric in registry.collect()
        if metric.name == "ticketflower_worker_messages"
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels.get("result") == "done"
    )


def test_two_web_servers_and_three_worker_groups_share_the_work_without_crossing(
    committed_tenant, worker_env, tmp_path, second_company
):
    calls: list[tuple[str, str]] = []

    def price(n, path, body, headers):
        key = headers.get("Idempotency-Key") or headers.get("idempotency-key") or ""
        calls.append((key.split(":")[0], body["item"]))
        return 200, {"total": 3}

    companies = [committed_tenant, second_company]
    processes: list[subprocess.Popen] = []
    with LoopbackServer(price) as stand_in:
        kinds = {}
        for company in companies:
            workflow = install(company, _bundle(stand_in.url))
            kinds[company.slug] = workflow["tickets"][0]["id"]
        web_ports = [_free_port(), _free_port()]
        try:
            for port in web_ports:
                env = dict(worker_env, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / f"web{port}"))
                (tmp_path / f"web{port}").mkdir()
                processes.append(_start(["serve", "--bind", f"127.0.0.1:{port}",
                                         "--workers", "2"], env, tmp_path / "web.log"))  # fmt: skip
            for i, (procs, threads) in enumerate(GROUPS):
                directory = tmp_path / f"workers{i}"
                directory.mkdir()
                env = dict(worker_env, PROMETHEUS_MULTIPROC_DIR=str(directory))
                processes.append(_start(["worker", "--processes", str(procs), "--threads",
                                         str(threads)], env, tmp_path / "workers.log"))  # fmt: skip
            for port in web_ports:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.2)
            time.sleep(3)  # the worker groups connect to the broker
            tickets: dict[str, list[int]] = {c.slug: [] for c in companies}
            tokens = {c.slug: c.token("sam", "staff") for c in companies}
            for n in range(PER_COMPANY):
                for company in companies:
                    port = web_ports[n % 2]
                    answer = httpx.post(
                        f"http://127.0.0.1:{port}/api/v1/tickets/",
                        json={"ticket_definition": kinds[company.slug],
                              "fields": {"item": f"{company.slug}-{n}"}},
                        headers={"Host": company.host,
                                 "Authorization": f"Token {tokens[company.slug]}"},
                    )  # fmt: skip
                    assert answer.status_code == 201, answer.text
                    tickets[company.slug].append(answer.json()["id"])

            def all_done() -> bool:
                from ticketflower.runs.models import TicketInstance

                for company in companies:
                    with schema_context(company.slug):
                        statuses = set(
                            TicketInstance.objects.filter(pk__in=tickets[company.slug]).values_list(
                                "workflow_instance__status", flat=True
                            )
                        )
                    if statuses != {"COMPLETED"}:
                        return False
                return True

            deadline = time.monotonic() + 120
            while not all_done() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert all_done(), (tmp_path / "workers.log").read_text()[-3000:]
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(60)

    from ticketflower.runs.models import WorkflowData

    for company in companies:
        with schema_context(company.slug):
            steps = WorkflowData.objects.filter(
                workflow_instance__ticket__id__in=tickets[company.slug], source__has_key="task"
            ).count()
        assert steps == PER_COMPANY  # one Price step per ticket, none twice
    # Each call carried the data of the company whose key it sent, nothing else.
    assert all(item.startswith(schema + "-") for schema, item in calls)
    assert {schema for schema, _ in calls} == {c.slug for c in companies}
    # Every worker group took part.
    done = [_messages_done(tmp_path / f"workers{i}") for i in range(len(GROUPS))]
    assert all(count > 0 for count in done), done
    assert sum(done) >= 2 * PER_COMPANY
