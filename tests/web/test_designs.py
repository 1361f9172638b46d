"""The definitions and design pages with Django's test client: who may read and change,
problems shown at their place, the diagram's structure, nothing stored on a bad save."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django_tenants.utils import schema_context

from tests.runs.support import install, simple_bundle
from tests.web.test_pages import csrf, login

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SVG = "{http://www.w3.org/2000/svg}"


def _svg(html: str) -> ElementTree.Element:
    match = re.search(r"<svg class=\"diagram\".*?</svg>", html, re.S)
    assert match, "no diagram on the page"
    return ElementTree.fromstring(match.group(0))


def _post(client, url: str, data: dict, page: str = "/workflows/"):
    """POST as the browser does, with the CSRF token of a page the user sees."""
    return client.post(url, {**data, "csrfmiddlewaretoken": csrf(client, page)})


@pytest.mark.parametrize("name", ["it_support", "order_fulfilment", "refund_approval"])
def test_each_example_is_drawn_with_a_node_per_part_and_the_arrows_its_fields_imply(alpha, name):
    bundle = json.loads((EXAMPLES / name / "bundle.json").read_text())
    workflow = install(alpha, bundle)
    client = login(alpha, "reader", "ticket_admin")
    page = client.get(f"/workflows/{workflow['id']}/")
    assert page.status_code == 200
    svg = _svg(page.content.decode())
    nodes = {
        g.get("data-node"): g.get("data-title") for g in svg.iter(f"{SVG}g") if g.get("data-node")
    }
    expected = {f"task:{i}": t["title"] for i, t in enumerate(bundle["tasks"])}
    expected |= {f"completion:{i}": c["title"] for i, c in enumerate(bundle["completions"])}
    expected |= {f"ticket:{i}": t["title"] for i, t in enumerate(bundle["tickets"])}
    assert nodes == expected
    edges = {
        (g.get("data-from"), g.get("data-to"), g.get("data-fields"))
        for g in svg.iter(f"{SVG}g")
        if g.get("data-from")
    }
    # The arrows the bundle implies: every writer of a field to every subscriber of it.
    writers = [(f"ticket:{i}", t["fields"]) for i, t in enumerate(bundle["tickets"])]
    writers += [(f"task:{i}", t["output_fields"]) for i, t in enumerate(bundle["tasks"])]
    readers = [(f"task:{i}", t["input_fields"]) for i, t in enumerate(bundle["tasks"])]
    readers += [(f"completion:{i}", c["fields"]) for i, c in enumerate(bundle["completions"])]
    implied = {
        (w, r, ",".join(f for f in reads if f in writes))
        for r, reads in readers
        for w, writes in writers
        if set(reads) & set(writes)
    }
    assert edges == implied


def test_a_loop_is_drawn_as_a_back_arrow(alpha):
    bundle = json.loads((EXAMPLES / "it_support" / "bundle.json").read_text())
    workflow = install(alpha, bundle)
    client = login(alpha, "reader", "ticket_admin")
    svg = _svg(client.get(f"/workflows/{workflow['id']}/").content.decode())
    back = [g for g in svg.iter(f"{SVG}g") if "back" in (g.get("class") or "").split()]
    assert back, "the escalation loop has no back arrow"


def test_the_workflow_page_lists_fields_tasks_with_readable_conditions_and_versions(alpha):
    bundle = json.loads((EXAMPLES / "refund_approval" / "bundle.json").read_text())
    workflow = install(alpha, bundle)
    client = login(alpha, "reader", "ticket_admin")
    text = client.get(f"/workflows/{workflow['id']}/").content.decode()
    assert "when amount &gt; 500 and fraud_score &lt; 70 and policy_ok == true" in text
    assert "<code>fraud_score</code>" in text and "version 1" in text
    listing = client.get("/workflows/").content.decode()
    assert "Refund approval" in listing or bundle["workflow"]["title"] in listing


def test_staff_get_403_on_every_definitions_page_and_see_no_link(alpha):
    workflow = install(alpha, simple_bundle())
    staff = login(alpha, "clerk", "staff")
    task = workflow["tasks"][0]["id"]
    at = f"/workflows/{workflow['id']}"
    for url in ("/workflows/", f"{at}/", "/workflows/new/", f"{at}/edit/", f"{at}/simulate/",
                f"{at}/bundle.json", f"/definitions/tasks/{task}/"):  # fmt: skip
        assert staff.get(url).status_code == 403, url
    assert 'href="/workflows/"' not in staff.get("/inbox/").content.decode()


def test_a_ticket_admin_reads_but_sees_no_edit_controls_and_gets_403_on_changes(alpha):
    workflow = install(alpha, simple_bundle())
    reader = login(alpha, "reader", "ticket_admin")
    page = reader.get(f"/workflows/{workflow['id']}/").content.decode()
    assert "Activate" not in page and "New version" not in page and "/edit/" not in page
    assert reader.get("/workflows/new/").status_code == 403
    token = csrf(reader, f"/workflows/{workflow['id']}/")
    answer = reader.post(f"/workflows/{workflow['id']}/archive/", {"csrfmiddlewaretoken": token})
    assert answer.status_code == 403


def test_upload_shows_each_problem_at_its_place_and_stores_nothing(alpha):
    from ticketflower.definitions.models import WorkflowDefinition

    designer = login(alpha, "maker", "workflow_creator")
    bundle = simple_bundle()
    bundle["tasks"][0]["input_fields"] = ["no_such_field"]
    bundle["tasks"][0]["condition"] = {"frobnicate": [1]}
    bundle["completions"][0]["completion_status"] = "MAYBE"
    answer = _post(designer, "/workflows/new/", {"bundle": json.dumps(bundle), "action": "save"})
    assert answer.status_code == 200
    text = answer.content.decode()
    title = bundle["tasks"][0]["title"]
    places = re.findall(r'<strong class="where">([^<]*)</strong>', text)
    assert f"task &#x27;{title}&#x27; → input_fields → 0" in places
    assert f"task &#x27;{title}&#x27; → condition" in places
    assert any(p.startswith("completion &#x27;") and "completion_status" in p for p in places)
    with schema_context(alpha.slug):
        assert not WorkflowDefinition.objects.exists()


def test_not_json_is_said_with_its_line(alpha):
    designer = login(alpha, "maker", "workflow_creator")
    answer = _post(
        designer, "/workflows/new/", {"bundle": '{\n  "format": ,\n}', "action": "check"}
    )
    assert "Not JSON" in answer.content.decode() and "line 2" in answer.content.decode()


def test_a_designer_checks_simulates_saves_activates_and_downloads(alpha):
    from ticketflower.definitions.models import WorkflowDefinition

    designer = login(alpha, "maker", "workflow_creator")
    bundle = simple_bundle()
    scenario = {
        "ticket": {"title": bundle["tickets"][0]["title"], "fields": {"amount": 5}},
        "steps": [{"complete": bundle["tasks"][0]["title"], "output": {"approved": True}}],
    }
    form = {"bundle": json.dumps(bundle), "scenario": json.dumps(scenario), "action": "simulate"}
    tried = _post(designer, "/workflows/new/", form)
    text = tried.content.decode()
    assert 'data-status="IN_PROGRESS"' in text and "task “Archive”: started" in text
    saved = _post(designer, "/workflows/new/", {"bundle": json.dumps(bundle), "action": "save"})
    assert saved.status_code == 302
    with schema_context(alpha.slug):
        workflow = WorkflowDefinition.objects.get()
    assert workflow.status == "DRAFT" and saved["Location"] == f"/workflows/{workflow.pk}/"
    activated = _post(designer, f"/workflows/{workflow.pk}/activate/", {})
    assert activated.status_code == 302
    workflow.refresh_from_db()
    assert workflow.status == "ACTIVE"
    download = designer.get(f"/workflows/{workflow.pk}/bundle.json")
    assert "attachment" in download["Content-Disposition"]
    assert json.loads(download.content)["tasks"][0]["title"] == bundle["tasks"][0]["title"]
    # An active workflow is not edited in place: a new version is.
    assert designer.get(f"/workflows/{workflow.pk}/edit/").status_code == 302
    copy = _post(designer, f"/workflows/{workflow.pk}/new-version/", {})
    with schema_context(alpha.slug):
        draft = WorkflowDefinition.objects.get(version=2)
    assert copy["Location"] == f"/workflows/{draft.pk}/"
    assert designer.get(f"/workflows/{draft.pk}/edit/").status_code == 200


def test_another_companys_workflow_is_not_found(alpha, beta):
    workflow = install(beta, simple_bundle())
    designer = login(alpha, "maker", "workflow_creator")
    for url in (f"/workflows/{workflow['id']}/", f"/workflows/{workflow['id']}/bundle.json",
                f"/definitions/tasks/{workflow['tasks'][0]['id']}/"):  # fmt: skip
        assert designer.get(url).status_code == 404, url


def test_part_pages_show_layout_source_without_running_it(alpha):
    bundle = simple_bundle()
    bundle["tasks"][0]["display_layout"] = "<script>alert(1)</script><b>{{ amount }}</b>"
    workflow = install(alpha, bundle)
    reader = login(alpha, "reader", "ticket_admin")
    page = reader.get(f"/definitions/tasks/{workflow['tasks'][0]['id']}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_a_tickets_page_shows_the_run_on_the_diagram_to_readers_only(alpha):
    from tests.runs.support import Runner

    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 3}).json()["id"]
    reader = login(alpha, "reader", "ticket_admin")
    svg = _svg(reader.get(f"/tickets/{ticket}/").content.decode())
    states = {
        g.get("data-title"): g.get("data-state") for g in svg.iter(f"{SVG}g") if g.get("data-node")
    }
    assert states == {
        "Expense claim": "done", "Review": "active", "Archive": "never",
        "Done": "never", "Refused": "never",
    }  # fmt: skip
    submitter = login(alpha, "submitter", "staff")  # the ticket's own submitter
    own_page = submitter.get(f"/tickets/{ticket}/")
    assert own_page.status_code == 200
    assert '<svg class="diagram"' not in own_page.content.decode()


def test_two_versions_are_compared_line_by_line(alpha):
    from ticketflower.definitions.models import WorkflowDefinition

    workflow = install(alpha, simple_bundle())
    designer = login(alpha, "maker", "workflow_creator")
    _post(designer, f"/workflows/{workflow['id']}/new-version/", {})
    with schema_context(alpha.slug):
        draft = WorkflowDefinition.objects.get(version=2)
    bundle = simple_bundle()
    bundle["tasks"][0]["title"] = "Check the receipt"
    edited = _post(
        designer, f"/workflows/{draft.pk}/edit/", {"bundle": json.dumps(bundle), "action": "save"}
    )
    assert edited.status_code == 302
    page = designer.get(f"/workflows/{draft.pk}/compare/{workflow['id']}/").content.decode()
    assert '<span class="del">-      &quot;title&quot;: &quot;Review&quot;,</span>' in page
    assert (
        '<span class="add">+      &quot;title&quot;: &quot;Check the receipt&quot;,</span>' in page
    )


def _formset(rows: list[dict]) -> dict:
    data = {"field-TOTAL_FORMS": str(len(rows)), "field-INITIAL_FORMS": "0",
            "field-MIN_NUM_FORMS": "0", "field-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, row in enumerate(rows):
        data |= {f"field-{i}-{k}": v for k, v in row.items()}
    return data


def test_a_designer_builds_a_workflow_from_nothing_with_forms(alpha):
    from ticketflower.definitions.models import WorkflowDefinition

    alpha.user("someone", "staff")  # the company has a role named staff
    designer = login(alpha, "maker", "workflow_creator")
    created = _post(designer, "/workflows/new-empty/", {"title": "Leave request"})
    with schema_context(alpha.slug):
        workflow = WorkflowDefinition.objects.get()
    assert created["Location"] == f"/workflows/{workflow.pk}/settings/"
    settings = {"title": "Leave request", "description": "", "max_iterations": "50"}
    rows = [{"name": "days", "kind": "integer", "description": "Working days", "required": "on"},
            {"name": "approved", "kind": "boolean"}, {"name": ""}]  # fmt: skip
    saved = _post(designer, f"/workflows/{workflow.pk}/settings/", settings | _formset(rows))
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    at = f"/workflows/{workflow.pk}/add"
    answers = [
        _post(designer, f"{at}/tickets/", {"title": "Leave", "fields": ["days"],
                                           "company_role_access": ["staff"]}),
        _post(designer, f"{at}/tasks/", {"title": "Approve", "task_type": "FORM",
                                         "input_fields": ["days"], "output_fields": ["approved"],
                                         "roles": ["staff"]}),
        _post(designer, f"{at}/completions/", {
            "title": "Granted", "completion_status": "COMPLETED", "fields": ["approved"],
            "condition": '{"==": [{"var": "approved"}, true]}'}),
    ]  # fmt: skip
    assert [a.status_code for a in answers] == [302, 302, 302]
    activated = _post(designer, f"/workflows/{workflow.pk}/activate/", {})
    assert activated.status_code == 302
    exported = json.loads(designer.get(f"/workflows/{workflow.pk}/bundle.json").content)
    assert exported["workflow"]["fields_schema"] == {
        "type": "object",
        "properties": {"days": {"type": "integer", "description": "Working days"},
                       "approved": {"type": "boolean"}},
        "required": ["days"],
    }  # fmt: skip
    assert exported["tasks"][0]["roles"] == ["staff"]
    assert exported["completions"][0]["condition"] == {"==": [{"var": "approved"}, True]}
    workflow.refresh_from_db()
    assert workflow.status == "ACTIVE"


def test_a_part_forms_problems_show_at_the_control(alpha):
    workflow = install(alpha, simple_bundle())
    designer = login(alpha, "maker", "workflow_creator")
    draft_answer = _post(designer, f"/workflows/{workflow['id']}/new-version/", {})
    draft = int(draft_answer["Location"].strip("/").split("/")[-1])
    bad = _post(designer, f"/workflows/{draft}/add/tasks/", {
        "title": "Review", "task_type": "FORM", "condition": '{"nope": 1}'})  # fmt: skip
    assert bad.status_code == 200
    text = bad.content.decode()
    # A title taken, an operator unknown: each under its own control.
    assert re.search(r"id_title.*?already has a task", text, re.S)
    assert re.search(r"id_condition.*?unknown operator", text, re.S)
    not_json = _post(designer, f"/workflows/{draft}/add/tasks/", {
        "title": "X", "task_type": "FORM", "condition": "{oops"})  # fmt: skip
    assert "Not JSON" in not_json.content.decode()


def test_an_active_workflows_parts_are_not_edited_in_place(alpha):
    workflow = install(alpha, simple_bundle())
    designer = login(alpha, "maker", "workflow_creator")
    task = workflow["tasks"][0]["id"]
    answer = _post(
        designer, f"/definitions/tasks/{task}/edit/", {"title": "Changed", "task_type": "FORM"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"/definitions/tasks/{task}/"
    with schema_context(alpha.slug):
        from ticketflower.definitions.models import TaskDefinition

        assert TaskDefinition.objects.get(pk=task).title == "Review"


def test_an_uploaded_scenario_file_is_run_on_a_stored_workflow(alpha):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bundle = json.loads((EXAMPLES / "refund_approval" / "bundle.json").read_text())
    workflow = install(alpha, bundle)
    reader = login(alpha, "reader", "ticket_admin")
    scenario = (EXAMPLES / "refund_approval" / "scenario.json").read_bytes()
    url = f"/workflows/{workflow['id']}/simulate/"
    answer = reader.post(url, {
        "csrfmiddlewaretoken": csrf(reader, url),
        "file": SimpleUploadedFile("scenario.json", scenario, "application/json"),
    })  # fmt: skip
    text = answer.content.decode()
    assert 'data-status="COMPLETED"' in text and "by “Refunded”" in text
    assert "“Issue refund” completed" in text
