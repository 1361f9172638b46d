"""Conditions and bundle locations in words (kernel/wording.py)."""

import pytest

from kernel.wording import condition_text, location

REFUND = {
    "and": [
        {">": [{"var": "amount"}, 500]},
        {"==": [{"var": "policy_ok"}, True]},
        {"or": [{"<=": [{"var": "amount"}, 500]}, {"==": [{"var": "decision"}, "yes"]}]},
    ]
}


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (None, "always"),
        (REFUND, 'amount > 500 and policy_ok == true and (amount <= 500 or decision == "yes")'),
        ({"!": {"missing": ["a", "b"]}}, "none missing of a, b"),
        ({"missing": ["a"]}, "missing one of a"),
        ({"<": [0, {"var": "x"}, 10]}, "0 < x < 10"),
        ({"!": {"var": "done"}}, "not done"),
        ({"in": ["vip", {"var": "tags"}]}, '"vip" in tags'),
        ({"var": ["tier", 1]}, "tier"),
        ({"if": [{"var": "a"}, 1, 2]}, "if a then 1 else 2"),
        ({"max": [{"var": "a"}, 3]}, "max(a, 3)"),
        ({"==": [{"+": [{"var": "a"}, 1]}, 2]}, "(a + 1) == 2"),
    ],
)
def test_a_condition_reads_as_words(expr, text):
    assert condition_text(expr) == text


def test_a_pointer_names_the_part_by_its_title():
    bundle = {"tasks": [{"title": "Check"}, {"title": "Approve"}], "tickets": [{}]}
    assert location(bundle, "/tasks/1/condition/and/0") == "task 'Approve' → condition → and → 0"
    assert location(bundle, "/tickets/0/fields") == "ticket type #1 → fields"
    assert location(bundle, "/tasks/7/title") == "task #8 → title"
    assert location(bundle, "/workflow/fields_schema") == "workflow → fields_schema"
    assert location(bundle, "") == "the bundle"
    assert location("not a bundle", "/a~1b") == "a/b"
