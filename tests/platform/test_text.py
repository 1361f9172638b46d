"""Strings PostgreSQL cannot store: found with their pointers, or repaired for messages."""

from ticketflower.postgresql.text import storable, text_problems


def test_storable_replaces_nul_and_unpaired_surrogates_with_the_replacement_character():
    assert storable("a\x00b\ud800c") == "a\ufffdb\ufffdc"
    assert storable("plain é 😀") == "plain é 😀"


def test_text_problems_point_at_values_and_keys():
    found = dict(text_problems({"a": ["ok", "x\x00"], "k\ud800": 1}, "/body"))
    assert set(found) == {"/body/a/1", "/body/k\\ud800"}
    assert found["/body/k\\ud800"].startswith("Key: ")
    assert text_problems({"a": "x\x00"}, nul=False) == []
