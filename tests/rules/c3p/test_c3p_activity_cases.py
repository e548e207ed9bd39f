"""Runs the YAML cases of a C3P contract year's activities (tests/rules/cases/c3p_activity.yaml)
and checks every ``c3pactivity.*`` message code renders in both languages and is produced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from renkei.rules._result import LANGS, Finding, catalogue
from renkei.rules._yaml import load_yaml_text
from renkei.rules.c3p import C3pRulebook
from renkei.rules.c3p.activities import check_year_activities, contract_months, monthly_status

FILE = Path(__file__).resolve().parents[1] / "cases" / "c3p_activity.yaml"
CASES = load_yaml_text(FILE.read_text(encoding="utf-8"), FILE.name)


def _day(value: Any) -> dt.date | None:
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _months(_b: C3pRulebook, i: dict[str, Any]) -> dict[str, Any]:
    months = contract_months(i["fiscal_year"], _day(i.get("signed_on")))
    out: dict[str, Any] = {"count": len(months)}
    if months:
        out.update(first=months[0].strftime("%Y-%m"), last=months[-1].strftime("%Y-%m"))
    return {"months": out}


FUNCTIONS: dict[str, Callable[[C3pRulebook, dict[str, Any]], Any]] = {
    "year": lambda b, i: check_year_activities(
        b, done=i["done"], planned=i.get("planned"), months=i.get("months")
    ),
    "months": _months,
    "monthly": lambda b, i: monthly_status(
        _day(i["month"]), _day(i["today"]), i.get("due_day"), _day(i.get("received_on"))
    ),
}
PRODUCED: set[str] = set()


def _observed(result: Any) -> dict[str, dict[str, Any]]:
    if isinstance(result, dict):
        return result
    findings = [result] if isinstance(result, Finding) else list(result)
    out: dict[str, dict[str, Any]] = {}
    for f in findings:
        for lang in LANGS:
            assert f.message(lang)  # renders: every placeholder has its value
        PRODUCED.add(f.code)
        out.setdefault(f.check, {**f.params, "status": str(f.status), "code": f.code})
    return out


def test_cases_file_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert case["function"] in FUNCTIONS, case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any], book: C3pRulebook) -> None:
    observed = _observed(FUNCTIONS[case["function"]](book, dict(case["input"])))
    for key, expected in case["output"].items():
        assert key in observed, f"{key} not in result (got {sorted(observed)})"
        for field, value in expected.items():
            assert observed[key][field] == value, f"{key}.{field}: {observed[key][field]!r}"
    for key in case.get("absent", []):
        assert key not in observed


def test_every_table3_count_has_a_case_on_each_side(book: C3pRulebook) -> None:
    """Each item Table 3 counts (NC04–NC09 and the deliverables) is met by one case and below
    by another."""
    sides: dict[str, set[bool]] = {}
    for case in CASES:
        if case["function"] != "year":
            continue
        for key, values in case["output"].items():
            if "below" in values or values.get("code") == "c3pactivity.table3.met":
                sides.setdefault(key, set()).add(values.get("code") == "c3pactivity.table3.met")
            elif values.get("code", "").startswith("c3pactivity.table3.below"):
                sides.setdefault(key, set()).add(False)
    items = {f"c3pactivity.table3.{n}" for n in "1234567"}
    assert {k for k, v in sides.items() if v == {True, False}} == items


def test_every_activity_code_is_produced_by_a_case(book: C3pRulebook) -> None:
    for case in CASES:
        _observed(FUNCTIONS[case["function"]](book, dict(case["input"])))
    unused = {c for c in catalogue() if c.startswith("c3pactivity.")} - PRODUCED
    assert not unused, f"catalogued but produced by no case: {sorted(unused)}"
