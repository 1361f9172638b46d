"""Settings for bench/submit.py --settings-variant: the project's, plus django-tenants'
TENANT_LIMIT_SET_CALLS (one `SET search_path` per connection and schema change instead of
one before every statement). Measured in docs/benchmarks.md as a proposal; the project's
settings now set it (docs/decision-search-path-once.md), so this variant equals them and
is kept only so that the earlier command still runs."""

from ticketflower.settings import *  # noqa: F403

TENANT_LIMIT_SET_CALLS = True
