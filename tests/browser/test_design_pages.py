"""The design pages in a real browser: a workflow creator fixes a bundle in the page,
tries a scenario, saves and activates; each example is drawn; a ticket's run shows on
its diagram; a reader without the designer's role sees no edit controls."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.browser.test_web_app import _login
from tests.runs.support import Runner, install, simple_bundle

pytestmark = pytest.mark.browser
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _three_mistakes() -> dict:
    bundle = simple_bundle()
    bundle["tasks"][0]["input_fields"] = ["amuont"]  # a typo
    bundle["tasks"][0]["condition"] = {"frobnicate": [1]}  # no such operator
    bundle["completions"][0]["completion_status"] = "FINISHED"  # not a status
    return bundle


def test_a_creator_fixes_a_bundle_in_the_page_tries_it_and_activates_it(
    committed_tenant, api_server, tab
):
    committed_tenant.user("maker", "workflow_creator")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page
    _login(tab, base, "maker")
    page.get_by_role("link", name="Workflows").click()
    page.get_by_role("link", name="upload or paste a bundle").click()
    page.get_by_label("…or write it here").fill(json.dumps(_three_mistakes(), indent=2))
    with page.expect_navigation():
        page.get_by_role("button", name="Save as draft").click()
    places = page.locator(".problems .where").all_inner_texts()
    assert "task 'Review' → input_fields → 0" in places
    assert "task 'Review' → condition" in places
    assert any(p.startswith("completion 'Done'") for p in places), places
    assert len(places) == 3, places
    tab.shot("three-problems")

    fixed = simple_bundle()
    page.get_by_label("…or write it here").fill(json.dumps(fixed, indent=2))
    scenario = {
        "ticket": {"title": "Expense claim", "fields": {"amount": 12}},
        "steps": [{"complete": "Review", "output": {"approved": False}}],
    }
    page.get_by_label("Scenario", exact=False).fill(json.dumps(scenario))
    with page.expect_navigation():
        page.get_by_role("button", name="Run the scenario").click()
    assert page.locator(".problems").count() == 0
    trace = page.locator(".trace")
    assert trace.locator("h2 .badge").inner_text() == "Cancelled"
    assert "by “Refused”" in trace.locator("h2").inner_text()
    assert "“Review” completed" in trace.locator(".timeline").inner_text()
    tab.shot("scenario-trace")

    with page.expect_navigation():
        page.get_by_role("button", name="Save as draft").click()
    assert page.locator("h1 .badge").inner_text() == "Draft"
    with page.expect_navigation():
        page.get_by_role("button", name="Activate").click()
    assert page.locator("h1 .badge").inner_text() == "Active"
    assert page.locator("svg.diagram g.node").count() == 5
    tab.shot("activated")


@pytest.mark.parametrize("name", ["it_support", "order_fulfilment", "refund_approval"])
def test_each_example_is_drawn(committed_tenant, api_server, tab, name):
    bundle = json.loads((EXAMPLES / name / "bundle.json").read_text())
    workflow = install(committed_tenant, bundle)
    committed_tenant.user("reader", "ticket_admin")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page
    _login(tab, base, "reader")
    page.goto(f"{base}/workflows/{workflow['id']}/")
    svg = page.locator("svg.diagram")
    parts = len(bundle["tasks"]) + len(bundle["completions"]) + len(bundle["tickets"])
    assert svg.locator("g.node").count() == parts
    titles = set(svg.locator("g.node").evaluate_all("els => els.map(e => e.dataset.title)"))
    assert {t["title"] for t in bundle["tasks"]} <= titles
    # Every box is inside the picture: nothing drawn off its edges.
    box = svg.evaluate(
        "s => { const b = s.getBBox(); const v = s.viewBox.baseVal;"
        " return [b.x, b.y, b.x + b.width, b.y + b.height, v.width, v.height]; }"
    )
    assert box[0] >= 0 and box[1] >= 0 and box[2] <= box[4] + 1 and box[3] <= box[5] + 1, box
    # The page is no wider than the phone: the picture scrolls inside its frame.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    tab.shot(f"diagram-{name}")


def test_a_tickets_diagram_shows_the_run_and_a_reader_has_no_edit_controls(
    committed_tenant, api_server, tab
):
    workflow = install(committed_tenant, simple_bundle())
    runner = Runner(committed_tenant, workflow, "staff")
    ticket = runner.submit({"amount": 3}).json()["id"]
    committed_tenant.user("reader", "ticket_admin")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page
    _login(tab, base, "reader")
    page.goto(f"{base}/tickets/{ticket}/")
    review = page.locator("svg.diagram g.node[data-title='Review']")
    assert review.get_attribute("data-state") == "active"
    assert (
        page.locator("svg.diagram g.node[data-title='Archive']").get_attribute("data-state")
        == "never"
    )
    tab.shot("ticket-run-diagram")
    page.goto(f"{base}/workflows/{workflow['id']}/")
    for name in ("Activate", "Archive", "New version"):
        assert page.get_by_role("button", name=name).count() == 0
    assert page.get_by_role("link", name="Edit", exact=True).count() == 0
    # The edit page itself refuses (asked with the session outside the page: an error
    # page would log a console error by design).
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    refused = httpx.get(
        f"http://127.0.0.1:{api_server}/workflows/{workflow['id']}/edit/",
        headers={"Host": committed_tenant.host},
        cookies=cookies,
    )
    assert refused.status_code == 403


def test_a_newcomer_designs_tries_and_activates_a_workflow_without_writing_a_bundle(
    committed_tenant, api_server, tab
):
    committed_tenant.user("maker", "workflow_creator")
    committed_tenant.user("someone", "staff")  # the company has a role named staff
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page
    _login(tab, base, "maker")
    page.get_by_role("link", name="Workflows").click()
    page.get_by_label("Title of a new, empty workflow").fill("Leave request")
    with page.expect_navigation():
        page.get_by_role("button", name="Create").click()

    # Its fields: typed rows, no JSON.
    rows = page.locator("fieldset.field-row")
    rows.nth(0).get_by_label("Name").fill("days")
    rows.nth(0).get_by_label("Type").select_option("integer")
    rows.nth(0).get_by_label("Required on submission").check()
    rows.nth(1).get_by_label("Name").fill("approved")
    rows.nth(1).get_by_label("Type").select_option("boolean")
    tab.shot("fields")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    def add(kind: str, fill) -> None:
        page.get_by_role("link", name=f"Add a {kind}").click()
        fill()
        with page.expect_navigation():
            page.get_by_role("button", name="Save").click()
        assert page.locator(".flash").inner_text().startswith("Added"), page.content()[:3000]

    def ticket_type() -> None:
        page.get_by_label("Title").fill("Leave")
        page.locator("fieldset", has_text="Asks for").get_by_label("days").check()
        page.locator("fieldset", has_text="Who may submit").get_by_label("staff").check()

    def task() -> None:
        page.get_by_label("Title").fill("Approve")
        page.locator("fieldset", has_text="Reads").get_by_label("days").check()
        page.locator("fieldset", has_text="Writes").get_by_label("approved").check()
        tab.shot("task-form")

    def completion(title: str, value: str, status: str) -> None:
        page.get_by_label("Title").fill(title)
        page.get_by_label("Ends the run as").select_option(status)
        page.locator("fieldset", has_text="Watches").get_by_label("approved").check()
        page.get_by_label("Condition").fill(f'{{"==": [{{"var": "approved"}}, {value}]}}')

    add("ticket type", ticket_type)
    add("task", task)
    add("completion", lambda: completion("Granted", "true", "COMPLETED"))
    add("completion", lambda: completion("Refused", "false", "CANCELLED"))
    assert page.locator("svg.diagram g.node").count() == 4
    tab.shot("designed")

    # Try it: submit through the ticket's form, complete the task through its form.
    page.get_by_role("link", name="Try it").click()
    page.get_by_label("Days").fill("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit the ticket").click()
    assert "task “Approve”: started" in page.locator(".timeline").inner_text()
    page.get_by_label("Approved").select_option("true")
    with page.expect_navigation():
        page.get_by_role("button", name="Complete “Approve”").click()
    assert page.locator(".trace h2 .badge").inner_text() == "Completed"
    assert "by “Granted”" in page.locator(".trace h2").inner_text()
    tab.shot("tried")

    page.get_by_role("link", name="Leave request").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Activate").click()
    assert page.locator("h1 .badge").inner_text() == "Active"
