"""Comments on tickets and tasks: who sees and writes them, internal notes, mentions
(told by email through the outbox), the edit window, bad input, company isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.notifications.support import review_bundle
from tests.runs.support import install


@pytest.fixture
def refund(committed_tenant):
    helper = committed_tenant
    workflow = install(helper, review_bundle())
    sam = helper.client("sam", "sales")
    ticket = sam.post(
        "/api/v1/tickets/",
        {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 5}},
        format="json",
    ).json()
    return helper, ticket


def _post(client, ticket_id, body, **extra):
    return client.post(
        "/api/v1/comments/", {"ticket": ticket_id, "body": body, **extra}, format="json"
    )


def _mention_deliveries(helper):
    from ticketflower.notifications.models import Delivery

    with schema_context(helper.slug):
        return list(
            Delivery.objects.filter(kind="mentioned", channel="email").values_list(
                "address", flat=True
            )
        )


def test_whoever_sees_the_ticket_reads_and_writes_its_comments(refund):
    helper, ticket = refund
    sam = helper.client("sam", "sales")
    rita = helper.client("rita", "reviewer")
    assert _post(sam, ticket["id"], "Receipt attached.").status_code == 201
    assert _post(rita, ticket["id"], "Looks fine.").status_code == 201
    listed = sam.get(f"/api/v1/comments/?ticket={ticket['id']}").json()["results"]
    assert [(c["author"]["username"], c["body"]) for c in listed] == [
        ("sam", "Receipt attached."),
        ("rita", "Looks fine."),
    ]


def test_someone_who_cannot_see_the_ticket_can_neither_read_nor_comment(refund):
    helper, ticket = refund
    _post(helper.client("sam", "sales"), ticket["id"], "Hello")
    outsider = helper.client("olga", "warehouse")
    assert outsider.get(f"/api/v1/comments/?ticket={ticket['id']}").json()["results"] == []
    refused = _post(outsider, ticket["id"], "Let me in")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/ticket"
    # The same answer as for a ticket that does not exist.
    assert refused.json()["errors"][0]["message"] == f"No ticket {ticket['id']}."
    missing = _post(outsider, 999_999, "x").json()["errors"][0]
    assert missing["pointer"] == "/ticket" and missing["message"] == "No ticket 999999."


def test_internal_notes_are_for_ticket_admins_only(refund):
    helper, ticket = refund
    boss = helper.client("boss", "ticket_admin")
    sam = helper.client("sam", "sales")
    note = _post(boss, ticket["id"], "Customer is a known fraudster.", internal=True)
    assert note.status_code == 201 and note.json()["internal"] is True
    assert sam.get(f"/api/v1/comments/?ticket={ticket['id']}").json()["results"] == []
    assert sam.get(f"/api/v1/comments/{note.json()['id']}/").status_code == 404
    refused = _post(sam, ticket["id"], "sneaky", internal=True)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/internal"
    assert len(boss.get(f"/api/v1/comments/?ticket={ticket['id']}").json()["results"]) == 1


def test_mentions_name_only_people_of_this_company_who_see_the_ticket(refund, second_company):
    helper, ticket = refund
    from django.contrib.auth.models import User

    for name, roles in [("rita", ("reviewer",)), ("olga", ("warehouse",))]:
        user = helper.user(name, *roles)
        with schema_context(helper.slug):
            User.objects.filter(pk=user.pk).update(email=f"{name}@a.example")
    # A person of another company with the same username is never mentioned.
    other = second_company.user("rita", "reviewer")
    with schema_context(second_company.slug):
        User.objects.filter(pk=other.pk).update(email="rita@b.example")
    sam = helper.client("sam", "sales")
    comment = _post(sam, ticket["id"], "@rita please check; @olga FYI; @nobody; mail me@x.org")
    assert comment.status_code == 201, comment.json()
    assert [m["username"] for m in comment.json()["mentions"]] == ["rita"]
    assert _mention_deliveries(helper) == ["rita@a.example"]
    assert _mention_deliveries(second_company) == []


def test_an_internal_note_mentions_only_ticket_admins(refund):
    helper, ticket = refund
    helper.user("rita", "reviewer")
    helper.user("tess", "ticket_admin")
    boss = helper.client("boss", "ticket_admin")
    note = _post(boss, ticket["id"], "@rita @tess see this", internal=True).json()
    assert [m["username"] for m in note["mentions"]] == ["tess"]


def test_a_comment_on_a_task_must_be_of_that_ticket(refund):
    helper, ticket = refund
    boss = helper.client("boss", "ticket_admin")
    task = boss.get(f"/api/v1/tasks/?ticket={ticket['id']}").json()["results"][0]
    on_task = _post(boss, ticket["id"], "About the review", task=task["id"])
    assert on_task.status_code == 201 and on_task.json()["task"] == task["id"]
    other = helper.client("sam", "sales").post(
        "/api/v1/tickets/",
        {"ticket_definition": ticket["ticket_definition"], "fields": {"amount": 1}},
        format="json",
    )
    wrong = _post(boss, other.json()["id"], "Wrong task", task=task["id"])
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["pointer"] == "/task"
    only_task = boss.get(f"/api/v1/comments/?task={task['id']}").json()["results"]
    assert [c["body"] for c in only_task] == ["About the review"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [("", "/body"), ("   ", "/body"), ("x" * 10_001, "/body"), (None, "/body"), (5, "/body")],
)
def test_bad_bodies_are_refused_at_body(refund, body, pointer):
    helper, ticket = refund
    answer = _post(helper.client("sam", "sales"), ticket["id"], body)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == pointer


def test_the_author_edits_within_fifteen_minutes_and_nobody_deletes(refund):
    from ticketflower.discussions.models import Comment

    helper, ticket = refund
    sam = helper.client("sam", "sales")
    rita = helper.client("rita", "reviewer")
    comment = _post(sam, ticket["id"], "Teh receipt").json()
    fixed = sam.patch(f"/api/v1/comments/{comment['id']}/", {"body": "The receipt"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["edited_at"]
    assert (
        rita.patch(
            f"/api/v1/comments/{comment['id']}/", {"body": "mine now"}, format="json"
        ).status_code
        == 403
    )
    assert sam.delete(f"/api/v1/comments/{comment['id']}/").status_code == 405
    with schema_context(helper.slug):
        Comment.objects.filter(pk=comment["id"]).update(
            created_at=timezone.now() - timedelta(minutes=16)
        )
    late = sam.patch(f"/api/v1/comments/{comment['id']}/", {"body": "again"}, format="json")
    assert late.status_code == 409
    assert sam.get(f"/api/v1/comments/{comment['id']}/").json()["body"] == "The receipt"


def test_another_company_cannot_read_or_post_on_a_ticket_id_of_ours(refund, second_company):
    helper, ticket = refund
    mine = _post(helper.client("sam", "sales"), ticket["id"], "ours").json()
    theirs = second_company.client("boss", "ticket_admin")
    assert theirs.get(f"/api/v1/comments/{mine['id']}/").status_code == 404
    assert theirs.get(f"/api/v1/comments/?ticket={ticket['id']}").json()["results"] == []
    answer = _post(theirs, ticket["id"], "hello from B")
    assert answer.status_code == 400 and answer.json()["errors"][0]["pointer"] == "/ticket"
