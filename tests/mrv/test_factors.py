"""Emission-factor tables: every bad cell named at once; outside validity an error naming it;
Indonesia Case 2 = min(grid, 0.533); the reference rows carry no validity and are only offered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from renkei.mrv import compute, factors, methodologies, units
from renkei.mrv.types import MrvError

HEADER = "country,system,case,ef_tco2_per_mwh,valid_from,valid_until,source,status\n"
TABLE = HEADER + (
    "Indonesia,Jamali,JCM Case 1,0.619,2025-04-01,2026-03-31,ref,V\n"
    "Indonesia,Jamali,JCM Case 2,0.533,2025-04-01,2026-03-31,ref,V\n"
    "Indonesia,Jamali,JCM Case 1,0.600,2026-04-01,2027-03-31,ref,V\n"
)


def test_lookup_inside_validity_both_edges() -> None:
    table = factors.FactorTable.from_csv(TABLE)
    first = table.lookup("Indonesia", "Jamali", "JCM Case 1", dt.date(2025, 4, 1))
    last = table.lookup("indonesia", "jamali", "jcm case 1", dt.date(2026, 3, 31))
    assert first.value == last.value == Decimal("0.619")
    assert first.unit == "tCO2/MWh"
    assert table.lookup("Indonesia", "Jamali", "JCM Case 1", dt.date(2026, 4, 1)).value == (
        Decimal("0.600")
    )


@pytest.mark.parametrize("day", [dt.date(2025, 3, 31), dt.date(2027, 4, 1)])
def test_lookup_outside_validity_is_an_error_naming_it(day: dt.date) -> None:
    table = factors.FactorTable.from_csv(TABLE)
    with pytest.raises(MrvError) as caught:
        table.lookup("Indonesia", "Jamali", "JCM Case 1", day)
    assert caught.value.code == "factor_out_of_validity"
    assert "2025-04-01 to 2026-03-31; 2026-04-01 to 2027-03-31" in str(caught.value)


def test_factor_not_found_lists_the_countrys_factors() -> None:
    table = factors.FactorTable.from_csv(TABLE)
    with pytest.raises(MrvError) as caught:
        table.lookup("Indonesia", "Sumatra", "JCM Case 1", dt.date(2025, 5, 1))
    assert caught.value.code == "factor_not_found"
    assert "Jamali / JCM Case 2" in str(caught.value)


def test_every_bad_cell_is_named_at_once() -> None:
    text = HEADER + (
        "Indonesia,Jamali,JCM Case 1,abc,2025-04-01,2024-03-31,ref,Q\n"
        ",Jamali,JCM Case 1,-0.5,2025-04-31,2026-03-31,,V\n"
    )
    with pytest.raises(MrvError) as caught:
        factors.FactorTable.from_csv(text)
    assert caught.value.code == "factor_table"
    errors = caught.value.details["errors"]
    assert errors == [
        "row 2, column ef_tco2_per_mwh: 'abc' is not a positive number of tCO2/MWh, e.g. 0.533",
        "row 2, column valid_until: is before valid_from; the validity must run forwards",
        "row 2, column status: 'Q' is not a status tag; write V (seen in the source), D "
        "(derived), K (background knowledge) or X",
        "row 3, column country: is empty; write it",
        "row 3, column source: is empty; write it",
        "row 3, column ef_tco2_per_mwh: '-0.5' is not a positive number of tCO2/MWh, e.g. 0.533",
        "row 3, column valid_from: '2025-04-31' is not a date; write YYYY-MM-DD",
    ]


def test_missing_columns_and_overlaps_are_refused() -> None:
    with pytest.raises(MrvError) as caught:
        factors.FactorTable.from_csv("country,system,ef_tco2_per_mwh\nID,x,1\n")
    assert "case, valid_from, valid_until, source, status" in str(caught.value)
    overlap = HEADER + (
        "Indonesia,Jamali,JCM Case 1,0.619,2025-04-01,2026-03-31,ref,V\n"
        "Indonesia,Jamali,JCM Case 1,0.600,2026-03-31,2027-03-31,ref,V\n"
    )
    with pytest.raises(MrvError) as caught:
        factors.FactorTable.from_csv(overlap)
    assert "overlaps row 2" in str(caught.value)


@pytest.mark.parametrize(
    ("grid", "expected"),
    [("0.619", "0.533"), ("0.458", "0.458"), ("0.533", "0.533"), ("0.534", "0.533")],
)
def test_indonesia_case_2_is_the_lower_of_grid_and_captive_diesel(grid, expected) -> None:
    assert factors.indonesia_case(Decimal(grid)) == Decimal(expected)


def test_indonesia_case_2_matches_the_reference_rows() -> None:
    rows = factors.reference_rows()
    by = {(r.system, r.case): r.value for r in rows if r.country == "Indonesia"}
    for (system, case), value in by.items():
        if case.startswith("JCM Case 1") and system not in ("(same Batam group)",):
            case2 = next((v for (s, c), v in by.items() if s == system and "Case 2" in c), None)
            if case2 is not None:
                assert factors.indonesia_case(value) == case2, system


def test_reference_rows_have_no_validity_and_keep_their_tags() -> None:
    rows = factors.reference_rows()
    assert len(rows) == 46
    assert not hasattr(rows[0], "valid_from")
    assert {r.status for r in rows} == {"V", "D"}


def test_a_factor_from_the_table_feeds_compute() -> None:
    table = factors.FactorTable.from_csv(TABLE)
    factor = table.lookup("Indonesia", "Jamali", "JCM Case 2", dt.date(2025, 6, 1))
    m = methodologies.load("ID_AM017")
    result = compute.compute(
        m,
        fixed={"EF_RE": units.parse(f"{factor.value} {factor.unit}")},
        points=[compute.PointValues("A", "1", {"EG_displaced": units.parse("100 MWh")})],
    )
    assert result.emission_reductions_tco2 == 53
