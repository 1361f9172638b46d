"""A company never sees or changes another company's definitions, even by id."""

from __future__ import annotations

import pytest

from tests.definitions.data import sample_bundle


@pytest.fixture
def alpha_workflow(designer):
    answer = designer.post("/api/v1/workflows/import/", sample_bundle(), format="json")
    return answer.json()


def test_beta_cannot_reach_alphas_definitions_by_id(alpha_workflow, beta):
    client = beta.client("designer", "workflow_creator")
    w = alpha_workflow["id"]
    # Ids come from per-schema sequences: make sure beta has no rows with these ids.
    for url in (
        f"/api/v1/workflows/{w}/",
        f"/api/v1/workflows/{w}/bundle/",
        f"/api/v1/workflows/{w}/analysis/",
        f"/api/v1/task-definitions/{alpha_workflow['tasks'][0]['id']}/",
        f"/api/v1/completions/{alpha_workflow['completions'][0]['id']}/",
        f"/api/v1/ticket-definitions/{alpha_workflow['tickets'][0]['id']}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/api/v1/workflows/{w}/activate/").status_code == 404
    assert client.delete(f"/api/v1/workflows/{w}/").status_code == 404
    assert client.get("/api/v1/workflows/").json()["count"] == 0
    assert client.get(f"/api/v1/task-definitions/?workflow={w}").json()["count"] == 0
    body = {
        "workflow": w,
        "title": "x",
        "task_type": "FORM",
        "input_fields": [],
        "output_fields": [],
    }
    answer = client.post("/api/v1/task-definitions/", body, format="json")
    assert answer.status_code == 400  # no such workflow in beta
    assert answer.json()["errors"][0]["pointer"] == "/workflow"


def test_alphas_token_means_nothing_on_betas_host(alpha, beta, alpha_workflow):
    client = beta.anonymous()
    client.credentials(HTTP_AUTHORIZATION=f"Token {alpha.token('designer', 'workflow_creator')}")
    assert client.get("/api/v1/workflows/").status_code == 401
