"""Every case of the vendored JsonLogic conformance suites, run against our evaluator.

The suites (tests/plugins/jsonlogic_suites, see SOURCES.txt) are JSON lists; strings are
comments; a case is {"description", "rule", "data"?, "result"} or {..., "error": {...}}.
A case with a result passes when check() finds no problem and the compiled rule returns
that result (JSON equality: true is not 1, 1 is 1.0). A case with an error passes when
check() rejects the rule or evaluation raises ExpressionError (error types are not
compared: ours are messages).

compatible.json (the shared suite json-logic-js passes) must pass fully. The other
suites also cover the newer community spec, which json-logic-js (our reference) does not
follow; each case we fail is listed below with why, as a strict xfail: the test fails if
a listed case starts passing or an unlisted one fails, so the score cannot drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kernel.expressions import ExpressionError
from plugins.jsonlogic import EVALUATOR

SUITES = Path(__file__).parent / "jsonlogic_suites"

# --- Why a case fails (see docs/jsonlogic.md, "Conformance") --------------------------
NEW_OPERATOR = (
    "operator of the newer community spec (val, ??, exists, try, throw), not in "
    "json-logic-js: check() rejects it as unknown"
)
DYNAMIC_ARGS = (
    "newer spec spreads an operation's array result into the arguments (and adds "
    "`preserve`); json-logic-js passes that array as one argument"
)
EXTRA_ARGS = (
    "newer spec makes this operator variadic or a lazy chain; json-logic-js ignores the "
    "extra arguments, so check() rejects them as ambiguous"
)
FEW_ARGS = (
    "newer spec gives this a value (unary / is 1/x, * of nothing is 1, and/or of nothing "
    "is false); json-logic-js gives NaN, a TypeError or null: check() rejects it"
)
NAN_IS_AN_ERROR = (
    "newer spec makes a NaN operand an error; json-logic-js (and we) coerce as "
    "JavaScript does ([1] is 1) or compare false"
)
INVALID_ARGS_ERROR = (
    "newer spec makes a non-array or null argument an error; json-logic-js wraps it as "
    "the only argument or returns []"
)
NULL_EQUALS_ZERO = "newer spec says null == 0; JavaScript (json-logic-js, and we) says false"

KNOWN_FAILURES: dict[str, str] = {
    # arithmetic/plus.json
    "arithmetic/plus.json#24": NEW_OPERATOR,
    "arithmetic/plus.json#26": NAN_IS_AN_ERROR,
    "arithmetic/plus.json#30": NAN_IS_AN_ERROR,
    # arithmetic/plus.extra.json
    "arithmetic/plus.extra.json#0": DYNAMIC_ARGS,
    "arithmetic/plus.extra.json#1": DYNAMIC_ARGS,
    "arithmetic/plus.extra.json#2": DYNAMIC_ARGS,
    # arithmetic/multiply.json
    "arithmetic/multiply.json#15": FEW_ARGS,
    "arithmetic/multiply.json#25": NEW_OPERATOR,
    "arithmetic/multiply.json#28": NAN_IS_AN_ERROR,
    # arithmetic/multiply.extra.json
    "arithmetic/multiply.extra.json#0": DYNAMIC_ARGS,
    "arithmetic/multiply.extra.json#1": DYNAMIC_ARGS,
    "arithmetic/multiply.extra.json#2": DYNAMIC_ARGS,
    # arithmetic/minus.json
    "arithmetic/minus.json#3": EXTRA_ARGS,
    "arithmetic/minus.json#4": EXTRA_ARGS,
    "arithmetic/minus.json#5": EXTRA_ARGS,
    "arithmetic/minus.json#6": EXTRA_ARGS,
    "arithmetic/minus.json#7": EXTRA_ARGS,
    "arithmetic/minus.json#20": NEW_OPERATOR,
    "arithmetic/minus.json#22": NAN_IS_AN_ERROR,
    # arithmetic/minus.extra.json
    "arithmetic/minus.extra.json#1": DYNAMIC_ARGS,
    "arithmetic/minus.extra.json#2": DYNAMIC_ARGS,
    # arithmetic/divide.json
    "arithmetic/divide.json#3": EXTRA_ARGS,
    "arithmetic/divide.json#4": EXTRA_ARGS,
    "arithmetic/divide.json#6": EXTRA_ARGS,
    "arithmetic/divide.json#8": EXTRA_ARGS,
    "arithmetic/divide.json#10": FEW_ARGS,
    "arithmetic/divide.json#12": FEW_ARGS,
    "arithmetic/divide.json#14": FEW_ARGS,
    "arithmetic/divide.json#15": FEW_ARGS,
    "arithmetic/divide.json#16": FEW_ARGS,
    "arithmetic/divide.json#17": FEW_ARGS,
    "arithmetic/divide.json#19": FEW_ARGS,
    "arithmetic/divide.json#20": FEW_ARGS,
    "arithmetic/divide.json#22": FEW_ARGS,
    "arithmetic/divide.json#26": NEW_OPERATOR,
    "arithmetic/divide.json#29": NAN_IS_AN_ERROR,
    # arithmetic/divide.extra.json
    "arithmetic/divide.extra.json#1": DYNAMIC_ARGS,
    "arithmetic/divide.extra.json#2": DYNAMIC_ARGS,
    # arithmetic/modulo.json
    "arithmetic/modulo.json#5": EXTRA_ARGS,
    "arithmetic/modulo.json#6": EXTRA_ARGS,
    "arithmetic/modulo.json#10": EXTRA_ARGS,
    "arithmetic/modulo.json#27": NEW_OPERATOR,
    "arithmetic/modulo.json#29": NAN_IS_AN_ERROR,
    # comparison/greaterThan.json
    "comparison/greaterThan.json#0": EXTRA_ARGS,
    "comparison/greaterThan.json#1": EXTRA_ARGS,
    "comparison/greaterThan.json#2": NEW_OPERATOR,
    "comparison/greaterThan.json#16": NAN_IS_AN_ERROR,
    "comparison/greaterThan.json#24": NAN_IS_AN_ERROR,
    "comparison/greaterThan.json#31": NAN_IS_AN_ERROR,
    "comparison/greaterThan.json#32": NAN_IS_AN_ERROR,
    "comparison/greaterThan.json#33": NAN_IS_AN_ERROR,
    "comparison/greaterThan.json#34": NAN_IS_AN_ERROR,
    # comparison/greaterThanEquals.json
    "comparison/greaterThanEquals.json#0": EXTRA_ARGS,
    "comparison/greaterThanEquals.json#1": EXTRA_ARGS,
    "comparison/greaterThanEquals.json#2": NEW_OPERATOR,
    "comparison/greaterThanEquals.json#16": NAN_IS_AN_ERROR,
    "comparison/greaterThanEquals.json#17": NAN_IS_AN_ERROR,
    "comparison/greaterThanEquals.json#24": NAN_IS_AN_ERROR,
    "comparison/greaterThanEquals.json#25": NAN_IS_AN_ERROR,
    "comparison/greaterThanEquals.json#26": NAN_IS_AN_ERROR,
    "comparison/greaterThanEquals.json#27": NAN_IS_AN_ERROR,
    # comparison/lessThan.json
    "comparison/lessThan.json#1": NEW_OPERATOR,
    "comparison/lessThan.json#16": NAN_IS_AN_ERROR,
    "comparison/lessThan.json#34": NAN_IS_AN_ERROR,
    "comparison/lessThan.json#41": NAN_IS_AN_ERROR,
    "comparison/lessThan.json#42": NAN_IS_AN_ERROR,
    "comparison/lessThan.json#43": NAN_IS_AN_ERROR,
    "comparison/lessThan.json#44": NAN_IS_AN_ERROR,
    # comparison/lessThanEquals.json
    "comparison/lessThanEquals.json#0": NEW_OPERATOR,
    "comparison/lessThanEquals.json#1": NAN_IS_AN_ERROR,
    "comparison/lessThanEquals.json#9": NAN_IS_AN_ERROR,
    "comparison/lessThanEquals.json#16": NAN_IS_AN_ERROR,
    "comparison/lessThanEquals.json#17": NAN_IS_AN_ERROR,
    "comparison/lessThanEquals.json#18": NAN_IS_AN_ERROR,
    "comparison/lessThanEquals.json#19": NAN_IS_AN_ERROR,
    # comparison/softEquals.json
    "comparison/softEquals.json#0": EXTRA_ARGS,
    "comparison/softEquals.json#1": EXTRA_ARGS,
    "comparison/softEquals.json#2": NEW_OPERATOR,
    "comparison/softEquals.json#16": NAN_IS_AN_ERROR,
    "comparison/softEquals.json#24": NAN_IS_AN_ERROR,
    "comparison/softEquals.json#27": NULL_EQUALS_ZERO,
    "comparison/softEquals.json#31": NAN_IS_AN_ERROR,
    "comparison/softEquals.json#32": NAN_IS_AN_ERROR,
    "comparison/softEquals.json#33": NAN_IS_AN_ERROR,
    "comparison/softEquals.json#34": NAN_IS_AN_ERROR,
    # comparison/softNotEquals.json
    "comparison/softNotEquals.json#0": EXTRA_ARGS,
    "comparison/softNotEquals.json#1": NEW_OPERATOR,
    "comparison/softNotEquals.json#15": NAN_IS_AN_ERROR,
    "comparison/softNotEquals.json#23": NAN_IS_AN_ERROR,
    "comparison/softNotEquals.json#26": NULL_EQUALS_ZERO,
    "comparison/softNotEquals.json#30": NAN_IS_AN_ERROR,
    "comparison/softNotEquals.json#31": NAN_IS_AN_ERROR,
    "comparison/softNotEquals.json#32": NAN_IS_AN_ERROR,
    "comparison/softNotEquals.json#33": NAN_IS_AN_ERROR,
    # comparison/strictEquals.json
    "comparison/strictEquals.json#0": EXTRA_ARGS,
    "comparison/strictEquals.json#1": EXTRA_ARGS,
    "comparison/strictEquals.json#2": NEW_OPERATOR,
    # comparison/strictNotEquals.json
    "comparison/strictNotEquals.json#0": EXTRA_ARGS,
    "comparison/strictNotEquals.json#1": NEW_OPERATOR,
    # control/and.json
    "control/and.json#21": FEW_ARGS,
    "control/and.json#23": INVALID_ARGS_ERROR,
    "control/and.json#25": NEW_OPERATOR,
    "control/and.json#26": NEW_OPERATOR,
    "control/and.json#27": NEW_OPERATOR,
    # control/if.json
    "control/if.json#7": NEW_OPERATOR,
    "control/if.json#48": INVALID_ARGS_ERROR,
    "control/if.json#50": NEW_OPERATOR,
    "control/if.json#51": NEW_OPERATOR,
    "control/if.json#52": NEW_OPERATOR,
    "control/if.json#53": NEW_OPERATOR,
    # control/or.json
    "control/or.json#5": FEW_ARGS,
    "control/or.json#19": INVALID_ARGS_ERROR,
    "control/or.json#21": NEW_OPERATOR,
    "control/or.json#22": NEW_OPERATOR,
    "control/or.json#23": NEW_OPERATOR,
    # array/map.json
    "array/map.json#9": INVALID_ARGS_ERROR,
    "array/map.json#10": INVALID_ARGS_ERROR,
    # array/filter.json
    "array/filter.json#9": INVALID_ARGS_ERROR,
    "array/filter.json#10": INVALID_ARGS_ERROR,
    # array/all.json
    "array/all.json#8": INVALID_ARGS_ERROR,
    "array/all.json#9": INVALID_ARGS_ERROR,
    # array/some.json
    "array/some.json#8": INVALID_ARGS_ERROR,
    "array/some.json#9": INVALID_ARGS_ERROR,
    # array/none.json
    "array/none.json#8": INVALID_ARGS_ERROR,
    "array/none.json#9": INVALID_ARGS_ERROR,
    # truthiness.json
    "truthiness.json#12": NEW_OPERATOR,
    "truthiness.json#13": NEW_OPERATOR,
    "truthiness.json#14": NEW_OPERATOR,
    "truthiness.json#15": NEW_OPERATOR,
    # additional.json
    "additional.json#1": NEW_OPERATOR,
    "additional.json#2": NEW_OPERATOR,
    "additional.json#3": NEW_OPERATOR,
    "additional.json#4": NEW_OPERATOR,
    # coalesce.json
    "coalesce.json#1": NEW_OPERATOR,
    "coalesce.json#2": NEW_OPERATOR,
    "coalesce.json#3": NEW_OPERATOR,
    "coalesce.json#4": NEW_OPERATOR,
    "coalesce.json#5": NEW_OPERATOR,
    "coalesce.json#6": NEW_OPERATOR,
    "coalesce.json#7": NEW_OPERATOR,
    "coalesce.json#8": NEW_OPERATOR,
    "coalesce.json#9": NEW_OPERATOR,
    "coalesce.json#10": NEW_OPERATOR,
    "coalesce.json#11": NEW_OPERATOR,
    "coalesce.json#12": NEW_OPERATOR,
    "coalesce.json#13": NEW_OPERATOR,
    "coalesce.json#14": NEW_OPERATOR,
    "coalesce.json#15": NEW_OPERATOR,
    # chained.json
    "chained.json#3": NEW_OPERATOR,
    "chained.json#4": DYNAMIC_ARGS,
    "chained.json#5": NEW_OPERATOR,
    "chained.json#6": NEW_OPERATOR,
    "chained.json#7": NEW_OPERATOR,
    # iterators.extra.json
    "iterators.extra.json#18": INVALID_ARGS_ERROR,
    "iterators.extra.json#19": INVALID_ARGS_ERROR,
    "iterators.extra.json#20": INVALID_ARGS_ERROR,
    # exists.json
    "exists.json#1": NEW_OPERATOR,
    "exists.json#2": NEW_OPERATOR,
    "exists.json#3": NEW_OPERATOR,
    "exists.json#4": NEW_OPERATOR,
    "exists.json#5": NEW_OPERATOR,
    "exists.json#6": NEW_OPERATOR,
    "exists.json#7": NEW_OPERATOR,
    "exists.json#8": NEW_OPERATOR,
    # scopes.json
    "scopes.json#1": NEW_OPERATOR,
    "scopes.json#2": NEW_OPERATOR,
    "scopes.json#3": NEW_OPERATOR,
    "scopes.json#5": NEW_OPERATOR,
    # try.json
    "try.json#1": NEW_OPERATOR,
    "try.json#2": NEW_OPERATOR,
    "try.json#3": NEW_OPERATOR,
    "try.json#11": NEW_OPERATOR,
    "try.json#12": NEW_OPERATOR,
    "try.json#13": NEW_OPERATOR,
    "try.json#14": NEW_OPERATOR,
    "try.json#15": NEW_OPERATOR,
    "try.json#16": NEW_OPERATOR,
    "try.json#17": NEW_OPERATOR,
    # try.extra.json
    "try.extra.json#1": NEW_OPERATOR,
    # val.json
    "val.json#1": NEW_OPERATOR,
    "val.json#2": NEW_OPERATOR,
    "val.json#3": NEW_OPERATOR,
    "val.json#4": NEW_OPERATOR,
    "val.json#5": NEW_OPERATOR,
    "val.json#6": NEW_OPERATOR,
    "val.json#7": NEW_OPERATOR,
    "val.json#8": NEW_OPERATOR,
    "val.json#9": NEW_OPERATOR,
    "val.json#10": NEW_OPERATOR,
    "val.json#11": NEW_OPERATOR,
    "val.json#12": NEW_OPERATOR,
    "val.json#13": NEW_OPERATOR,
    # val.extra.json
    "val.extra.json#1": NEW_OPERATOR,
    "val.extra.json#2": NEW_OPERATOR,
    "val.extra.json#3": NEW_OPERATOR,
    # val-compat.json
    "val-compat.json#1": NEW_OPERATOR,
    "val-compat.json#2": NEW_OPERATOR,
    "val-compat.json#3": NEW_OPERATOR,
    "val-compat.json#4": NEW_OPERATOR,
    "val-compat.json#5": NEW_OPERATOR,
    "val-compat.json#6": NEW_OPERATOR,
    "val-compat.json#7": NEW_OPERATOR,
    "val-compat.json#8": NEW_OPERATOR,
    "val-compat.json#9": NEW_OPERATOR,
    "val-compat.json#10": NEW_OPERATOR,
    "val-compat.json#11": NEW_OPERATOR,
    "val-compat.json#12": NEW_OPERATOR,
    "val-compat.json#13": NEW_OPERATOR,
    "val-compat.json#14": NEW_OPERATOR,
    "val-compat.json#15": NEW_OPERATOR,
    "val-compat.json#16": NEW_OPERATOR,
    "val-compat.json#17": NEW_OPERATOR,
    "val-compat.json#18": NEW_OPERATOR,
    "val-compat.json#19": NEW_OPERATOR,
    "val-compat.json#20": NEW_OPERATOR,
    "val-compat.json#21": NEW_OPERATOR,
    "val-compat.json#22": NEW_OPERATOR,
    "val-compat.json#23": NEW_OPERATOR,
    "val-compat.json#24": NEW_OPERATOR,
    "val-compat.json#25": NEW_OPERATOR,
    "val-compat.json#26": NEW_OPERATOR,
    "val-compat.json#27": NEW_OPERATOR,
    "val-compat.json#28": NEW_OPERATOR,
    "val-compat.json#29": NEW_OPERATOR,
    "val-compat.json#30": NEW_OPERATOR,
    "val-compat.json#31": NEW_OPERATOR,
    "val-compat.json#32": NEW_OPERATOR,
    "val-compat.json#33": NEW_OPERATOR,
    "val-compat.json#34": NEW_OPERATOR,
    "val-compat.json#35": NEW_OPERATOR,
    "val-compat.json#36": NEW_OPERATOR,
    "val-compat.json#37": NEW_OPERATOR,
    "val-compat.json#38": NEW_OPERATOR,
    "val-compat.json#39": NEW_OPERATOR,
    "val-compat.json#40": NEW_OPERATOR,
    "val-compat.json#41": NEW_OPERATOR,
    "val-compat.json#42": NEW_OPERATOR,
    "val-compat.json#43": NEW_OPERATOR,
    "val-compat.json#44": NEW_OPERATOR,
    "val-compat.json#45": NEW_OPERATOR,
    "val-compat.json#46": NEW_OPERATOR,
    "val-compat.json#47": NEW_OPERATOR,
    "val-compat.json#48": NEW_OPERATOR,
    "val-compat.json#49": NEW_OPERATOR,
    "val-compat.json#50": NEW_OPERATOR,
    "val-compat.json#51": NEW_OPERATOR,
    "val-compat.json#52": NEW_OPERATOR,
    "val-compat.json#53": NEW_OPERATOR,
    "val-compat.json#54": NEW_OPERATOR,
    "val-compat.json#55": NEW_OPERATOR,
    "val-compat.json#56": NEW_OPERATOR,
    "val-compat.json#57": NEW_OPERATOR,
    "val-compat.json#58": NEW_OPERATOR,
    "val-compat.json#59": NEW_OPERATOR,
    "val-compat.json#60": NEW_OPERATOR,
}


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def suite_files() -> list[str]:
    return json.loads((SUITES / "index.json").read_text())


def suite_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for name in suite_files():
        for index, case in enumerate(json.loads((SUITES / name).read_text())):
            if isinstance(case, dict):
                cases.append((f"{name}#{index}", case))
    return cases


def outcome(case: dict[str, Any]) -> tuple[bool, str]:
    """(passed, what happened)."""
    problems = EVALUATOR.check(case["rule"])
    if problems:
        return "error" in case, f"check: {problems}"
    try:
        result = EVALUATOR.compile(case["rule"])(case.get("data"))
    except ExpressionError as exc:
        return "error" in case, f"ExpressionError: {exc}"
    if "error" in case:
        return False, f"returned {result!r}, expected an error"
    return _json_equal(result, case["result"]), f"returned {result!r}"


def _params():
    for case_id, case in suite_cases():
        marks = []
        if case_id in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[case_id]))
        yield pytest.param(case, id=case_id, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_conformance(case):
    passed, detail = outcome(case)
    expected = case.get("result", case.get("error"))
    assert passed, f"{case.get('description')}: {detail}; expected {expected!r}"


def test_known_failures_name_existing_cases():
    ids = {case_id for case_id, _ in suite_cases()}
    assert set(KNOWN_FAILURES) <= ids


def test_compatible_suite_has_no_known_failures():
    assert not [case_id for case_id in KNOWN_FAILURES if case_id.startswith("compatible.json")]


def test_every_suite_file_is_indexed():
    on_disk = {str(p.relative_to(SUITES)) for p in SUITES.rglob("*.json")} - {"index.json"}
    assert on_disk == set(suite_files())
