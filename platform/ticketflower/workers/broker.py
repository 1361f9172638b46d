"""The Dramatiq broker, configured from REDIS_URL (imported before any actor is declared)."""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker


def configure_broker() -> dramatiq.Broker:
    """Install the Redis broker named by REDIS_URL as Dramatiq's global broker."""
    broker = RedisBroker(url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    dramatiq.set_broker(broker)
    return broker


broker = configure_broker()
