"""Lineage-wide actions queue up: concurrent new-versions and activations stay consistent.

Runs on a committed company (committed_tenant) with one thread per request, each with
its own database connection, released on a barrier so the requests really overlap.
"""

from __future__ import annotations

import threading

from django.db import connection

from tests.definitions.data import sample_bundle


def _together(calls):
    """Run the calls at once in threads; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            answers[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_new_versions_get_distinct_numbers(committed_tenant):
    designer = committed_tenant.client("designer", "workflow_creator")
    first = designer.post("/api/v1/workflows/import/", sample_bundle(), format="json").json()
    second = designer.post(f"/api/v1/workflows/{first['id']}/new-version/").json()
    sources = [first["id"], second["id"]] * 3
    answers = _together(
        [lambda s=s: designer.post(f"/api/v1/workflows/{s}/new-version/") for s in sources]
    )
    assert [a.status_code for a in answers] == [201] * len(sources)
    versions = sorted(a.json()["version"] for a in answers)
    assert versions == list(range(3, 3 + len(sources)))


def test_concurrent_activations_leave_one_active_version(committed_tenant):
    designer = committed_tenant.client("designer", "workflow_creator")
    first = designer.post("/api/v1/workflows/import/", sample_bundle(), format="json").json()
    drafts = [first["id"]] + [
        designer.post(f"/api/v1/workflows/{first['id']}/new-version/").json()["id"]
        for _ in range(3)
    ]
    answers = _together(
        [lambda w=w: designer.post(f"/api/v1/workflows/{w}/activate/") for w in drafts]
    )
    assert [a.status_code for a in answers] == [200] * len(drafts)
    lineage = designer.get(f"/api/v1/workflows/?lineage={first['lineage']}").json()["results"]
    assert [w["status"] for w in lineage].count("ACTIVE") == 1
