"""Who may do what with definitions (docs/decision-definitions-visibility.md).

- tenant_admin and workflow_creator: everything.
- ticket_admin: reads everything, and may run the actions that change nothing
  (analysis, simulation, bundle validation).
- Anyone else signed in: only the ticket definitions they may submit (the view filters
  them); every other definition endpoint answers 403.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ticketflower.accounts.roles import (
    TENANT_ADMIN,
    TICKET_ADMIN,
    WORKFLOW_CREATOR,
    has_role,
    role_names,
)
from ticketflower.definitions.models import TicketDefinition, WorkflowStatus

DESIGNERS = (TENANT_ADMIN, WORKFLOW_CREATOR)
READERS = (*DESIGNERS, TICKET_ADMIN)


def may_submit(user, company_role_access: list[str] | None) -> bool:
    """Whether the user may submit a ticket of a definition with these roles: a ticket
    admin always, anyone else holding one of them."""
    return has_role(user, TICKET_ADMIN) or bool(role_names(user) & set(company_role_access or ()))


def submittable(user) -> QuerySet:
    """The ticket definitions the user may submit now: of ACTIVE workflows, by `may_submit`."""
    queryset = TicketDefinition.objects.filter(workflow__status=WorkflowStatus.ACTIVE)
    if has_role(user, TICKET_ADMIN):
        return queryset
    return queryset.filter(company_role_access__overlap=sorted(role_names(user)))


def visible_ticket_definitions(user) -> QuerySet:
    """Readers see every ticket definition; anyone else those they may submit now."""
    return TicketDefinition.objects.all() if reads_everything(user) else submittable(user)


def reads_everything(user) -> bool:
    """Whether a user sees every definition (designers and ticket admins)."""
    return has_role(user, *READERS)


class DefinitionPermission(BasePermission):
    """Designers write; readers read. A view may declare `read_only_actions` (POST actions
    that write nothing) and `open_reads` (any signed-in user reads a filtered queryset)."""

    message = "You do not have a role that allows this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if has_role(user, *DESIGNERS):
            return True
        reading = request.method in SAFE_METHODS or getattr(view, "action", None) in getattr(
            view, "read_only_actions", ()
        )
        if not reading:
            return False
        return getattr(view, "open_reads", False) or has_role(user, TICKET_ADMIN)
