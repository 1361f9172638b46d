"""The committed_tenant fixture: its writes are visible to other connections."""

import threading

from django.contrib.auth.models import User
from django.db import connection
from django_tenants.utils import schema_context


def test_writes_commit_and_are_seen_from_another_thread(committed_tenant):
    committed_tenant.user("visible")
    seen = []

    def look():
        with schema_context(committed_tenant.slug):
            seen.append(User.objects.filter(username="visible").exists())
        connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    assert seen == [True]
    assert committed_tenant.client("visible").get("/api/v1/me/").status_code == 200
