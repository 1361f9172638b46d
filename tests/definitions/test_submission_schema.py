"""Ticket definitions carry the JSON Schema of a submission, for forms and clients."""

import jsonschema

from tests.runs.support import example, install


def test_submitter_sees_a_submission_schema_that_checks_submissions(alpha):
    bundle, scenarios = example("order_fulfilment")
    install(alpha, bundle)
    seller = alpha.client("sally", "sales")
    answer = seller.get("/api/v1/ticket-definitions/")
    assert answer.status_code == 200
    (ticket,) = answer.json()["results"]
    schema = ticket["submission_schema"]
    assert set(schema["properties"]) == set(ticket["fields"])
    assert schema["additionalProperties"] is False
    fields = dict(scenarios)["scenario"]["ticket"]["fields"]
    jsonschema.validate(fields, schema)
    bad = dict(fields, not_a_ticket_field=1)
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)


def test_submission_schema_keeps_defs_so_references_resolve(alpha):
    bundle = {
        "format": "ticketflower.bundle/v1",
        "workflow": {"title": "Refs", "fields_schema": {
            "type": "object",
            "$defs": {"money": {"type": "number", "minimum": 0}},
            "properties": {"amount": {"$ref": "#/$defs/money"}, "ok": {"type": "boolean"}}}},
        "tasks": [], "completions": [],
        "tickets": [{"title": "Claim", "fields": ["amount"]}],
    }  # fmt: skip
    workflow = install(alpha, bundle)
    designer = alpha.client("designer", "workflow_creator")
    ticket = designer.get(f"/api/v1/ticket-definitions/{workflow['tickets'][0]['id']}/").json()
    validator = jsonschema.Draft202012Validator(ticket["submission_schema"])
    assert validator.is_valid({"amount": 3})
    assert not validator.is_valid({"amount": -1})
    assert not validator.is_valid({"ok": True})
