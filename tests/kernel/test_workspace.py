"""Value checks of the workspace: a field's schema is applied within fields_schema only."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from kernel.workspace import field_checks


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        body = b'{"enum": ["FROM-THE-NETWORK"]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_reference_outside_fields_schema_is_never_fetched():
    server = HTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/schema.json"
        checks = field_checks({"type": "object", "properties": {"x": {"$ref": url}}})
        message = checks["x"]("abc")
    finally:
        server.shutdown()
        server.server_close()
    assert _Counting.hits == []
    assert message is not None and url in message
    assert "FROM-THE-NETWORK" not in message


def test_references_within_fields_schema_are_applied():
    schema = {
        "type": "object",
        "$defs": {"pos": {"type": "integer", "minimum": 0}},
        "properties": {"n": {"$ref": "#/$defs/pos"}},
    }
    check = field_checks(schema)["n"]
    assert check(3) is None
    assert "minimum" in check(-1) or "less than" in check(-1)


def test_a_stored_schema_with_a_bad_pattern_or_reference_gives_a_message_not_an_exception():
    checks = field_checks(
        {
            "type": "object",
            "properties": {
                "p": {"type": "string", "pattern": "["},
                "r": {"$ref": "#/$defs/missing"},
            },
        }
    )
    assert "pattern" in checks["p"]("abc")
    assert "/$defs/missing" in checks["r"]("abc")


def test_a_backtracking_pattern_is_answered_in_linear_time():
    # Python's re takes about a second at 24 characters here and doubles with each one:
    # 5,000 characters would never end. RE2 answers at once.
    checks = field_checks(
        {"type": "object", "properties": {"p": {"type": "string", "pattern": "^(a+)+$"}}}
    )
    assert "does not match" in checks["p"]("a" * 5000 + "!")
    assert checks["p"]("a" * 5000) is None


def test_pattern_keywords_keep_their_meaning_on_re2():
    schema = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z]{2}-\\d+$"},
            "tags": {
                "type": "object",
                "patternProperties": {"^x-": {"type": "integer"}},
                "additionalProperties": False,
            },
            "meta": {
                "type": "object",
                "properties": {"id": {}},
                "patternProperties": {"^n_": {"type": "number"}},
                "additionalProperties": {"type": "string"},
            },
        },
    }
    checks = field_checks(schema)
    assert checks["code"]("AB-12") is None
    assert "does not match" in checks["code"]("ab-12")
    assert checks["tags"]({"x-a": 1}) is None
    assert checks["tags"]({"x-a": "one"}) is not None
    assert "does not match any of the regexes" in checks["tags"]({"y": 1})
    assert checks["meta"]({"id": [], "n_a": 1.5, "other": "s"}) is None
    assert checks["meta"]({"n_a": "x"}) is not None
    assert checks["meta"]({"other": 1}) is not None


def test_a_root_schema_keyword_reached_through_a_reference_still_runs_patterns_on_re2():
    # jsonschema picks its validator class again at a `$schema`; a `$ref` to the root
    # would otherwise go back to Python's re (exponential on this value).
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"x": {"$ref": "#"}, "y": {"type": "string", "pattern": "^(a+)+$"}},
    }
    check = field_checks(schema)["x"]
    assert "does not match" in check({"y": "a" * 5000 + "!"})


def test_re2_keeps_jsonschemas_messages():
    checks = field_checks(
        {
            "type": "object",
            "properties": {
                "closed": {"type": "object", "additionalProperties": False},
                "named": {
                    "type": "object",
                    "patternProperties": {"^a": {}},
                    "additionalProperties": False,
                },
            },
        }
    )
    assert '("z" was unexpected)' in checks["closed"]({"z": 1})
    assert "were unexpected" in checks["closed"]({"y": 1, "z": 2})
    assert '"z" does not match any of the regexes' in checks["named"]({"z": 1})
