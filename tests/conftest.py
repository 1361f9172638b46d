"""Shared fixtures: two test companies created once per session by cloning the template.

Tests that touch the database run against the real PostgreSQL named by DATABASE_URL
(started by `make test`); nothing here mocks a server.
"""

from __future__ import annotations

import contextlib

import pytest

TENANTS = ("alpha", "beta")
PASSWORD = "correct-horse-battery"


def pytest_configure(config):
    from django.conf import settings

    if settings.configured:
        # Hashing a password with 1,000,000 PBKDF2 rounds costs ~0.3 s; tests make many users.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """The test database, migrated (template included), with the test companies.

    Replaces pytest-django's fixture so that the test database is always the one set up:
    theirs sets up only the databases that collected tests mark as used, and a run of
    tests that use `committed_tenant` alone would otherwise reach the real database.
    """
    from django.test.utils import setup_databases, teardown_databases

    from ticketflower.companies.provisioning import create_tenant

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            keepdb=keepdb,
            aliases={"default"},
        )
        for slug in TENANTS:
            create_tenant(slug, name=slug.title(), admin_username="admin", admin_password=PASSWORD)
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture
def tenant_factory(db):
    """Helpers to act inside a test company: make users with roles and API clients."""
    from tests.helpers import TenantHelper

    return TenantHelper


@pytest.fixture
def alpha(db):
    from tests.helpers import TenantHelper

    return TenantHelper("alpha")


@pytest.fixture
def beta(db):
    from tests.helpers import TenantHelper

    return TenantHelper("beta")


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    """Each test starts on the public schema, whatever the previous request left set."""
    import sys

    if "django.db" not in sys.modules:
        yield
        return
    from django.conf import settings
    from django.db import connection

    if settings.configured:
        connection.set_schema_to_public()
    yield
    if settings.configured:
        connection.set_schema_to_public()


@contextlib.contextmanager
def _committed_company(django_db_blocker):
    """A fresh company whose writes really commit, dropped at the end.

    Not wrapped in a test transaction, and not flushed afterwards either: a flush would
    truncate the shared tables (companies, domains).
    """
    import uuid

    from django.db import connection

    from tests.helpers import TenantHelper
    from ticketflower.companies.provisioning import create_tenant, delete_tenant

    assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
    slug = f"c_{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        create_tenant(slug, admin_username="admin", admin_password=PASSWORD)
        helper = TenantHelper(slug)
        helper.host = f"{slug.replace('_', '-')}.localhost"
        try:
            yield helper
        finally:
            connection.set_schema_to_public()
            delete_tenant(slug, confirm=slug)


@pytest.fixture
def committed_tenant(django_db_setup, django_db_blocker):
    """A fresh company whose writes really commit (for tests with threads or processes)."""
    with _committed_company(django_db_blocker) as helper:
        yield helper


@pytest.fixture
def second_company(django_db_setup, django_db_blocker):
    """Another such company, beside `committed_tenant` (isolation across processes)."""
    with _committed_company(django_db_blocker) as helper:
        yield helper


# -- the real stack for action tests: the API over HTTP, a worker process -----------------


@pytest.fixture
def api_server(committed_tenant):
    """The Django app over HTTP on 127.0.0.1 (callbacks post to it); yields its port."""
    import threading
    from wsgiref.simple_server import make_server

    from django.core.wsgi import get_wsgi_application

    from tests.actions.support import QuietHandler, ThreadingWSGIServer

    server = make_server(
        "127.0.0.1",
        0,
        get_wsgi_application(),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.join_requests()
    server.server_close()


@pytest.fixture
def mail_dir(tmp_path):
    """Where a test's worker writes the emails it sends (Django's file backend)."""
    return tmp_path / "mail"


@pytest.fixture
def worker_env(api_server, tmp_path, mail_dir):
    """Environment of a worker process on the test database, allowed to call loopback,
    writing its emails as files under `mail_dir`."""
    import os

    from tests.helpers import database_url

    return dict(
        os.environ,
        DATABASE_URL=database_url(),
        TICKETFLOWER_DEV="1",
        TICKETFLOWER_ACTIONS_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",
        TICKETFLOWER_ACTION_MAX_RETRIES="2",
        TICKETFLOWER_ACTION_MIN_BACKOFF_MS="100",
        TICKETFLOWER_ACTION_MAX_BACKOFF_MS="300",
        TICKETFLOWER_BROKER_HEARTBEAT_MS="2000",
        TICKETFLOWER_BROKER_MAINTENANCE_CHANCE="1000000",
        TICKETFLOWER_CALLBACK_URL_TEMPLATE=f"http://{{domain}}:{api_server}/api/v1/callbacks/{{token}}/",
        WORKER_LOG=str(tmp_path / "worker.log"),
        TICKETFLOWER_EMAIL_BACKEND="file",
        TICKETFLOWER_EMAIL_DIR=str(mail_dir),
        TICKETFLOWER_PAGE_URL_TEMPLATE="https://{domain}{path}",
        TICKETFLOWER_NOTIFICATION_BACKOFF="0.5",
    )


@pytest.fixture
def worker(worker_env, settings):
    """A running `ticketflower worker` process (stopped afterwards)."""
    from tests.actions.support import Worker

    # The test process enqueues with the same backoff settings as the worker uses.
    settings.ACTION_MIN_BACKOFF_MS = 100
    settings.ACTION_MAX_BACKOFF_MS = 300
    w = Worker(worker_env).start()
    yield w
    w.stop()
