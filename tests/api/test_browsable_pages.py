"""The browsable API's pages speak the domain's words, open action pages on their form,
and serve everything they need (Swagger UI and ReDoc included) from the service."""

from __future__ import annotations

import re

import pytest


def _html(client, url: str):
    answer = client.get(url, HTTP_ACCEPT="text/html")
    return answer, answer.content.decode()


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


@pytest.fixture
def ticket(alpha):
    from tests.runs.support import Runner, install, simple_bundle

    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    return runner, runner.submit({"amount": 3}).json()


def test_page_titles_use_the_domains_words(alpha, ticket):
    runner, body = ticket
    admin = runner.admin
    designer = alpha.client("designer", "workflow_creator")
    expected = {
        "/api/v1/workflows/": "Workflow definitions – TicketFlower",
        f"/api/v1/workflows/{runner.workflow['id']}/": "Workflow definition – TicketFlower",
        f"/api/v1/tickets/{body['id']}/": "Ticket – TicketFlower",
        f"/api/v1/tasks/{body['tasks'][0]['id']}/claim/": "Task: claim – TicketFlower",
        "/api/v1/workflows/import/": "Workflow definitions: import bundle – TicketFlower",
        "/api/v1/": "TicketFlower API – TicketFlower",
    }
    for url, title in expected.items():
        client = designer if "workflows" in url else admin
        answer, html = _html(client, url)
        assert answer.status_code == 200, (url, answer.status_code)
        assert _title(html) == title
        assert "Instance" not in _title(html)


def test_the_api_root_is_branded_and_links_the_docs_and_main_actions(alpha):
    client = alpha.client("someone")
    links = client.get("/api/v1/").json()
    for key in ("docs", "redoc", "schema", "me", "my_tasks", "claimable_tasks", "tickets"):
        assert links[key].startswith("http://alpha.localhost/"), key
    assert links["my_tasks"].endswith("/api/v1/tasks/?assigned=me")
    _, html = _html(client, "/api/v1/")
    assert '<a class="navbar-brand" href="/api/v1/">TicketFlower</a>' in html
    assert "Django REST framework" not in html


def test_an_action_page_opens_on_its_form_not_on_a_405(ticket):
    runner, body = ticket
    task = body["tasks"][0]["id"]
    answer, html = _html(runner.admin, f"/api/v1/tasks/{task}/complete/")
    assert answer.status_code == 200
    assert "405" not in html and "not allowed" not in html.lower()
    assert 'name="output"' in html
    # A program asking GET still learns the method is wrong.
    assert runner.admin.get(f"/api/v1/tasks/{task}/complete/").status_code == 405


def test_the_files_page_has_a_file_input(alpha):
    _, html = _html(alpha.client("someone"), "/api/v1/files/")
    assert re.search(r'<input[^>]*type="file"[^>]*name="file"', html) or re.search(
        r'<input[^>]*name="file"[^>]*type="file"', html
    )


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_swagger_ui_and_redoc_load_every_asset_from_the_service(alpha, url):
    client = alpha.anonymous()
    answer, html = _html(client, url)
    assert answer.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads no asset"
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), f"{asset} is not local"
        if asset.startswith("/static/"):
            served = client.get(asset)
            assert served.status_code == 200, asset
            b"".join(served.streaming_content) if served.streaming else served.content
