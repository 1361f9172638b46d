"""Settings for bench/submit.py --settings-variant: the project's, plus django-tenants'
TENANT_LIMIT_SET_CALLS (one `SET search_path` per connection and schema change instead of
one before every statement). Measured in docs/benchmarks.md; a proposal, not in use."""

from ticketflower.settings import *  # noqa: F403

TENANT_LIMIT_SET_CALLS = True
