"""The bundle ↔ model mapping follows the kernel's format: one column per bundle key."""

from __future__ import annotations

from kernel.validation import COMPLETION_KEYS, TASK_KEYS, TICKET_KEYS, WORKFLOW_KEYS
from ticketflower.definitions import bundles


def test_every_bundle_key_has_a_column_and_every_column_a_key():
    assert bundles.WORKFLOW_FIELDS == WORKFLOW_KEYS
    assert bundles.SECTIONS["tasks"][1] == TASK_KEYS
    assert bundles.SECTIONS["completions"][1] == COMPLETION_KEYS
    assert bundles.SECTIONS["tickets"][1] == TICKET_KEYS


def test_every_stored_definition_column_is_a_bundle_key():
    """A column added to a definition model without its key in the kernel's format would be
    lost on export: every editable column is either a key or bookkeeping."""
    from ticketflower.definitions.models import WorkflowDefinition

    bookkeeping = {"id", "created_at", "updated_at", "created_by", "workflow", "position",
                   "status", "version", "lineage", "previous_version"}  # fmt: skip
    models = [(WorkflowDefinition, bundles.WORKFLOW_FIELDS)] + list(bundles.SECTIONS.values())
    for model, keys in models:
        columns = {f.name for f in model._meta.concrete_fields}
        assert columns - bookkeeping == set(keys), model


def test_every_key_is_a_field_of_its_model():
    from ticketflower.definitions.models import WorkflowDefinition

    names = {f.name for f in WorkflowDefinition._meta.get_fields()}
    assert set(bundles.WORKFLOW_FIELDS) <= names
    for model, keys in bundles.SECTIONS.values():
        assert set(keys) <= {f.name for f in model._meta.get_fields()}
