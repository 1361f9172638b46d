"""django-tenants' DatabaseWrapper that keeps what it knows of the session's search path
across `set_tenant` calls that do not change it.

With `TENANT_LIMIT_SET_CALLS`, django-tenants sends `SET search_path` once per connection
and schema instead of before every statement, and forgets the path whenever PostgreSQL may
have undone it (close, ROLLBACK, ROLLBACK TO SAVEPOINT: a SET is transactional). It also
forgets it on every `set_tenant`, even one naming the schema the connection already has
(each request, each `schema_context` of a worker): that costs a round trip and buys no
safety, since the session's path is unchanged. This wrapper keeps it in that one case.
"""

from __future__ import annotations

from typing import Any

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    """Keeps the known search path when `set_tenant` selects the one already set."""

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        known = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if known is not None and known == self._get_cursor_search_paths():
            self.search_path_set_schemas = known
