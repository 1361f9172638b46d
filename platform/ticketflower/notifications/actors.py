"""The worker's actor of notifications (imported by ticketflower.workers.actors)."""

from __future__ import annotations

import dramatiq

from ticketflower.workers.broker import broker  # noqa: F401  (the broker, before actors)


# No Dramatiq retries: the row's own back-off (delivery.py) decides when to try again.
@dramatiq.actor(queue_name="default", max_retries=0, time_limit=60_000)
def deliver(delivery_id: int) -> None:
    """Send one due delivery (an email or a webhook call); a second message does nothing."""
    from ticketflower.notifications.delivery import deliver_one

    deliver_one(delivery_id)
