"""`ticketflower validate|analyze|simulate`: bundle commands, no database (docs/bundle-format.md).

Every outcome is JSON on stdout. Exit codes: 0 valid (or a simulation ran, SCENARIO_ERROR
included), 1 an invalid bundle or an unreadable / malformed file, 2 a usage error.
Never imports Django.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from kernel.analysis import analyze
from kernel.problems import InvalidBundle, Problem
from kernel.simulate import simulate
from plugins.bundles import compile_definition, validate_bundle


class _Unreadable(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _load(path: str, what: str) -> Any:
    """The JSON document at `path` ("-" for stdin); raises _Unreadable with a clear message."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(Problem("", f"cannot read {what} file {path!r}: {exc}")) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"{what} file {path!r} is not valid JSON: {exc.msg} at line {exc.lineno}"
        raise _Unreadable(Problem("", f"{message}, column {exc.colno}")) from None
    except RecursionError:
        raise _Unreadable(Problem("", f"{what} file {path!r} is nested too deeply")) from None


def _print(value: Any) -> None:
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False)
    except RecursionError:  # data parsed just under the limit, nested a few levels deeper
        text = json.dumps([{"pointer": "", "message": "the result is nested too deeply to print"}])
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `ticketflower simulate ... | head` is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _problems(problems: list[Problem]) -> int:
    _print([p.to_dict() for p in problems])
    return 1 if problems else 0


def _bundle_schema(args: argparse.Namespace) -> int:  # noqa: ARG001
    from kernel.bundle_schema import bundle_json_schema
    from plugins.bundles import initial_statuses

    _print(bundle_json_schema(initial_statuses()))
    return 0


def _validate(args: argparse.Namespace) -> int:
    try:
        bundle = _load(args.bundle, "bundle")
    except _Unreadable as exc:
        return _problems([exc.problem])
    return _problems(validate_bundle(bundle))


def _analyze(args: argparse.Namespace) -> int:
    try:
        definition = compile_definition(_load(args.bundle, "bundle"))
    except _Unreadable as exc:
        return _problems([exc.problem])
    except InvalidBundle as exc:
        return _problems(exc.problems)
    _print([finding.to_dict() for finding in analyze(definition)])
    return 0


def _simulate(args: argparse.Namespace) -> int:
    try:
        definition = compile_definition(_load(args.bundle, "bundle"))
        scenario = _load(args.scenario, "scenario")
    except _Unreadable as exc:
        return _problems([exc.problem])
    except InvalidBundle as exc:
        return _problems(exc.problems)
    _print(simulate(definition, scenario))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the bundle subcommands."""
    p = sub.add_parser("bundle-schema", help="print the bundle format as a JSON Schema")
    p.set_defaults(handler=_bundle_schema)

    p = sub.add_parser("validate", help="validate a bundle: the problems as JSON, exit 0/1")
    p.add_argument("bundle", help="the bundle JSON file ('-' for stdin)")
    p.set_defaults(handler=_validate)

    p = sub.add_parser("analyze", help="static analysis of a valid bundle: warnings as JSON")
    p.add_argument("bundle", help="the bundle JSON file ('-' for stdin)")
    p.set_defaults(handler=_analyze)

    p = sub.add_parser("simulate", help="run a scenario on a bundle: the trace as JSON")
    p.add_argument("bundle", help="the bundle JSON file")
    p.add_argument("scenario", help="the scenario JSON file ('-' for stdin)")
    p.set_defaults(handler=_simulate)
