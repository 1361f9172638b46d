"""`ticketflower validate|analyze|simulate` as a user runs them: a subprocess, JSON on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "ticketflower"
EXAMPLES = ROOT / "examples"
EXAMPLE_NAMES = ("order_fulfilment", "it_support", "refund_approval")


def cli(*args: str, stdin: str | None = None) -> tuple[int, object, str]:
    done = subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, input=stdin, cwd=ROOT, timeout=60
    )
    assert "Traceback" not in done.stderr
    out = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, out, done.stderr


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_validate_example_exits_0_with_empty_problem_list(example):
    assert cli("validate", str(EXAMPLES / example / "bundle.json"))[:2] == (0, [])


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_analyze_example_prints_findings_as_json(example):
    code, out, _ = cli("analyze", str(EXAMPLES / example / "bundle.json"))
    assert code == 0 and isinstance(out, list)
    assert all({"kind", "level", "pointer", "message"} <= set(f) for f in out)


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_simulate_example_prints_the_trace(example):
    code, out, _ = cli(
        "simulate",
        str(EXAMPLES / example / "bundle.json"),
        str(EXAMPLES / example / "scenario.json"),
    )
    assert code == 0
    assert out["status"] == "COMPLETED"
    assert list(out) == ["status", "completion", "iterations", "tasks", "errors"]


def test_invalid_bundle_exits_1_with_problems(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "x", "workflow": {"title": "W"}}))
    for command in (
        ["validate", str(bad)],
        ["analyze", str(bad)],
        ["simulate", str(bad), str(bad)],
    ):
        code, out, _ = cli(*command)
        assert code == 1
        assert {p["pointer"] for p in out} >= {"/format", "/workflow/fields_schema"}


def test_scenario_error_still_exits_0(tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"ticket": {"title": "Nope", "fields": {}}, "steps": []}))
    code, out, _ = cli("simulate", str(EXAMPLES / "it_support" / "bundle.json"), str(scenario))
    assert code == 0 and out["status"] == "SCENARIO_ERROR" and "Nope" in out["message"]


@pytest.mark.parametrize("content", ["{", "", "[1,", "\x00"])
def test_malformed_json_is_a_problem_and_exit_1(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, out, _ = cli("validate", str(bad))
    assert code == 1 and "not valid JSON" in out[0]["message"]


def test_unreadable_file_is_a_problem_and_exit_1(tmp_path):
    code, out, _ = cli("validate", str(tmp_path / "missing.json"))
    assert code == 1 and "cannot read" in out[0]["message"]


def test_deeply_nested_json_file_is_a_problem_not_a_traceback(tmp_path):
    bad = tmp_path / "deep.json"
    bad.write_text("[" * 100_000 + "]" * 100_000)
    code, out, _ = cli("validate", str(bad))
    assert code == 1 and "nested too deeply" in out[0]["message"]


def test_bundle_from_stdin():
    text = (EXAMPLES / "order_fulfilment" / "bundle.json").read_text()
    assert cli("validate", "-", stdin=text)[:2] == (0, [])


def test_usage_error_exits_2():
    done = subprocess.run(
        [str(SCRIPT), "simulate", "only-one.json"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "usage" in done.stderr


def test_bundle_commands_do_not_import_django():
    code = (
        "import sys; from ticketflower.cli import main; "
        "rc = main(['validate', 'examples/it_support/bundle.json']); "
        "assert 'django' not in sys.modules, 'django imported'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
