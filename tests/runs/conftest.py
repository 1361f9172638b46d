"""Fixtures of the run tests."""

from __future__ import annotations

import pytest

from tests.runs.support import ROLES, Runner, example, install


@pytest.fixture
def run_example(alpha):
    """Install an example in alpha; returns (Runner, scenarios)."""

    def make(name: str) -> tuple[Runner, list[tuple[str, dict]]]:
        bundle, scenarios = example(name)
        return Runner(alpha, install(alpha, bundle), ROLES[name]), scenarios

    return make


@pytest.fixture
def expense(alpha):
    """The simple expense workflow in alpha: a Runner whose submitter holds `staff`."""
    from tests.runs.support import simple_bundle

    return Runner(alpha, install(alpha, simple_bundle()), "staff")
