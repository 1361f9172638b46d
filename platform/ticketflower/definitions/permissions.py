"""Who may do what with definitions (docs/decision-definitions-visibility.md).

- tenant_admin and workflow_creator: everything.
- ticket_admin: reads everything, and may run the actions that change nothing
  (analysis, simulation, bundle validation).
- Anyone else signed in: only the ticket definitions they may submit (the view filters
  them); every other definition endpoint answers 403.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from ticketflower.accounts.roles import TENANT_ADMIN, TICKET_ADMIN, WORKFLOW_CREATOR, has_role

DESIGNERS = (TENANT_ADMIN, WORKFLOW_CREATOR)
READERS = (*DESIGNERS, TICKET_ADMIN)


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
