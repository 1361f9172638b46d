"""Bundles and scenarios of the workflow design API tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/bundle.json"))

# docs/bundle-format.md's example bundle.
SAMPLE = {
    "format": "ticketflower.bundle/v1",
    "workflow": {
        "title": "Order fulfilment",
        "description": "optional",
        "ext_ref": [{"label": "Handbook", "desc": "optional", "uri": "https://example.com/h"}],
        "fields_schema": {
            "type": "object",
            "properties": {
                "items": {"type": "array"},
                "quote": {"type": "number"},
                "approved": {"type": "boolean"},
                "shipped": {"type": "boolean"},
            },
        },
        "max_iterations": 1000,
        "display_layout": None,
    },
    "tasks": [
        {
            "title": "Quote",
            "task_type": "SYNC_ACTION",
            "input_fields": ["items"],
            "output_fields": ["quote"],
            "condition": None,
            "action_url": "https://pricing.example.com/quote",
            "timeout_seconds": 10,
            "input_transform": {"lines": {"var": "items"}},
            "output_transform": {"quote": {"var": "body.total"}},
        },
        {
            "title": "Approve",
            "task_type": "FORM",
            "input_fields": ["quote"],
            "output_fields": ["approved"],
            "condition": {">": [{"var": "quote"}, 100]},
        },
        {
            "title": "Ship",
            "task_type": "ASYNC_ACTION",
            "input_fields": ["approved", "quote"],
            "output_fields": ["shipped"],
            "condition": {
                "or": [{"==": [{"var": "approved"}, True]}, {"<=": [{"var": "quote"}, 100]}]
            },
            "action_url": "https://warehouse.example.com/ship",
        },
    ],
    "completions": [
        {
            "title": "Delivered",
            "completion_status": "COMPLETED",
            "fields": ["shipped"],
            "condition": {"==": [{"var": "shipped"}, True]},
        },
        {
            "title": "Rejected",
            "completion_status": "CANCELLED",
            "fields": ["approved"],
            "condition": {"==": [{"var": "approved"}, False]},
        },
    ],
    "tickets": [{"title": "Order", "fields": ["items"], "company_role_access": ["sales"]}],
}
SAMPLE_SCENARIO = {
    "ticket": {"title": "Order", "fields": {"items": [{"sku": "A", "qty": 2}]}},
    "steps": [
        {"complete": "Quote", "output": {"quote": 250}},
        {"complete": "Approve", "output": {"approved": True}},
        {"complete": "Ship", "output": {"shipped": True}},
    ],
}


def sample_bundle() -> dict:
    """A fresh copy of docs/bundle-format.md's example, free to mutate."""
    return copy.deepcopy(SAMPLE)


def example_bundle(name: str) -> dict:
    return json.loads((ROOT / "examples" / name / "bundle.json").read_text())


def example_scenario(name: str) -> dict:
    return json.loads((ROOT / "examples" / name / "scenario.json").read_text())
