"""Invariants of the JCM calculations, checked with hypothesis."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from renkei.rules import load_rulebook
from renkei.rules.jcm import (
    Adoption,
    admin_cost_cap,
    cost_effectiveness,
    rate_cap,
    reconstructed_table,
)

BOOK = load_rulebook("jcm-model-project/fy2024")
TABLE = reconstructed_table("jcm-model-project/fy2024")
TECH_IDS = [t.id for t in TABLE.technologies]
COUNTRIES = ["MN", "VN", "ID", "TH", "PH", "KE", "UZ", "CL", "LK"]


def _cap_rank(cap) -> Decimal:
    """Order caps with 'not adopted' as the lowest."""
    return Decimal(-1) if cap is None else cap


@given(st.integers(0, 40), st.integers(0, 40))
def test_more_adoptions_never_raise_the_cap(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    caps = BOOK.subsidy.rate_caps
    assert _cap_rank(caps.cap_for(hi)) <= _cap_rank(caps.cap_for(lo))


@given(st.sampled_from(TECH_IDS), st.sampled_from(COUNTRIES), st.integers(1, 12))
def test_recorded_adoptions_never_raise_a_tables_cap(tech: str, country: str, n: int) -> None:
    before = rate_cap(BOOK, TABLE, tech, country)
    after = rate_cap(BOOK, TABLE.with_adoptions([Adoption(tech, country)] * n), tech, country)
    assert _cap_rank(after.cap_high) <= _cap_rank(before.cap_high)
    assert _cap_rank(after.cap_low) <= _cap_rank(before.cap_low)


@given(
    st.sampled_from(TECH_IDS),
    st.sampled_from(COUNTRIES),
    st.integers(0, 2_000_000_000),
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal("500000"), places=1),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=1),
    st.integers(1, 40),
)
def test_a_larger_reduction_never_worsens_cost_effectiveness(
    tech: str, country: str, subsidy: int, annual: Decimal, extra: Decimal, life: int
) -> None:
    small = cost_effectiveness(
        BOOK,
        technology=tech,
        country=country,
        subsidy_jpy=subsidy,
        annual_tco2=annual,
        useful_life_years=life,
    )
    large = cost_effectiveness(
        BOOK,
        technology=tech,
        country=country,
        subsidy_jpy=subsidy,
        annual_tco2=annual + extra,
        useful_life_years=life,
    )
    assert large.jpy_per_tco2 <= small.jpy_per_tco2
    assert large.passes or not small.passes


@given(st.integers(0, 5_000_000_000), st.integers(0, 1_000_000))
def test_admin_cost_cap_is_non_decreasing(base: int, step: int) -> None:
    assert admin_cost_cap(BOOK, base + step) >= admin_cost_cap(BOOK, base)


@given(st.integers(0, 5_000_000_000))
def test_admin_cost_cap_is_continuous(base: int) -> None:
    """One more yen of base never adds more than the highest rate (6.5%) plus flooring."""
    jump = admin_cost_cap(BOOK, base + 1) - admin_cost_cap(BOOK, base)
    assert 0 <= jump <= 1


@given(st.integers(0, 5_000_000_000))
def test_admin_cost_cap_is_bounded_by_the_tier_rates(base: int) -> None:
    cap = admin_cost_cap(BOOK, base)
    assert base * Decimal("0.045") - 1 <= cap <= base * Decimal("0.065")
