"""compute() evaluates each point in Decimal (formulas.EXACT: an inexact operation raises instead
of rounding) and falls back to Fraction for a point without a finite decimal result; both paths
give the exact values, and the sums mix them exactly (issue 9, the meter benchmark's compute)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from renkei.mrv import compute, formulas, methodologies
from renkei.mrv.types import Quantity

COP = methodologies.load("ID_AM003")


def point(site: str, name: str, ec: str, cop_pj: str, cop_re: str) -> compute.PointValues:
    return compute.PointValues(
        site,
        name,
        {"EC_PJ": Quantity(Decimal(ec), "MWh")},
        {"COP_PJ": Quantity(Decimal(cop_pj), "-"), "COP_RE": Quantity(Decimal(cop_re), "-")},
    )


def exact_er(ec: str, cop_pj: str, cop_re: str, ef: str = "1") -> Fraction:
    ec_f, ef_f = Fraction(ec), Fraction(ef)
    return ec_f * Fraction(cop_pj) / Fraction(cop_re) * ef_f - ec_f * ef_f


def run(points):
    return compute.compute(COP, fixed={"EF_elec": Quantity(Decimal(1), "tCO2/MWh")}, points=points)


def test_a_ratio_without_a_finite_decimal_is_exact_and_floors_right():
    # 3 × (10 / 3) × 1 − 3 = 7 exactly; in 28-digit decimals 3 × 3.33…3 = 9.99…9 and the
    # floor would be 6
    result = run([point("A", "1", "3", "10", "3")])
    assert result.emission_reductions_tco2 == 7
    assert result.per_point == {"A/1": Decimal(7)}
    steps = {s.key: s for s in result.steps}
    assert steps["RE[site=A,point=1]"].result == Decimal(10)
    assert steps["ER_p (unrounded)"].formula == "RE_p - PE_p = 10 - 3"


def test_decimal_and_fraction_points_mix_exactly_in_the_sums():
    cases = [  # (site, point, EC_PJ, COP_PJ, COP_RE): exact decimals and ratios without one
        ("A", "1", "10.5", "6.0", "4.0"),  # decimal path
        ("A", "2", "3.3", "3.2", "2.1"),  # fraction path (3.2 / 2.1)
        ("B", "1", "7", "5", "3"),  # fraction path
        ("B", "2", "0.000001", "4.5", "2.5"),  # decimal path
    ]
    result = run([point(*case) for case in cases])
    expected = {f"{s}/{p}": exact_er(ec, a, b) for s, p, ec, a, b in cases}
    for key, value in expected.items():
        assert result.per_point[key] == formulas.to_decimal(value)
    total = sum(expected.values(), Fraction(0))
    assert result.emission_reductions_tco2 == int(total)  # floor of a positive exact total
    site_a = expected["A/1"] + expected["A/2"]
    assert result.per_site["A"] == formulas.to_decimal(site_a)
    # the decimal point's lines are shown in full, the fraction point's to SHOWN_PLACES places
    steps = {s.key: s for s in result.steps}
    assert steps["RE[site=A,point=1]"].formula == "EC_PJ × (COP_PJ / COP_RE) × EF_elec = " + (
        "10.5 × (6 / 4) × 1"
    )
    assert steps["RE[site=A,point=1]"].result == Decimal("15.75")
    shown = format(steps["RE[site=A,point=2]"].result, "f")
    assert shown == format(formulas.to_decimal(Fraction("3.3") * Fraction(32, 21)), "f")
    assert len(shown.split(".")[1]) == formulas.SHOWN_PLACES


def test_the_same_values_whichever_path():
    # a point computed in decimals and the same point forced through fractions show the same
    values = {
        "EC_PJ": Decimal("12.345"),
        "COP_PJ": Decimal("6.0"),
        "COP_RE": Decimal("4.0"),
        "EF_elec": Decimal("0.5"),
    }
    roles = {k: k for k in values}
    fam = formulas.family("cop_ratio")
    re_d, pe_d, er_d = compute._lines(fam, values, roles)
    assert isinstance(re_d.value, Decimal)
    as_fractions = {k: Fraction(v) for k, v in values.items()}
    re_f, pe_f = fam.re(as_fractions, roles), fam.pe(as_fractions, roles)
    assert (re_d.substituted, pe_d.substituted) == (re_f.substituted, pe_f.substituted)
    assert Fraction(re_d.value) == re_f.value and Fraction(er_d) == re_f.value - pe_f.value
    assert formulas.to_decimal(re_d.value) == formulas.to_decimal(re_f.value)


def test_a_sum_beyond_the_exact_context_falls_back_to_fractions():
    big, tiny = Decimal("1E+300"), Decimal("1E-300")  # 601 digits: more than EXACT's 400
    total = compute._add(big, tiny)
    assert isinstance(total, Fraction)
    assert total == Fraction(10**300) + Fraction(1, 10**300)
    assert compute._add(Decimal("1.5"), Decimal("2.25")) == Decimal("3.75")
    assert compute._sub(Decimal(1), Fraction(1, 3)) == Fraction(2, 3)


def test_zero_is_shown_as_zero_whatever_its_kind():
    for zero in (Decimal("-0.000"), Decimal("0E+5"), Fraction(0), 0):
        assert str(formulas.to_decimal(zero)) == "0"
    assert str(formulas.to_decimal(Decimal("47.000"))) == "47"
    assert str(formulas.to_decimal(Decimal("1E+3"))) == "1000"
    assert str(formulas.to_decimal(Decimal("0.50"))) == "0.5"
