"""Concurrency and integrity against the real PostgreSQL (docs/decision-runs-engine.md).

These tests need real commits and real concurrent connections: they run in a fresh
company (`committed_tenant`), with one database connection per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connection, connections
from django_tenants.utils import schema_context

from tests.runs.support import Runner, install, parallel_bundle, simple_bundle

N = 8


def _in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; returns results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # reported by the assertions of the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _rows(slug: str, instance: int) -> dict[str, Any]:
    from ticketflower.runs.models import TaskInstance, WorkflowData, WorkflowInstance

    with schema_context(slug):
        return {
            "iterations": list(
                WorkflowData.objects.filter(workflow_instance=instance)
                .order_by("iteration")
                .values_list("iteration", flat=True)
            ),
            "data": WorkflowData.objects.filter(workflow_instance=instance)
            .order_by("-iteration")
            .values_list("data", flat=True)
            .first(),
            "tasks": dict(
                TaskInstance.objects.filter(workflow_instance=instance).values_list("id", "status")
            ),
            "state": WorkflowInstance.objects.get(pk=instance).state,
        }


def test_parallel_completions_make_contiguous_iterations(committed_tenant):
    runner = Runner(committed_tenant, install(committed_tenant, parallel_bundle(N)), "staff")
    ticket = runner.submit({"go": True}).json()
    tasks = ticket["tasks"]
    assert len(tasks) == N
    admins = [committed_tenant.client("boss", "ticket_admin") for _ in range(N)]

    def complete(i: int) -> int:
        answer = admins[i].post(
            f"/api/v1/tasks/{tasks[i]['id']}/complete/",
            {"output": {f"out{tasks[i]['seq'] - 1}": i}},
            format="json",
        )
        return answer.status_code

    codes = _in_threads(N, complete)
    rows = _rows(committed_tenant.slug, ticket["workflow_instance"]["id"])
    print(f"\n{N} parallel completions: answers {codes}, iterations {rows['iterations']}")
    assert codes == [200] * N
    assert rows["iterations"] == list(range(N + 1))  # contiguous, no duplicate
    assert rows["data"] == {"go": True, **{f"out{tasks[i]['seq'] - 1}": i for i in range(N)}}
    assert set(rows["tasks"].values()) == {"COMPLETED"}
    assert rows["state"]["iteration"] == N


def test_parallel_completions_through_the_worker_functions(committed_tenant):
    from ticketflower.runs.services import do_complete_task

    runner = Runner(committed_tenant, install(committed_tenant, parallel_bundle(N)), "staff")
    ticket = runner.submit({"go": True}).json()
    tasks = ticket["tasks"]

    def complete(i: int) -> int:
        with schema_context(committed_tenant.slug):
            return do_complete_task(
                tasks[i]["id"], {f"out{tasks[i]['seq'] - 1}": i}
            ).iteration.iteration

    made = _in_threads(N, complete)
    print(f"\nworker completions made iterations {sorted(made)}")
    assert sorted(made) == list(range(1, N + 1))
    rows = _rows(committed_tenant.slug, ticket["workflow_instance"]["id"])
    assert rows["iterations"] == list(range(N + 1))


def test_the_same_task_completed_twice_at_once(committed_tenant):
    runner = Runner(committed_tenant, install(committed_tenant, simple_bundle()), "staff")
    outcomes = []
    for _ in range(5):
        ticket = runner.submit({"amount": 10}).json()
        task = ticket["tasks"][0]["id"]
        admins = [committed_tenant.client("boss", "ticket_admin") for _ in range(2)]

        def complete(i: int, task: int = task, admins: list = admins) -> int:
            answer = admins[i].post(
                f"/api/v1/tasks/{task}/complete/", {"output": {"approved": i == 0}}, format="json"
            )
            return answer.status_code

        codes = sorted(_in_threads(2, complete))
        outcomes.append(codes)
        rows = _rows(committed_tenant.slug, ticket["workflow_instance"]["id"])
        assert rows["iterations"] == [0, 1]
    print(f"\ndouble completions, answers per round: {outcomes}")
    assert outcomes == [[200, 409]] * 5


def test_a_connection_killed_mid_step_writes_nothing(committed_tenant, monkeypatch):
    from ticketflower.runs import writes

    runner = Runner(committed_tenant, install(committed_tenant, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 10}).json()
    instance = ticket["workflow_instance"]["id"]
    task = ticket["tasks"][0]["id"]
    before = _rows(committed_tenant.slug, instance)

    wrote, killed = threading.Event(), threading.Event()
    victim: dict[str, Any] = {}
    original = writes.write_at_once

    def write_then_wait(*args, **kwargs):
        row = original(*args, **kwargs)
        if threading.current_thread().name == "victim":
            victim["pid"] = connection.connection.info.backend_pid
            wrote.set()
            killed.wait(10)
        return row

    monkeypatch.setattr(writes, "write_at_once", write_then_wait)
    result: dict[str, Any] = {}

    def work() -> None:
        from ticketflower.runs.services import do_complete_task

        try:
            with schema_context(committed_tenant.slug):
                do_complete_task(task, {"approved": True})
        except Exception as exc:
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name="victim")
    thread.start()
    assert wrote.wait(10), "the step never reached its first write"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [victim["pid"]])
        assert cursor.fetchone()[0] is True
    killed.set()
    thread.join(20)
    print(f"\nkilled mid-step: {type(result.get('error')).__name__}: {result.get('error')}")
    assert isinstance(result.get("error"), OperationalError)
    assert _rows(committed_tenant.slug, instance) == before

    # The lock died with the connection: the next completion goes through, as iteration 1.
    monkeypatch.setattr(writes, "write_at_once", original)
    from ticketflower.runs.services import do_complete_task

    with schema_context(committed_tenant.slug):
        assert do_complete_task(task, {"approved": True}).iteration.iteration == 1


@pytest.mark.parametrize("where", ["write_at_once", "_insert_errors"])
def test_an_exception_after_the_first_write_rolls_everything_back(
    committed_tenant, monkeypatch, where
):
    from ticketflower.runs import writes
    from ticketflower.runs.services import do_complete_task

    runner = Runner(committed_tenant, install(committed_tenant, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 10}).json()
    instance = ticket["workflow_instance"]["id"]
    task = ticket["tasks"][0]["id"]
    before = _rows(committed_tenant.slug, instance)
    original = getattr(writes, where)
    calls = []

    def boom(*args, **kwargs):
        calls.append(where)
        original(*args, **kwargs)
        raise RuntimeError("injected failure after a write")

    monkeypatch.setattr(writes, where, boom)
    with schema_context(committed_tenant.slug), pytest.raises(RuntimeError):
        if where == "_insert_errors":
            # A failure writes the task's status, then its TASK_UPDATE and stall errors.
            from ticketflower.runs.services import do_fail_task

            do_fail_task(task, "boom")
        else:
            do_complete_task(task, {"approved": True})
    assert calls == [where]
    assert _rows(committed_tenant.slug, instance) == before


_PROCESS_SCRIPT = """
import json, sys, time
import django
django.setup()
from django.db import connection
from django_tenants.utils import schema_context
from ticketflower.runs.compiled import compiled
from ticketflower.runs.services import do_complete_task
slug, workflow, task, output, start = sys.argv[1:6]
with schema_context(slug):
    compiled(int(workflow))  # compile before the race, as a warm worker would have
    connection.ensure_connection()
    time.sleep(max(0.0, float(start) - time.time()))
    print(do_complete_task(int(task), json.loads(output)).iteration.iteration)
