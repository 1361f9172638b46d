"""Ticket errors: listed with their tickets' visibility, reviewed and resolved by admins."""

from __future__ import annotations


def _stalled_ticket(expense):
    ticket = expense.submit({"amount": 300}).json()["id"]
    review = next(t for t in expense.tasks(ticket) if t["title"] == "Review")
    expense.admin.post(f"/api/v1/tasks/{review['id']}/cancel/")
    return ticket


def test_review_and_resolve(alpha, expense):
    ticket = _stalled_ticket(expense)
    errors = expense.submitter.get(f"/api/v1/ticket-errors/?ticket={ticket}").json()["results"]
    assert [(e["error_type"], e["error_status"]) for e in errors] == [
        ("WORKFLOW_TRANSITION", "NEW")
    ]
    error = errors[0]["id"]
    base = f"/api/v1/ticket-errors/{error}"
    assert expense.submitter.post(f"{base}/review/", {}, format="json").status_code == 403
    assert expense.admin.post(f"{base}/resolve/", {}, format="json").status_code == 400
    answer = expense.admin.post(f"{base}/review/", {"notes": "looking"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["error_status"] == "REVIEWED"
    assert answer.json()["reviewed_by"] == {"id": alpha.user("boss").pk, "username": "boss"}
    assert expense.admin.post(f"{base}/review/", {}, format="json").status_code == 409
    answer = expense.admin.post(f"{base}/resolve/", {"notes": "restarted by hand"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["error_status"] == "RESOLVED"
    assert answer.json()["resolution_notes"] == "restarted by hand"
    assert expense.admin.post(f"{base}/resolve/", {"notes": "x"}, format="json").status_code == 409
    resolved = expense.admin.get("/api/v1/ticket-errors/?error_status=RESOLVED").json()
    assert error in {e["id"] for e in resolved["results"]}


def test_errors_follow_ticket_visibility(alpha, beta, expense):
    ticket = _stalled_ticket(expense)
    error = expense.admin.get(f"/api/v1/ticket-errors/?ticket={ticket}").json()["results"][0]
    stranger = alpha.client("stranger", "sales")
    assert stranger.get("/api/v1/ticket-errors/").json()["results"] == []
    assert stranger.get(f"/api/v1/ticket-errors/{error['id']}/").status_code == 404
    assert stranger.post(f"/api/v1/ticket-errors/{error['id']}/review/").status_code == 404
    other = beta.client("boss", "ticket_admin")
    assert other.get(f"/api/v1/ticket-errors/{error['id']}/").status_code == 404
