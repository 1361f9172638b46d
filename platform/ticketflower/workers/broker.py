"""The Dramatiq broker from REDIS_URL, with the tenant middleware (imported before actors)."""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage

from ticketflower.observability.workers import WorkerObservedMiddleware
from ticketflower.workers.tenancy import TenantMiddleware


def configure_broker(broker: dramatiq.Broker | None = None) -> dramatiq.Broker:
    """Install the broker (Redis from REDIS_URL unless given) as Dramatiq's global broker."""
    if broker is None:
        from django.conf import settings

        broker = RedisBroker(
            url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            heartbeat_timeout=settings.BROKER_HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=settings.BROKER_MAINTENANCE_CHANCE,
        )
    if not any(isinstance(m, TenantMiddleware) for m in broker.middleware):
        broker.add_middleware(TenantMiddleware())
    if not any(isinstance(m, CurrentMessage) for m in broker.middleware):
        broker.add_middleware(CurrentMessage())
    if not any(isinstance(m, WorkerObservedMiddleware) for m in broker.middleware):
        broker.add_middleware(WorkerObservedMiddleware())
    dramatiq.set_broker(broker)
    return broker


broker = configure_broker()
