"""Invariants of the reductions (issue 9): more generation never lowers a PV project's
reductions; reductions are never negative after rounding; per-site results sum to the total
before rounding; the rounding is applied once (the sum of per-site floors never exceeds it)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import floor

from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.mrv import compute, methodologies
from renkei.mrv.formulas import SHOWN_PLACES
from renkei.mrv.types import Quantity

PV = [m for m in methodologies.all_methodologies() if m.family == "pv"]
COP = methodologies.load("ID_AM003")
LED = methodologies.load("ID_AM020")

amounts = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)
factors = st.decimals(min_value=0, max_value=2, places=4, allow_nan=False)
ratios = st.decimals(min_value=Decimal("0.1"), max_value=10, places=2, allow_nan=False)
sites = st.sampled_from(["A", "B", "C"])


def mwh(x: Decimal) -> Quantity:
    return Quantity(x, "MWh")


def ef(x: Decimal) -> Quantity:
    return Quantity(x, "tCO2/MWh")


def pv_points(draw_points):
    return [
        compute.PointValues(site, str(i), {"EG": mwh(eg)})
        for i, (site, eg) in enumerate(draw_points)
    ]


@settings(max_examples=150, deadline=None)
@given(
    m=st.sampled_from(PV),
    points=st.lists(st.tuples(sites, amounts), min_size=1, max_size=6),
    factor=factors,
    which=st.integers(min_value=0),
    more=amounts,
)
def test_more_generation_never_lowers_pv_reductions(m, points, factor, which, more) -> None:
    before = compute.compute(m, fixed={"EF_RE": ef(factor)}, points=pv_points(points))
    i = which % len(points)
    grown = list(points)
    grown[i] = (points[i][0], points[i][1] + more)
    after = compute.compute(m, fixed={"EF_RE": ef(factor)}, points=pv_points(grown))
    assert after.emission_reductions_tco2 >= before.emission_reductions_tco2
    assert after.reference_emissions_tco2 >= before.reference_emissions_tco2


def cop_points(rows):
    return [
        compute.PointValues(site, str(i), {"EC_PJ": mwh(ec)}, {"COP_PJ": Quantity(cop, "-")})
        for i, (site, ec, cop) in enumerate(rows)
    ]


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(sites, amounts, ratios), min_size=1, max_size=6),
    cop_re=ratios,
    factor=factors,
)
def test_never_negative_sums_and_rounding_once_cop(rows, cop_re, factor) -> None:
    result = compute.compute(
        COP,
        fixed={"COP_RE": Quantity(cop_re, "-"), "EF_elec": ef(factor)},
        points=cop_points(rows),
    )
    _check(result, len(rows))
    # the exact total, from the inputs, floored once
    exact = sum(
        Fraction(ec) * Fraction(cop) / Fraction(cop_re) * Fraction(factor)
        - Fraction(ec) * Fraction(factor)
        for _, ec, cop in rows
    )
    assert result.emission_reductions_tco2 == max(0, floor(exact))


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(sites, amounts, ratios, ratios), min_size=1, max_size=6),
    factor=factors,
)
def test_never_negative_and_sums_led(rows, factor) -> None:
    points = [
        compute.PointValues(
            site,
            str(i),
            {"EC_PJ": mwh(ec)},
            {"eta_PJ": Quantity(a, "lm/W"), "eta_RE": Quantity(b, "lm/W")},
        )
        for i, (site, ec, a, b) in enumerate(rows)
    ]
    result = compute.compute(LED, fixed={"EF_elec": ef(factor)}, points=points)
    _check(result, len(rows))


@settings(max_examples=100, deadline=None)
@given(
    m=st.sampled_from(PV),
    points=st.lists(st.tuples(sites, amounts), min_size=1, max_size=8),
    factor=factors,
)
def test_pv_per_site_sums_are_exact(m, points, factor) -> None:
    result = compute.compute(m, fixed={"EF_RE": ef(factor)}, points=pv_points(points))
    total = result.reference_emissions_tco2 - result.project_emissions_tco2
    assert sum(result.per_site.values()) == total  # no division: every value is exact
    assert sum(result.per_point.values()) == total
    _check(result, len(points))


def _check(result, n_points: int) -> None:
    assert result.emission_reductions_tco2 >= 0
    total = result.reference_emissions_tco2 - result.project_emissions_tco2
    # each value shown is within half a unit of the last shown place of the exact value
    tolerance = Decimal(n_points + 2) * Decimal(1).scaleb(-SHOWN_PLACES)
    assert abs(sum(result.per_site.values()) - total) <= tolerance
    assert abs(sum(result.per_point.values()) - total) <= tolerance
    if total >= 0:
        # rounding once never gives less than rounding each site would (sum of floors)
        assert sum(floor(v) for v in result.per_site.values()) <= result.emission_reductions_tco2
        assert result.emission_reductions_tco2 == floor(total)
    else:
        assert result.emission_reductions_tco2 == 0
    assert [s.key for s in result.steps if s.key == "ER_p"] == ["ER_p"]  # rounded once


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            amounts,
            st.sampled_from(["MWh", "kWh", "GJ"]),
            st.one_of(st.none(), ratios),  # the point's own COP_RE, or the project's
            st.one_of(st.none(), factors),  # the point's own EF_elec, or the project's
        ),
        min_size=1,
        max_size=6,
    ),
    cop_re=ratios,
    factor=factors,
)
def test_each_points_steps_are_those_it_gets_alone(rows, cop_re, factor) -> None:
    """A value the project fixes is resolved once for all points (compute's speed for 1,000
    points): a point that gives its own value is never given the shared one, nor the reverse,
    and each point's lines read as when it is computed alone."""
    fixed = {"COP_RE": Quantity(cop_re, "-"), "EF_elec": ef(factor)}
    points = []
    for i, (ec, unit, own_cop, own_ef) in enumerate(rows):
        mine = {"COP_PJ": Quantity(Decimal("5.5"), "-")}
        if own_cop is not None:
            mine["COP_RE"] = Quantity(own_cop, "-")
        if own_ef is not None:
            mine["EF_elec"] = Quantity(own_ef * 1000, "kgCO2/MWh")
        points.append(compute.PointValues("A", str(i), {"EC_PJ": Quantity(ec, unit)}, mine))
    together = compute.compute(COP, fixed=fixed, points=points)
    for pv in points:
        alone = compute.compute(COP, fixed=fixed, points=[pv])
        assert [s for s in together.steps if s.point == pv.point] == [
            s for s in alone.steps if s.point == pv.point
        ]
