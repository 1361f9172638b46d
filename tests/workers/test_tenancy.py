"""The tenant middleware: a message runs inside the schema it was sent from, and only there.

Uses Dramatiq's StubBroker (the actor seam) with a real in-process Worker and the real
PostgreSQL; the Redis path is covered by test_worker.py.
"""

import dramatiq
import pytest
from django.db import connection
from django_tenants.utils import schema_context
from dramatiq.brokers.stub import StubBroker

from tenants.models import Company
from ticketflower.workers.tenancy import COMPANY_OPTION, OPTION, NoTenant, TenantMiddleware


@pytest.fixture
def stub():
    broker = StubBroker()
    broker.add_middleware(TenantMiddleware())
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    yield broker
    worker.stop()
    broker.close()


def test_message_runs_in_the_schema_it_was_sent_from(db, stub):
    seen = []

    @dramatiq.actor(broker=stub, max_retries=0)
    def where():
        seen.append(connection.schema_name)

    with schema_context("beta"):
        message = where.send()
    assert message.options[OPTION] == "beta"
    stub.join(where.queue_name)
    assert seen == ["beta"]


def test_retries_keep_the_schema(db, stub):
    seen = []

    @dramatiq.actor(broker=stub, max_retries=2, min_backoff=1, max_backoff=5)
    def flaky():
        seen.append(connection.schema_name)
        if len(seen) < 3:
            raise RuntimeError("try again")

    with schema_context("alpha"):
        flaky.send()
    stub.join(flaky.queue_name)
    assert seen == ["alpha", "alpha", "alpha"]


def test_sending_from_the_public_schema_is_refused(db, stub):
    @dramatiq.actor(broker=stub)
    def tenant_only():
        pass

    connection.set_schema_to_public()
    with pytest.raises(NoTenant, match="company"):
        tenant_only.send()
    assert stub.queues[tenant_only.queue_name].qsize() == 0


def test_message_naming_a_schema_that_is_no_company_is_skipped(db, stub):
    seen = []

    @dramatiq.actor(broker=stub, max_retries=0)
    def victim():
        seen.append(connection.schema_name)

    for schema in ("public", "tenant_template", "nope"):
        victim.send_with_options(**{OPTION: schema})
    stub.join(victim.queue_name)
    assert seen == []


def test_public_actor_runs_in_public_schema(db, stub):
    seen = []

    @dramatiq.actor(broker=stub, tenant=False)
    def platform_job():
        seen.append(connection.schema_name)

    with schema_context("alpha"):
        platform_job.send()
    stub.join(platform_job.queue_name)
    assert seen == ["public"]


def test_message_sent_from_a_company_carries_its_id(db, stub):
    seen = []

    @dramatiq.actor(broker=stub, max_retries=0)
    def where():
        seen.append(connection.schema_name)

    beta = Company.objects.get(schema_name="beta")
    connection.set_tenant(beta)
    try:
        message = where.send()
    finally:
        connection.set_schema_to_public()
    assert (message.options[OPTION], message.options[COMPANY_OPTION]) == ("beta", beta.pk)
    stub.join(where.queue_name)
    assert seen == ["beta"]


def test_message_for_a_company_that_is_gone_is_skipped_even_if_its_slug_is_reused(db, stub):
    # A company deleted and created again under the same slug has a new id: the message's
    # task ids would name the new company's rows.
    seen = []

    @dramatiq.actor(broker=stub, max_retries=0)
    def victim():
        seen.append(connection.schema_name)

    beta = Company.objects.get(schema_name="beta")
    victim.send_with_options(**{OPTION: "beta", COMPANY_OPTION: beta.pk + 1000})
    stub.join(victim.queue_name)
    assert seen == []
    victim.send_with_options(**{OPTION: "beta", COMPANY_OPTION: beta.pk})
    stub.join(victim.queue_name)
    assert seen == ["beta"]
