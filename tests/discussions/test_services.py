"""The comment services on their own: every problem at its pointer at once, nothing
written on a refusal, and the author's edit window to the second."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.runs.support import Runner, install, simple_bundle
from ticketflower.api.errors import ProblemError


@pytest.fixture
def two_tickets(alpha):
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    ids = [runner.submit({"amount": n}).json()["id"] for n in (1, 2)]
    alpha.user("boss", "ticket_admin")
    return alpha, ids


def test_every_problem_is_named_at_its_pointer_and_nothing_is_written(two_tickets):
    from ticketflower.discussions import services
    from ticketflower.discussions.models import Comment
    from ticketflower.runs.models import TaskInstance, TicketInstance

    helper, (first, second) = two_tickets
    with schema_context(helper.slug):
        ticket = TicketInstance.objects.get(pk=first)
        elsewhere = TaskInstance.objects.get(workflow_instance__ticket=second)
        staff = User.objects.get(username="submitter")
        with pytest.raises(ProblemError) as refused:
            services.do_add_comment(ticket, author=staff, body=" ", internal=True, task=elsewhere)
        assert [p["pointer"] for p in refused.value.problems] == ["/body", "/internal", "/task"]
        with pytest.raises(ProblemError) as refused:
            services.do_add_comment(ticket, author=staff, body="ok", internal="yes")
        assert [p["pointer"] for p in refused.value.problems] == ["/internal"]
        assert Comment.objects.count() == 0


def test_a_ticket_admin_writes_an_internal_note_on_a_task_of_the_ticket(two_tickets):
    from ticketflower.discussions import services
    from ticketflower.runs.models import TaskInstance, TicketInstance

    helper, (first, _) = two_tickets
    with schema_context(helper.slug):
        ticket = TicketInstance.objects.get(pk=first)
        task = TaskInstance.objects.get(workflow_instance__ticket=first)
        boss = User.objects.get(username="boss")
        note = services.do_add_comment(
            ticket, author=boss, body="Checked @submitter", internal=True, task=task
        )
        assert (note.ticket_id, note.task_id, note.internal) == (first, task.pk, True)
        # The submitter sees the ticket but is no ticket admin: not mentioned in a note.
        assert list(note.mentions.all()) == []
        staff = User.objects.get(username="submitter")
        assert not services.visible_comments(staff).exists()
        assert list(services.visible_comments(boss)) == [note]


def test_the_edit_window_closes_fifteen_minutes_after_writing(two_tickets):
    from ticketflower.discussions import services
    from ticketflower.discussions.models import Comment
    from ticketflower.runs.models import TicketInstance

    helper, (first, _) = two_tickets
    with schema_context(helper.slug):
        staff = User.objects.get(username="submitter")
        comment = services.do_add_comment(
            TicketInstance.objects.get(pk=first), author=staff, body="draft"
        )
        almost = timezone.now() - services.EDIT_WINDOW + timedelta(seconds=5)
        Comment.objects.filter(pk=comment.pk).update(created_at=almost)
        assert services.do_edit_comment(comment, user=staff, body="final").body == "final"
        Comment.objects.filter(pk=comment.pk).update(
            created_at=timezone.now() - services.EDIT_WINDOW - timedelta(seconds=1)
        )
        with pytest.raises(ProblemError) as refused:
            services.do_edit_comment(comment, user=staff, body="too late")
        assert refused.value.status_code == 409
        assert Comment.objects.get(pk=comment.pk).body == "final"


def test_who_may_be_mentioned_agrees_with_who_sees_the_ticket_and_its_notes(two_tickets):
    """readers_q (users of a ticket, in one query) and INTERNAL_READERS mirror
    visible_tickets and reads_internal_notes (one user at a time)."""
    from ticketflower.discussions import services
    from ticketflower.runs import access
    from ticketflower.runs.models import TicketInstance

    helper, (first, _) = two_tickets
    for name, roles in [
        ("nobody", ()),
        ("clerk", ("staff",)),
        ("packer", ("warehouse",)),
        ("both", ("staff", "warehouse")),
        ("tess", ("ticket_admin",)),
        ("owner", ("tenant_admin", "workflow_creator")),
    ]:
        helper.user(name, *roles)
    with schema_context(helper.slug):
        ticket = TicketInstance.objects.get(pk=first)
        readers = set(User.objects.filter(access.readers_q(ticket)).distinct())
        noted = set(User.objects.filter(services.INTERNAL_READERS))
        for user in User.objects.all():
            sees = access.visible_tickets(user).filter(pk=ticket.pk).exists()
            assert (user in readers) == sees, user.username
            assert (user in noted) == services.reads_internal_notes(user, ticket), user.username
        assert {u.username for u in readers} >= {"submitter", "clerk", "both", "tess", "boss"}


def test_finding_the_people_mentioned_costs_the_same_for_three_or_thirty(two_tickets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ticketflower.discussions import services
    from ticketflower.runs.models import TicketInstance

    helper, (first, _) = two_tickets
    for n in range(30):
        helper.user(f"p{n}", "staff")
    with schema_context(helper.slug):
        ticket = TicketInstance.objects.select_related("ticket_definition").get(pk=first)
        counts = []
        for n in (3, 30):
            body = " ".join(f"@p{i}" for i in range(n))
            with CaptureQueriesContext(connection) as queries:
                found = services.mentioned_in(body, ticket, internal=False)
            assert len(found) == n
            counts.append(len(queries))
        assert counts[0] == counts[1] == 1
