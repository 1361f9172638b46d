"""What-if for bench/e2e.py --what-if-shared-client: the worker's actions share one httpx client.

Not the platform's behaviour: `plugins.http_action.calls.call` builds a new
`httpx.Client` (hence a new SSL context, loading the CA bundle: ~35 ms of CPU here) and a
new TCP connection for every action. This module, imported by the worker after
`ticketflower.workers.actors`, hands the actor one process-wide client instead (httpx
clients are thread-safe; keep-alive pool), to measure what that change would be worth.
"""

from __future__ import annotations

import functools

import httpx

import plugins.http_action.actors as actors

_client = httpx.Client(follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=32))
actors.call = functools.partial(actors.call, client=_client)