"""


def test_parallel_completions_from_processes(committed_tenant):
    import json
    import os
    import subprocess
    import sys
    import time

    from django.conf import settings

    runner = Runner(committed_tenant, install(committed_tenant, parallel_bundle(N)), "staff")
    ticket = runner.submit({"go": True}).json()
    from tests.helpers import database_url

    env = dict(
        os.environ, DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="ticketflower.settings"
    )
    env["PYTHONPATH"] = os.pathsep.join(
        [str(settings.BASE_DIR / "platform"), str(settings.BASE_DIR)]
    )
    start = time.time() + 6
    processes = [
        subprocess.Popen(
            [
                sys.executable, "-c", _PROCESS_SCRIPT, committed_tenant.slug,
                str(ticket["workflow_instance"]["workflow"]), str(task["id"]),
                json.dumps({f"out{task['seq'] - 1}": task["seq"]}), str(start),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for task in ticket["tasks"]
    ]  # fmt: skip
    made = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        made.append(int(out.split()[-1]))
    print(f"\n{N} processes completed at once, iterations {sorted(made)}")
    assert sorted(made) == list(range(1, N + 1))
    rows = _rows(committed_tenant.slug, ticket["workflow_instance"]["id"])
    assert rows["iterations"] == list(range(N + 1))
    assert rows["data"] == {"go": True, **{f"out{i}": i + 1 for i in range(N)}}


def test_uploads_of_one_name_at_once_get_distinct_versions(committed_tenant, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    runner = Runner(committed_tenant, install(committed_tenant, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 1}).json()["id"]
    clients = [committed_tenant.client("boss", "ticket_admin") for _ in range(N)]

    def upload(i: int) -> int:
        answer = clients[i].post(
            "/api/v1/files/",
            {"file": SimpleUploadedFile("same.txt", b"v%d" % i), "ticket": ticket},
            format="multipart",
        )
        assert answer.status_code == 201, answer.json()
        return answer.json()["version"]

    versions = _in_threads(N, upload)
    print(f"\n{N} uploads of one name at once got versions {versions}")
    assert sorted(versions) == list(range(1, N + 1))
