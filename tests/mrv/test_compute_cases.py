"""Runs the YAML cases in tests/mrv/cases/<family>.yaml: each formula family's thresholds and
edges (rounding at .999/1.000, zero, kWh given for MWh, a wrong dimension, a missing or unknown
parameter, a methodology version not in force)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from renkei.mrv import compute, factors, methodologies, units
from renkei.mrv.formulas import FAMILIES
from renkei.mrv.types import MrvError, Quantity
from renkei.rules._yaml import load_yaml_text

CASES_DIR = Path(__file__).parent / "cases"
CASES = {
    path.stem: load_yaml_text(path.read_text(encoding="utf-8"), path.name)
    for path in sorted(CASES_DIR.glob("*.yaml"))
}
ALL = [(family, case) for family, cases in CASES.items() for case in cases]
KEYS = {
    "name",
    "methodology",
    "in_force_on",
    "factor",
    "fixed",
    "points",
    "output",
    "error",
    "error_contains",
}


def _quantities(mapping):
    return {name: units.parse(text, name=name) for name, text in (mapping or {}).items()}


def _run(case):
    ident, version = methodologies.parse_ref(case["methodology"])
    on = case.get("in_force_on")
    m = methodologies.load(ident, version, on=on if isinstance(on, dt.date) else None)
    points = [
        compute.PointValues(
            site=p["site"],
            point=p["point"],
            values=_quantities(p.get("values")),
            fixed=_quantities(p.get("fixed")),
        )
        for p in case["points"]
    ]
    fixed = _quantities(case["fixed"])
    if "factor" in case:  # a parameter taken from the office's factor table on a date
        f = case["factor"]
        table = factors.FactorTable.from_csv(f["table"])
        found = table.lookup(f["country"], f["system"], f["case"], f["date"])
        fixed[f["parameter"]] = Quantity(found.value, found.unit)
    return m, compute.compute(m, fixed=fixed, points=points)


@pytest.mark.parametrize(("family", "case"), ALL, ids=[f"{f}: {c['name']}" for f, c in ALL])
def test_case(family: str, case: dict) -> None:
    assert set(case) <= KEYS, f"unknown keys {set(case) - KEYS}"
    assert ("output" in case) != ("error" in case)
    if "error" in case:
        with pytest.raises(MrvError) as caught:
            _run(case)
        assert caught.value.code == case["error"], str(caught.value)
        assert case.get("error_contains", "") in str(caught.value)
        return
    m, result = _run(case)
    assert m.family == family
    data = compute.result_json(result)
    expected = dict(case["output"])
    notes = expected.pop("notes_contain", None)
    if notes:
        assert any(notes in n for n in data["notes"]), data["notes"]
    for key, value in expected.items():
        if isinstance(value, dict):
            assert {k: data[key][k] for k in value} == value, key
        else:
            assert data[key] == value, key
    assert data["emission_reductions_tco2"] >= 0
    assert data["provisional"] == m.provisional
    if m.provisional:
        assert any(n.startswith("provisional:") for n in data["notes"])


def test_every_family_has_cases_on_both_sides_of_the_rounding() -> None:
    assert set(CASES) == set(FAMILIES)
    for family, cases in CASES.items():
        outputs = [c["output"] for c in cases if "output" in c]
        rounded = {o.get("emission_reductions_tco2") for o in outputs}
        assert {0, 1} <= rounded, family  # 0.999 -> 0 and 1.000 -> 1
        assert any("error" in c for c in cases), family
        errors = {c["error"] for c in cases if "error" in c}
        assert {"unit_mismatch", "methodology_not_in_force"} <= errors or family == (
            "efficiency_ratio"  # MN_AM002 has no approval date: nothing to be out of force
        ), family
        assert "unit_mismatch" in errors, family


def test_adjustments_are_listed_with_their_effect() -> None:
    import datetime as dt
    from decimal import Decimal

    from renkei.mrv.types import Adjustment, Finding

    finding = Finding(
        kind="gap",
        message="no reading from 2025-05-01 to 2025-05-03",
        site="A",
        point="1",
        parameter="EG",
        source="data.csv:7",
        start=dt.datetime(2025, 5, 1),
    )
    adjustment = Adjustment(finding=finding, treatment="exclude", effect_tco2=Decimal("-1.25"))
    m = methodologies.load("TH_AM001")
    result = compute.compute(
        m,
        fixed={"EF_RE": units.parse("0.5 tCO2/MWh")},
        points=[compute.PointValues("A", "1", {"EG": units.parse("10 MWh")})],
        adjustments=[adjustment],
    )
    data = compute.result_json(result)
    assert data["adjustments"] == [
        {
            "kind": "gap",
            "message": "no reading from 2025-05-01 to 2025-05-03",
            "treatment": "exclude",
            "effect_tco2": "-1.25",
            "site": "A",
            "point": "1",
            "source": "data.csv:7",
        }
    ]
    assert (
        "adjustment (exclude) for gap at A 1: -1.25 tCO2 effect on the reductions" in data["notes"]
    )
    assert data["emission_reductions_tco2"] == 5  # listed, not applied twice


def test_every_step_names_its_formula_with_values() -> None:
    m = methodologies.load("ID_AM003")
    result = compute.compute(
        m,
        fixed={"COP_RE": units.parse("2 -"), "EF_elec": units.parse("0.5 tCO2/MWh")},
        points=[
            compute.PointValues(
                "A", "1", {"EC_PJ": units.parse("10 MWh")}, {"COP_PJ": units.parse("3 -")}
            )
        ],
    )
    keys = [s.key for s in result.steps]
    assert keys == [
        "EC_PJ[site=A,point=1]",
        "COP_PJ[site=A,point=1]",
        "COP_RE[site=A,point=1]",
        "EF_elec[site=A,point=1]",
        "RE[site=A,point=1]",
        "PE[site=A,point=1]",
        "ER[site=A,point=1]",
        "ER[site=A]",
        "RE_p",
        "PE_p",
        "ER_p (unrounded)",
        "ER_p",
    ]
    re = result.steps[4]
    assert re.formula == "EC_PJ × (COP_PJ / COP_RE) × EF_elec = 10 × (3 / 2) × 0.5"
    assert re.result == 7.5
    assert result.steps[2].note == "fixed for the project"
    assert result.steps[1].note == "fixed for the point"


def test_a_methodology_built_by_hand_computes_with_its_parameter_names() -> None:
    import dataclasses

    loaded = methodologies.load("TH_AM001")
    by_hand = dataclasses.replace(loaded, id="XX_AM001", version="0.1", provisional=True)
    result = compute.compute(
        by_hand,
        fixed={"EF_RE": units.parse("0.5 tCO2/MWh")},
        points=[compute.PointValues("A", "1", {"EG": units.parse("10 MWh")})],
    )
    assert result.emission_reductions_tco2 == 5
    assert result.methodology == "XX_AM001 0.1"
    assert result.notes[0].startswith("provisional: the RE, PE formula(s)")
    lacking = dataclasses.replace(by_hand, parameters=by_hand.parameters[:1])
    with pytest.raises(MrvError) as caught:
        compute.compute(lacking, fixed={}, points=[compute.PointValues("A", "1", {})])
    assert caught.value.code == "methodology_file"
    assert "EF_RE" in str(caught.value)
