"""The worker's entry module: `ticketflower worker` runs `dramatiq ticketflower.workers.actors`.

It sets Django up, configures the broker (tenant middleware included), then imports
every module that declares actors; the order matters, hence no import sorting here.
"""
# isort: skip_file

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
django.setup()

import dramatiq  # noqa: E402

from ticketflower.workers.broker import broker  # noqa: E402
import ticketflower.runs.actors  # noqa: E402, F401
import plugins.http_action.actors  # noqa: E402, F401
import ticketflower.notifications.actors  # noqa: E402, F401

HEALTHCHECK_PREFIX = "ticketflower:healthcheck:"


@dramatiq.actor(queue_name="default", max_retries=0, tenant=False)
def healthcheck(token: str) -> None:
    """Prove a worker is consuming the queue: echo the token into Redis for a minute."""
    broker.client.set(HEALTHCHECK_PREFIX + token, os.getpid(), ex=60)
