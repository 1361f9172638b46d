"""Comments through the API, under their ticket (`/api/v1/tickets/{id}/comments/`): who
sees and writes them, internal notes, mentions (told by email through the outbox), the
edit window, bad input, company isolation."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.notifications.support import review_bundle
from tests.runs.support import install


@pytest.fixture
def refund(committed_tenant):
    """A company with a refund ticket that sales and reviewers see (and warehouse not)."""
    helper = committed_tenant
    workflow = install(helper, review_bundle())
    ticket = _submit(helper.client("sam", "sales"), workflow["tickets"][0]["id"])
    return helper, ticket


def _submit(client, definition_id, amount=5):
    answer = client.post(
        "/api/v1/tickets/",
        {"ticket_definition": definition_id, "fields": {"amount": amount}},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    return answer.json()


def _url(ticket_id, comment_id=None):
    tail = f"{comment_id}/" if comment_id is not None else ""
    return f"/api/v1/tickets/{ticket_id}/comments/{tail}"


def _post(client, ticket_id, body, **extra):
    return client.post(_url(ticket_id), {"body": body, **extra}, format="json")


def _listed(client, ticket_id, query=""):
    answer = client.get(_url(ticket_id) + query)
    assert answer.status_code == 200, answer.json()
    return answer.json()["results"]


def _with_email(helper, name, *roles, active=True):
    user = helper.user(name, *roles)
    with schema_context(helper.slug):
        User.objects.filter(pk=user.pk).update(
            email=f"{name}@{helper.slug}.example", is_active=active
        )
    return user


def _mention_deliveries(helper):
    from ticketflower.notifications.models import Delivery

    with schema_context(helper.slug):
        return sorted(
            Delivery.objects.filter(kind="mentioned", channel="email").values_list(
                "address", flat=True
            )
        )


def _comment_count(helper):
    from ticketflower.discussions.models import Comment

    with schema_context(helper.slug):
        return Comment.objects.count()


def test_whoever_sees_the_ticket_reads_and_writes_its_comments_oldest_first(refund):
    helper, ticket = refund
    sam = helper.client("sam", "sales")
    rita = helper.client("rita", "reviewer")
    first = _post(sam, ticket["id"], "Receipt attached.")
    assert first.status_code == 201
    assert _post(rita, ticket["id"], "Looks fine.").status_code == 201
    body = first.json()
    assert body["ticket"] == ticket["id"] and body["task"] is None
    assert body["author"]["username"] == "sam" and body["internal"] is False
    assert body["mentions"] == [] and body["edited_at"] is None and body["created_at"]
    assert [(c["author"]["username"], c["body"]) for c in _listed(rita, ticket["id"])] == [
        ("sam", "Receipt attached."),
        ("rita", "Looks fine."),
    ]
    page = sam.get(_url(ticket["id"]) + "?limit=1&offset=1").json()
    assert page["count"] == 2 and [c["body"] for c in page["results"]] == ["Looks fine."]
    assert sam.get(_url(ticket["id"], body["id"])).json()["body"] == "Receipt attached."


def test_someone_who_cannot_see_the_ticket_gets_404_as_if_it_did_not_exist(refund):
    helper, ticket = refund
    comment = _post(helper.client("sam", "sales"), ticket["id"], "Hello").json()
    outsider = helper.client("olga", "warehouse")
    for answer in (
        outsider.get(_url(ticket["id"])),
        _post(outsider, ticket["id"], "Let me in"),
        outsider.get(_url(ticket["id"], comment["id"])),
        outsider.patch(_url(ticket["id"], comment["id"]), {"body": "mine"}, format="json"),
        outsider.get(_url(999_999)),
        _post(outsider, 999_999, "x"),
    ):
        assert answer.status_code == 404
        assert answer.json()["type"] == "not_found"
    assert _comment_count(helper) == 1


def test_a_comment_is_reached_only_under_its_own_ticket(refund):
    helper, ticket = refund
    sam = helper.client("sam", "sales")
    other = _submit(sam, ticket["ticket_definition"], amount=7)
    comment = _post(sam, ticket["id"], "On the first").json()
    assert sam.get(_url(other["id"], comment["id"])).status_code == 404
    assert _listed(sam, other["id"]) == []


def test_internal_notes_are_for_ticket_admins_only(refund):
    helper, ticket = refund
    boss = helper.client("boss", "ticket_admin")
    sam = helper.client("sam", "sales")
    note = _post(boss, ticket["id"], "Customer is a known fraudster.", internal=True)
    assert note.status_code == 201 and note.json()["internal"] is True
    _post(sam, ticket["id"], "Receipt attached.")
    assert [c["body"] for c in _listed(sam, ticket["id"])] == ["Receipt attached."]
    assert _listed(sam, ticket["id"], "?internal=true") == []
    assert sam.get(_url(ticket["id"], note.json()["id"])).status_code == 404
    refused = _post(sam, ticket["id"], "sneaky", internal=True)
    assert refused.status_code == 400
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/internal"]
    assert [c["internal"] for c in _listed(boss, ticket["id"])] == [True, False]
    assert [c["body"] for c in _listed(boss, ticket["id"], "?internal=true")] == [
        "Customer is a known fraudster."
    ]


def test_mentions_name_only_active_people_of_this_company_who_see_the_ticket(
    refund, second_company
):
    helper, ticket = refund
    _with_email(helper, "rita", "reviewer")
    _with_email(helper, "olga", "warehouse")  # does not see the ticket
    _with_email(helper, "ivan", "reviewer", active=False)
    # A person of another company with the same username is never mentioned.
    _with_email(second_company, "rita", "reviewer")
    _with_email(second_company, "tom", "reviewer")
    sam = helper.client("sam", "sales")
    comment = _post(
        sam, ticket["id"], "@rita please check; @olga FYI; @ivan @tom @nobody; mail me@x.org"
    )
    assert comment.status_code == 201, comment.json()
    assert [m["username"] for m in comment.json()["mentions"]] == ["rita"]
    # Unknown names stay as they were written.
    assert comment.json()["body"].endswith("@ivan @tom @nobody; mail me@x.org")
    assert _mention_deliveries(helper) == [f"rita@{helper.slug}.example"]
    assert _mention_deliveries(second_company) == []


def test_an_internal_note_mentions_only_ticket_admins(refund):
    helper, ticket = refund
    helper.user("rita", "reviewer")
    helper.user("tess", "ticket_admin")
    boss = helper.client("boss", "ticket_admin")
    note = _post(boss, ticket["id"], "@rita @tess see this", internal=True).json()
    assert [m["username"] for m in note["mentions"]] == ["tess"]


def test_mentions_are_announced_once_and_an_edit_tells_only_the_newly_mentioned(refund, caplog):
    helper, ticket = refund
    _with_email(helper, "rita", "reviewer")
    _with_email(helper, "tess", "ticket_admin")
    sam = helper.client("sam", "sales")
    with caplog.at_level(logging.INFO, logger="ticketflower.discussions.services"):
        comment = _post(sam, ticket["id"], "@rita and @rita again").json()
        edited = sam.patch(
            _url(ticket["id"], comment["id"]), {"body": "@rita and @tess"}, format="json"
        )
    assert [m["username"] for m in edited.json()["mentions"]] == ["rita", "tess"]
    assert _mention_deliveries(helper) == [
        f"rita@{helper.slug}.example",
        f"tess@{helper.slug}.example",
    ]
    announced = [r.getMessage() for r in caplog.records if "mentions" in r.getMessage()]
    assert announced == [
        f"comment {comment['id']} on ticket {ticket['id']} mentions rita",
        f"comment {comment['id']} on ticket {ticket['id']} mentions tess",
    ]


def test_a_comment_on_a_task_must_be_of_that_ticket_and_the_list_filters_by_task(refund):
    helper, ticket = refund
    boss = helper.client("boss", "ticket_admin")
    task = boss.get(f"/api/v1/tasks/?ticket={ticket['id']}").json()["results"][0]
    on_task = _post(boss, ticket["id"], "About the review", task=task["id"])
    assert on_task.status_code == 201 and on_task.json()["task"] == task["id"]
    _post(boss, ticket["id"], "About the ticket")
    other = _submit(helper.client("sam", "sales"), ticket["ticket_definition"], amount=1)
    for task_id in (task["id"], 999_999):
        wrong = _post(boss, other["id"], "Wrong task", task=task_id)
        assert wrong.status_code == 400
        assert wrong.json()["errors"] == [
            {"pointer": "/task", "message": f"Ticket {other['id']} has no task {task_id}."}
        ]
    only_task = _listed(boss, ticket["id"], f"?task={task['id']}")
    assert [c["body"] for c in only_task] == ["About the review"]
    assert boss.get(_url(ticket["id"]) + "?task=x").status_code == 400


@pytest.mark.parametrize(
    "body",
    ["", "   ", "\n\t", "x" * 10_001, None, 5, ["a"]],
    ids=["empty", "spaces", "whitespace", "too-long", "null", "number", "list"],
)
def test_a_blank_too_long_or_not_text_body_is_refused_at_body(refund, body):
    helper, ticket = refund
    answer = _post(helper.client("sam", "sales"), ticket["id"], body)
    assert answer.status_code == 400
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/body"]
    assert _comment_count(helper) == 0


def test_a_body_of_exactly_ten_thousand_characters_is_kept_whole(refund):
    helper, ticket = refund
    body = "y" * 10_000
    answer = _post(helper.client("sam", "sales"), ticket["id"], body)
    assert answer.status_code == 201 and answer.json()["body"] == body


def test_unknown_fields_and_a_non_boolean_internal_are_refused_at_their_pointer(refund):
    helper, ticket = refund
    sam = helper.client("sam", "sales")
    unknown = _post(sam, ticket["id"], "hi", author=1)
    assert unknown.status_code == 400
    assert [e["pointer"] for e in unknown.json()["errors"]] == ["/author"]
    odd = _post(sam, ticket["id"], "hi", internal="maybe")
    assert [e["pointer"] for e in odd.json()["errors"]] == ["/internal"]
    assert _comment_count(helper) == 0


def test_the_author_edits_within_fifteen_minutes_and_nobody_deletes(refund):
    from ticketflower.discussions.models import Comment

    helper, ticket = refund
    sam = helper.client("sam", "sales")
    rita = helper.client("rita", "reviewer")
    boss = helper.client("boss", "ticket_admin")
    comment = _post(sam, ticket["id"], "Teh receipt").json()
    url = _url(ticket["id"], comment["id"])
    fixed = sam.patch(url, {"body": "The receipt"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["edited_at"]
    assert fixed.json()["created_at"] == comment["created_at"]
    for other in (rita, boss):
        refused = other.patch(url, {"body": "mine now"}, format="json")
        assert refused.status_code == 403 and refused.json()["type"] == "permission_denied"
    blank = sam.patch(url, {"body": " "}, format="json")
    assert blank.status_code == 400 and blank.json()["errors"][0]["pointer"] == "/body"
    for client in (sam, boss):
        assert client.delete(url).status_code == 405
        assert client.put(url, {"body": "x"}, format="json").status_code == 405
    with schema_context(helper.slug):
        Comment.objects.filter(pk=comment["id"]).update(
            created_at=timezone.now() - timedelta(minutes=15, seconds=1)
        )
    late = sam.patch(url, {"body": "again"}, format="json")
    assert late.status_code == 409
    assert late.json()["errors"][0]["pointer"] == "/body"
    assert sam.get(url).json()["body"] == "The receipt"


def test_another_company_cannot_list_read_post_or_edit_on_a_ticket_id_of_ours(
    refund, second_company
):
    helper, ticket = refund
    sam = helper.client("sam", "sales")
    mine = _post(sam, ticket["id"], "ours").json()
    theirs = second_company.client("boss", "ticket_admin")
    for answer in (
        theirs.get(_url(ticket["id"])),
        _post(theirs, ticket["id"], "hello from B"),
        theirs.get(_url(ticket["id"], mine["id"])),
        theirs.patch(_url(ticket["id"], mine["id"]), {"body": "x"}, format="json"),
    ):
        assert answer.status_code == 404
    # Ids come from each company's own sequences: B's first ticket has A's ticket's id,
    # and what B writes there stays on B's ticket.
    b_ticket = _submit(theirs, install(second_company, review_bundle())["tickets"][0]["id"])
    assert b_ticket["id"] == ticket["id"]
    assert _post(theirs, b_ticket["id"], "hello from B").status_code == 201
    assert [c["body"] for c in _listed(theirs, b_ticket["id"])] == ["hello from B"]
    assert [c["body"] for c in _listed(sam, ticket["id"])] == ["ours"]
