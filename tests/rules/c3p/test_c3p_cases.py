"""Runs the YAML cases beside the rulebook (rulebooks/c3p/fy2025.cases.yaml)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from renkei.rules._result import Finding
from renkei.rules._yaml import load_yaml_text
from renkei.rules.c3p import (
    C3pRulebook,
    check_costs,
    contract_cap,
    score_ems,
    score_item,
    score_past_collaboration,
    score_targets,
    score_wlb,
)
from renkei.rules.c3p.proposal import Commitments, CostPlan


def _cases() -> list[dict[str, Any]]:
    path = resources.files("renkei.rules") / "rulebooks" / "c3p" / "fy2025.cases.yaml"
    return load_yaml_text(path.read_text(encoding="utf-8"), "fy2025.cases.yaml")


CASES = _cases()


def _number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def _cost_plan(book: C3pRulebook, i: dict[str, Any]) -> tuple[list[Finding], dict[str, Any]]:
    findings, t = check_costs(CostPlan.model_validate(i), book)
    totals = {
        "pre_tax": t.pre_tax_jpy,
        "tax": t.tax_jpy,
        "total_incl_tax": t.total_incl_tax_jpy,
        "cap": t.cap_jpy,
    }
    return list(findings), {"totals": totals}


FUNCTIONS: dict[str, Callable[[C3pRulebook, dict[str, Any]], Any]] = {
    "score_item": lambda b, i: score_item(b, i["item"], _number(i["value"])),
    "score_past_collaboration": lambda b, i: score_past_collaboration(
        b, i["project_type"], i["count"]
    ),
    "score_ems": lambda b, i: score_ems(b, Commitments.model_validate(i)),
    "score_wlb": lambda b, i: score_wlb(b, tuple(i["certifications"]), i["full_time_employees"]),
    "score_targets": lambda b, i: score_targets(b, Commitments.model_validate(i)),
    "contract_cap": lambda b, i: contract_cap(
        b, i["total_incl_tax_jpy"], i.get("field_survey_tasks")
    ),
    "cost_plan": _cost_plan,
}


def _observed(result: Any) -> dict[str, dict[str, Any]]:
    extra: dict[str, Any] = {}
    if isinstance(result, tuple):
        result, extra = result
    findings = [result] if isinstance(result, Finding) else list(result)
    repeated = Counter(f.check for f in findings)
    out: dict[str, dict[str, Any]] = dict(extra)
    for f in findings:
        key = f"{f.check}[{f.subject}]" if repeated[f.check] > 1 else f.check
        out[key] = {
            **f.params,
            "status": str(f.status),
            "code": f.code,
            "notes": [n.code for n in f.notes],
        }
    return out


def test_cases_file_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    for case in CASES:
        assert set(case) == {"name", "function", "input", "output"}, case["name"]
        assert case["function"] in FUNCTIONS, case["name"]
        assert case["output"], case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any], book: C3pRulebook) -> None:
    observed = _observed(FUNCTIONS[case["function"]](book, case["input"]))
    for key, expected in case["output"].items():
        assert key in observed, f"{key} not in result (got {sorted(observed)})"
        got = observed[key]
        for field, value in expected.items():
            assert field in got, f"{key}.{field} not in result ({sorted(got)})"
            assert got[field] == value, f"{key}.{field}: expected {value!r}, got {got[field]!r}"


@pytest.mark.parametrize(
    ("item", "bounds"),
    [
        ("cost_effectiveness", [4000, 5000, 6000, 7000, 8000]),
        ("ghg_reduction", [999, 4999, 9999, 49999, 99999]),
        ("engineer_workload", [1, 2, 3, 4, 5]),
    ],
)
def test_cases_cover_both_sides_of_every_band_bound(item: str, bounds: list[int]) -> None:
    values = {
        _number(c["input"]["value"])
        for c in CASES
        if c["function"] == "score_item" and c["input"]["item"] == item
    }
    for bound in bounds:
        assert Decimal(bound) in values and Decimal(bound + 1) in values, (item, bound)
