"""Dramatiq's floor for bench/floors.py: a no-op actor on the project's broker.

Run as `ticketflower worker` runs its module (`python -m dramatiq bench.floor_actors`, with
the repository root and platform/ on PYTHONPATH): Django set up, the broker from REDIS_URL
with the project's middleware (ticketflower.workers.broker), then one actor that does
nothing, on its own queue. `tenant=False`: the tenant middleware still runs around it
(close_old_connections, the public schema) but looks no company up, so the figure is
Dramatiq's own cost per message plus the project's middleware, without a query.
"""
# isort: skip_file

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
django.setup()

import dramatiq  # noqa: E402

# Imported before the actor is declared: it installs the project's broker and middleware.
from ticketflower.workers.broker import broker  # noqa: E402, F401

QUEUE = "floors"


@dramatiq.actor(queue_name=QUEUE, max_retries=0, tenant=False)
def noop(n: int) -> None:
    """Nothing: what a message costs without any work."""
