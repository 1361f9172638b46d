"""Property: whatever JSON replaces any part of a bundle, import, validation and the
part endpoints answer in the error shape or succeed — never a 500, never half-stored."""

from __future__ import annotations

import copy

from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.definitions.data import sample_bundle
from ticketflower.definitions.models import TaskDefinition, WorkflowDefinition

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


PATHS = [p for p in _paths(sample_bundle()) if p]


def _mutated(path, value, delete):
    bundle = sample_bundle()
    target = bundle
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = copy.deepcopy(value)
    return bundle


def _check(answer):
    assert answer.status_code < 500
    if answer.status_code >= 400:
        body = answer.json()
        assert set(body) == {"type", "detail", "errors", "request_id"}
        assert body["errors"]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), value=JSON, delete=st.booleans())
def test_import_of_a_mutated_bundle_is_all_or_nothing(designer, path, value, delete):
    bundle = _mutated(path, value, delete)
    with schema_context("alpha"):
        before = (WorkflowDefinition.objects.count(), TaskDefinition.objects.count())
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    _check(answer)
    with schema_context("alpha"):
        after = (WorkflowDefinition.objects.count(), TaskDefinition.objects.count())
    if answer.status_code == 201:
        assert after == (before[0] + 1, before[1] + len(bundle.get("tasks") or []))
    else:
        assert after == before
    report = designer.post("/api/v1/bundles/validate/", bundle, format="json")
    assert report.status_code == 200
    assert report.json()["valid"] == (answer.status_code == 201)


TASK_KEYS = ["title", "task_type", "input_fields", "output_fields", "condition", "action_url",
             "timeout_seconds", "input_transform", "output_transform", "ext_ref", "position",
             "description", "workflow"]  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from(TASK_KEYS), value=JSON)
def test_a_task_field_of_any_json_value_is_never_a_500(designer, imported_once, key, value):
    workflow = imported_once
    task = workflow["tasks"][1]
    _check(designer.patch(f"/api/v1/task-definitions/{task['id']}/", {key: value}, format="json"))
    body = {"workflow": workflow["id"], "title": "Fuzz", "task_type": "FORM",
            "input_fields": ["items"], "output_fields": [], key: value}  # fmt: skip
    _check(designer.post("/api/v1/task-definitions/", body, format="json"))
