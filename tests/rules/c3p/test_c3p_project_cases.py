"""Runs the YAML cases of the C3P project after adoption (tests/rules/cases/c3p_project.yaml)
and checks every ``c3pproject.*`` message code renders in both languages and is produced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from renkei.errors import RenkeiError
from renkei.rules._result import LANGS, Finding, catalogue
from renkei.rules._yaml import load_yaml_text
from renkei.rules.c3p import C3pRulebook
from renkei.rules.c3p.project import (
    ExpenseLine,
    check_activity_date,
    check_change,
    check_contract,
    check_phase,
    check_settlement,
    next_year,
    rulebook_for_year,
)

FILE = Path(__file__).resolve().parents[1] / "cases" / "c3p_project.yaml"
CASES = load_yaml_text(FILE.read_text(encoding="utf-8"), FILE.name)


def _day(value: Any) -> dt.date | None:
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _settlement(b: C3pRulebook, i: dict[str, Any]) -> tuple[Finding, ...]:
    lines = [
        ExpenseLine(
            category=line["category"],
            description=line["description"],
            amount_jpy=line["amount_jpy"],
            unit_price_jpy=line.get("unit_price_jpy"),
            spent_on=_day(line.get("spent_on")),
        )
        for line in i["lines"]
    ]
    return check_settlement(
        b,
        lines,
        contract_amount_jpy=i["contract_amount_jpy"],
        fiscal_year=i.get("fiscal_year", 2025),
        earlier_settled_incl_tax_jpy=i.get("earlier_settled_incl_tax_jpy", 0),
    ).findings


def _rulebook(_b: C3pRulebook, i: dict[str, Any]) -> dict[str, Any]:
    book, note = rulebook_for_year(i["fiscal_year"])
    return {"rulebook": {"id": book.id, "carried": note is not None}}


FUNCTIONS: dict[str, Callable[[C3pRulebook, dict[str, Any]], Any]] = {
    "contract": lambda b, i: check_contract(b, **i),
    "change": lambda b, i: check_change(new_amount_jpy=i.pop("new_amount_jpy", None), **i),
    "settlement": _settlement,
    "date": lambda b, i: check_activity_date(
        i["fiscal_year"], _day(i["day"]), _day(i.get("signed_on")), what=i["what"]
    ),
    "next_year": lambda b, i: next_year(b, **i).finding,
    "phase": lambda b, i: check_phase(b, i["phase"], i["year_in_phase"]),
    "rulebook": _rulebook,
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
            for n in f.notes:
                assert n.message(lang)
        PRODUCED.add(f.code)
        PRODUCED.update(n.code for n in f.notes)
        out.setdefault(f.check, {**f.params, "status": str(f.status), "code": f.code})
    return out


def test_cases_file_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert case["function"] in FUNCTIONS, case["name"]
        assert ("output" in case) != ("error" in case), case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any], book: C3pRulebook) -> None:
    run = FUNCTIONS[case["function"]]
    if "error" in case:
        with pytest.raises(RenkeiError, match=case["error"]):
            run(book, dict(case["input"]))
        return
    observed = _observed(run(book, dict(case["input"])))
    for key, expected in case["output"].items():
        assert key in observed, f"{key} not in result (got {sorted(observed)})"
        for field, value in expected.items():
            assert observed[key][field] == value, f"{key}.{field}: {observed[key][field]!r}"
    for key in case.get("absent", []):
        assert key not in observed


def test_the_carried_rulebook_says_so_in_both_languages() -> None:
    _book, note = rulebook_for_year(2026)
    assert note is not None
    assert "FY2026" in note.message("en") and "c3p/fy2025" in note.message("en")
    assert "2026年度" in note.message("ja")
    PRODUCED.add(note.code)


def test_every_project_code_is_produced_by_a_case(book: C3pRulebook) -> None:
    for case in CASES:  # run them all here too, so the order of tests does not matter
        if "output" in case:
            _observed(FUNCTIONS[case["function"]](book, dict(case["input"])))
    PRODUCED.add("c3pproject.note.rulebook_carried")  # the test above renders it
    unused = {c for c in catalogue() if c.startswith("c3pproject.")} - PRODUCED
    assert not unused, f"catalogued but produced by no case: {sorted(unused)}"
