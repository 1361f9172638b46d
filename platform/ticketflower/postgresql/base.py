"""django-tenants' DatabaseWrapper that remembers the session's search path across schema
switches, so that `SET search_path` is sent only when the session's path must change.

With `TENANT_LIMIT_SET_CALLS`, django-tenants sends `SET search_path` once per connection
and selected schema instead of before every statement, and forgets the path whenever
PostgreSQL may have undone it (close, ROLLBACK, ROLLBACK TO SAVEPOINT: a SET is
transactional). It also forgets it on every `set_tenant`, even when the session already
has the path wanted — each request selects the public schema to find its company, then
the company; each worker message does the same — which costs a round trip and buys no
safety. This wrapper keeps, apart, the path the session was last given, and skips the SET
when the selected schema wants exactly that path; it forgets it wherever django-tenants
forgets its own, and after a COMMIT that PostgreSQL turned into a ROLLBACK
(docs/decision-search-path-once.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django_tenants.postgresql_backend import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    """Sends `SET search_path` only when the session's path differs from the one wanted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The search path the session has, as far as we know (None: unknown).
        self._session_search_path: list[str] | None = None
        self._schema_qualified = 0
        super().__init__(*args, **kwargs)

    @contextmanager
    def schema_qualified(self) -> Iterator[None]:
        """For statements that name the schema of every table they use (the company
        lookups in the shared schema): cursors opened inside send no `SET search_path`.
        Only such statements belong inside: any other would run on whatever path the
        session has."""
        self._schema_qualified += 1
        try:
            yield
        finally:
            self._schema_qualified -= 1

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self._schema_qualified or self._setting_search_path:
            return
        if (
            self.search_path_set_schemas is None
            and self._session_search_path is not None
            and self._session_search_path == self._get_cursor_search_paths()
        ):
            self.search_path_set_schemas = self._session_search_path
        # Unknown until the SET, if one is sent, is through: an exception escaping it (a
        # worker's time limit, an interrupt) must not leave the previous path trusted.
        self._session_search_path = None
        try:
            super()._handle_search_path(cursor)
        except BaseException:
            # django-tenants raises its re-entry flag before opening the cursor for the SET,
            # outside its try: left up, every later SET on this connection would be skipped.
            self._setting_search_path = False
            self.search_path_set_schemas = None
            raise
        self._session_search_path = self.search_path_set_schemas

    # django-tenants >= 4.0.1 forgets its own remembered path in close, rollback and
    # savepoint_rollback as well; we forget it here too, so that an older django-tenants
    # cannot make a stale path trusted.

    def _forget_search_path(self) -> None:
        self._session_search_path = None
        self.search_path_set_schemas = None

    def close(self) -> None:
        self._forget_search_path()
        super().close()

    def rollback(self) -> None:
        self._forget_search_path()
        super().rollback()

    def commit(self) -> None:
        # PostgreSQL answers COMMIT of a failed transaction with ROLLBACK and no error (nor
        # does psycopg raise): a SET sent in it is undone. That happens when a caller
        # catches a database error inside atomic() without a savepoint. A COMMIT that
        # raises (a deferred constraint) has rolled back as well.
        failed = self.connection is not None and (
            self.connection.info.transaction_status == TransactionStatus.INERROR
        )
        try:
            super().commit()
        except BaseException:
            self._forget_search_path()
            raise
        if failed:
            self._forget_search_path()

    def savepoint_rollback(self, sid: str) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            # After it: its own statement may have set the path.
            self._forget_search_path()
