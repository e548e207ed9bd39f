"""Methodology files: every one loads strictly, matches the reference list, is provisional
exactly when a formula is tagged K, and computes its family's formula; versions and dates in
force; unknown keys, ids and versions refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from pydantic import ValidationError

from renkei.mrv import compute, methodologies, units
from renkei.mrv.formulas import FAMILIES
from renkei.mrv.types import MrvError, Quantity
from renkei.rules._yaml import load_yaml_text

ALL = methodologies.all_methodologies()
# shared/reference/methodologies.csv, bundled beside the methodology files it was encoded from
REFERENCE = Path(methodologies.__file__).parent / "methodologies_reference.csv"
DIRECTORY = Path(methodologies.__file__).parent / "methodologies"


def test_every_file_loads_and_is_named_for_its_version() -> None:
    files = sorted(DIRECTORY.glob("*.yaml"))
    assert len(files) == len(ALL) >= 14
    for m in ALL:
        assert Path(m.path).name == f"{m.id}_v{m.version}.yaml"


def test_each_family_is_encoded() -> None:
    by_family: dict[str, list[str]] = {}
    for m in ALL:
        by_family.setdefault(m.family, []).append(m.id)
    assert set(by_family) == set(FAMILIES)
    assert len(by_family["pv"]) >= 3
    assert {"ID_AM003", "ID_AM004", "TH_AM005", "MM_AM002", "ID_AM002"} <= set(
        by_family["cop_ratio"]
    )
    assert {"ID_AM020", "TH_AM016"} <= set(by_family["efficacy_ratio"])


def test_files_match_the_reference_list() -> None:
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(REFERENCE.read_text(encoding="utf-8")))}
    for m in ALL:
        row = rows[m.id]
        doc = methodologies.file_for(m)
        assert m.source == row["source"]
        assert m.source_status == row["status"]
        if row["formula_re"]:
            assert doc.formulas["RE"].text == row["formula_re"]
            assert doc.formulas["PE"].text == row["formula_pe"]
        if row["approval_date"][:1].isdigit():
            assert m.valid_from == dt.date.fromisoformat(row["approval_date"])
        else:
            assert m.valid_from is None  # "approved by …" is not an approval date


def test_provisional_exactly_when_a_formula_is_tagged_k() -> None:
    for m in ALL:
        doc = methodologies.file_for(m)
        assert m.provisional == any(f.tag == "K" for f in doc.formulas.values())
        if "symbolic[K]" in m.source_status or "NOT FOUND" in m.source_status:
            assert m.provisional, m.id
    assert not methodologies.load("ID_AM003").provisional  # PDD text [V], direction [D]
    assert methodologies.load("ID_AM002").provisional


def test_no_default_is_invented() -> None:
    # the reference list gives no default value for any parameter
    assert all(p.default is None for m in ALL for p in m.parameters)


def test_id_am002_says_the_temperature_correction_is_not_found() -> None:
    doc = methodologies.file_for(methodologies.load("ID_AM002"))
    assert any("temperature-correction formula" in g and "NOT FOUND" in g for g in doc.gaps)
    assert [p.name for p in doc.parameters if p.role] == ["COP_PJ_tc"]


def _value(symbol: str, unit: str) -> Quantity:
    numbers = {"EF_RE": "0.5", "EF_elec": "0.5", "EF_coal": "0.1", "NCV": "20"}
    ratios = {"COP_PJ": "4", "COP_RE": "3", "eta_PJ": "120", "eta_RE": "60"}
    return Quantity(Decimal(numbers.get(symbol, ratios.get(symbol, "7"))), unit)


@pytest.mark.parametrize("m", ALL, ids=[f"{m.id}@{m.version}" for m in ALL])
def test_each_methodology_computes_its_familys_formula(m) -> None:
    doc = methodologies.file_for(m)
    values = {p.name: _value(p.role or p.name, p.unit) for p in doc.parameters}
    if m.family == "efficiency_ratio":
        values["eta_RE"] = Quantity(Decimal("0.8"), "-")
    v = {(p.role or p.name): Fraction(values[p.name].value) for p in doc.parameters}
    expected_re, expected_pe = {
        "pv": (lambda: v["EG"] * v["EF_RE"], lambda: 0),
        "pv_battery": (lambda: v["EG_displaced"] * v["EF_RE"], lambda: 0),
        "cop_ratio": (
            lambda: v["EC_PJ"] * v["COP_PJ"] / v["COP_RE"] * v["EF_elec"],
            lambda: v["EC_PJ"] * v["EF_elec"],
        ),
        "efficacy_ratio": (
            lambda: v["EC_PJ"] * v["eta_PJ"] / v["eta_RE"] * v["EF_elec"],
            lambda: v["EC_PJ"] * v["EF_elec"],
        ),
        "efficiency_ratio": (
            lambda: v["Q"] / v["eta_RE"] * v["EF_coal"],
            lambda: v["FC_PJ"] * v["NCV"] * v["EF_coal"],
        ),
    }[m.family]
    monitored = {k: q for k, q in values.items() if by_kind(m, k) == "monitored"}
    fixed = {k: q for k, q in values.items() if by_kind(m, k) != "monitored"}
    result = compute.compute(m, fixed=fixed, points=[compute.PointValues("A", "1", monitored)])
    re, pe = Fraction(expected_re()), Fraction(expected_pe())
    assert abs(Fraction(result.reference_emissions_tco2) - re) < Fraction(1, 10**19)
    assert Fraction(result.project_emissions_tco2) == pe
    assert result.emission_reductions_tco2 == max(0, int((re - pe) // 1))
    assert result.provisional == m.provisional


def by_kind(m, name: str) -> str:
    return next(p.kind for p in m.parameters if p.name == name)


def test_load_latest_and_by_version() -> None:
    assert methodologies.load("MN_AM003").version == "2.0"
    assert methodologies.load("ID_AM003", "1.0").version == "1.0"
    assert methodologies.parse_ref("ID_AM003@v1.0") == ("ID_AM003", "1.0")
    assert methodologies.parse_ref("ID_AM003") == ("ID_AM003", None)


def test_unknown_id_and_version_list_the_known() -> None:
    with pytest.raises(MrvError) as caught:
        methodologies.load("XX_AM999")
    assert caught.value.code == "unknown_methodology"
    assert "ID_AM003" in str(caught.value)
    with pytest.raises(MrvError) as caught:
        methodologies.load("ID_AM003", "2.0")
    assert "its versions are: 1.0" in str(caught.value)


def test_not_in_force_names_the_versions_in_force() -> None:
    with pytest.raises(MrvError) as caught:
        methodologies.load("ID_AM020", on=dt.date(2019, 10, 30))
    assert caught.value.code == "methodology_not_in_force"
    assert "from 2019-10-31" in str(caught.value)
    assert methodologies.load("ID_AM020", on=dt.date(2019, 10, 31)).version == "1.0"
    # no approval date in the reference: nothing to check against
    assert methodologies.load("ID_AM003", on=dt.date(2000, 1, 1)).version == "1.0"


def _document(name: str) -> dict:
    return load_yaml_text((DIRECTORY / name).read_text(encoding="utf-8"), name)


def test_unknown_keys_are_refused() -> None:
    data = _document("TH_AM001_v1.0.yaml")
    data["defaults"] = {"EF_RE": "0.5"}
    with pytest.raises(ValidationError, match="defaults"):
        methodologies.MethodologyFile.model_validate(data)
    data = _document("TH_AM001_v1.0.yaml")
    data["parameters"][0]["defualt"] = "1"
    with pytest.raises(ValidationError, match="defualt"):
        methodologies.MethodologyFile.model_validate(data)


def test_a_parameter_in_an_unknown_unit_or_a_bad_treatment_is_refused() -> None:
    data = _document("TH_AM001_v1.0.yaml")
    data["parameters"][0]["unit"] = "MWhh"
    with pytest.raises((ValidationError, MrvError)):
        methodologies.MethodologyFile.model_validate(data)
    data = _document("TH_AM001_v1.0.yaml")
    data["treatments"]["gap"]["treatment"] = "discount:150"
    with pytest.raises(ValidationError, match="discount"):
        methodologies.MethodologyFile.model_validate(data)


def test_a_family_parameter_in_the_wrong_unit_is_refused() -> None:
    from renkei.mrv.formulas import check_parameters

    with pytest.raises(MrvError, match="EG is declared in kWh; the formula takes MWh"):
        check_parameters("pv", {"EG": "kWh", "EF_RE": "tCO2/MWh"}, "x.yaml")
    with pytest.raises(MrvError, match="EF_RE \\(tCO2/MWh\\) is missing"):
        check_parameters("pv", {"EG": "MWh"}, "x.yaml")


def test_units_of_every_parameter_are_known() -> None:
    for m in ALL:
        for p in m.parameters:
            units.dimension(p.unit)


def test_describe_lists_what_the_cli_shows() -> None:
    d = methodologies.describe(methodologies.load("ID_AM003"))
    assert {"id", "version", "title", "status", "provisional", "parameters"} <= set(d)
    assert [p["name"] for p in d["parameters"]] == ["EC_PJ", "COP_PJ", "COP_RE", "EF_elec"]
    assert d["parameters"][0]["unit"] == "MWh"
