"""Fixtures of the workflow design API tests: clients by role, imported workflows."""

from __future__ import annotations

import pytest

from tests.definitions.data import sample_bundle


@pytest.fixture
def designer(alpha):
    """An API client of a workflow_creator of company alpha."""
    return alpha.client("designer", "workflow_creator")


@pytest.fixture
def imported(designer):
    """Import docs/bundle-format.md's example into alpha; returns the created workflow's detail."""

    def run(bundle: dict | None = None) -> dict:
        answer = designer.post(
            "/api/v1/workflows/import/", bundle or sample_bundle(), format="json"
        )
        assert answer.status_code == 201, answer.json()
        return answer.json()

    return run


@pytest.fixture
def imported_once(imported):
    """docs/bundle-format.md's example imported into alpha (a DRAFT); its detail."""
    return imported()
