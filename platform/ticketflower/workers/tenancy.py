"""Dramatiq middleware: every message carries its tenant's schema; the actor runs inside it.

The schema, and the company's id when the sender had its company row, are stamped on the
message when it is enqueued (from the sending thread's database connection) and kept by
retries, which re-enqueue the same message with its options. A worker thread switches
its connection to that schema before the actor runs, refuses messages whose schema is not
a company, or is another company's now (deleted, then created again with the same slug:
the message's ids would name its rows), and goes back to the public schema afterwards.
Django's connection hygiene (close_old_connections) is done around every message, as
Django does around every request.
"""

from __future__ import annotations

import logging

from dramatiq.middleware import Middleware, MiddlewareError, SkipMessage

OPTION = "tenant_schema"
COMPANY_OPTION = "tenant_company"
log = logging.getLogger("ticketflower.workers")


class NoTenant(MiddlewareError):
    """A tenant actor was sent from outside any company's schema (Dramatiq re-raises these)."""


class TenantMiddleware(Middleware):
    """Carry the tenant schema from the sender to the actor."""

    @property
    def actor_options(self) -> set[str]:
        # tenant=False marks actors that run in the public schema (health checks).
        return {"tenant"}

    def before_enqueue(self, broker, message, delay):
        actor = broker.get_actor(message.actor_name)
        if not actor.options.get("tenant", True) or OPTION in message.options:
            return
        from django.db import connection

        schema = getattr(connection, "schema_name", None)
        if not schema or schema == "public":
            raise NoTenant(f"{message.actor_name} runs inside a company's schema: send it from one")
        message.options[OPTION] = schema
        company_id = getattr(getattr(connection, "tenant", None), "pk", None)
        if type(company_id) is int:  # schema_context() has no company row
            message.options[COMPANY_OPTION] = company_id

    def before_process_message(self, broker, message):
        from django.db import close_old_connections, connection

        close_old_connections()
        actor = broker.get_actor(message.actor_name)
        if not actor.options.get("tenant", True):
            connection.set_schema_to_public()
            return
        from ticketflower.companies.lookups import company_for_schema

        schema = message.options.get(OPTION)
        connection.set_schema_to_public()
        company = company_for_schema(schema)
        if company is None:
            log.warning("skipping %s: %r is not a company's schema", message.message_id, schema)
            raise SkipMessage(f"no company with schema {schema!r}")
        sent_for = message.options.get(COMPANY_OPTION)
        if sent_for is not None and sent_for != company.pk:
            log.warning("skipping %s: sent for company %r, gone", message.message_id, sent_for)
            raise SkipMessage(f"company {sent_for!r} of schema {schema!r} no longer exists")
        connection.set_tenant(company)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        self._reset()

    def after_skip_message(self, broker, message):
        self._reset()

    @staticmethod
    def _reset() -> None:
        from django.db import close_old_connections, connection

        connection.set_schema_to_public()
        close_old_connections()
