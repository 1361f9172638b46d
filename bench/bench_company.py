"""The company, workflows and user a benchmark submits tickets with (bench/e2e.py,
bench/submit.py, bench/floors.py): created once, found again on the next run."""

from __future__ import annotations

import os


def ready(
    slug: str, bundles: dict[str, dict], ticket_titles: dict[str, str]
) -> tuple[str, str, dict[str, int]]:
    """The company `slug` with one ACTIVE workflow per bundle (imported unless one with
    its title is active), and a `bench` user holding `staff` with a fresh token:
    (host, token, {name: the id of its bundle's ticket definition `ticket_titles[name]`})."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django_tenants.utils import schema_context

    from tenants.models import Company
    from ticketflower.accounts.tokens import issue_token
    from ticketflower.companies import provisioning
    from ticketflower.definitions import services
    from ticketflower.definitions.models import TicketDefinition, WorkflowStatus

    if not Company.objects.filter(schema_name=slug).exists():
        provisioning.create_tenant(slug, admin_password="bench-password-123")
    definitions = {}
    with schema_context(slug):
        for name, bundle in bundles.items():
            ticket = TicketDefinition.objects.filter(
                title=ticket_titles[name],
                workflow__title=bundle["workflow"]["title"],
                workflow__status=WorkflowStatus.ACTIVE,
            ).first()
            if ticket is None:
                workflow = services.do_import_bundle(bundle, created_by=None)
                services.do_activate_workflow(workflow)
                ticket = TicketDefinition.objects.get(workflow=workflow, title=ticket_titles[name])
            definitions[name] = ticket.pk
        user, _ = User.objects.get_or_create(username="bench")
        user.groups.add(Group.objects.get_or_create(name="staff")[0])
        token = issue_token(user, "bench")[1]
    base = os.environ.get("TICKETFLOWER_BASE_DOMAIN", "localhost")
    return f"{slug}.{base}", token, definitions
