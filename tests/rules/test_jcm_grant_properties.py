"""Invariants of the grant-stage calculations (renkei.rules.jcm.grant), checked with hypothesis."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from renkei.rules import load_rulebook
from renkei.rules.jcm import CATEGORY_IDS, admin_cost_cap, change_approval, deadline, fixed_amount

BOOK = load_rulebook("jcm-model-project/fy2024")
YEN = st.integers(0, 3_000_000_000)
BUDGET = st.fixed_dictionaries({k: YEN for k in CATEGORY_IDS})
RATE = st.sampled_from(
    [Decimal("0.1"), Decimal("0.2"), Decimal("0.3"), Decimal("0.4"), Decimal("0.5")]
)


@given(BUDGET, st.sampled_from(CATEGORY_IDS), st.sampled_from(CATEGORY_IDS), YEN)
def test_a_transfer_is_exempt_exactly_up_to_15_percent_of_the_lower(
    before: dict[str, int], source: str, target: str, amount: int
) -> None:
    if source == target:
        return
    moved = min(amount, before[source])
    after = dict(before)
    after[source] -= moved
    after[target] += moved
    result = change_approval(BOOK, before, after)
    if moved == 0:
        assert result.kind == "none" and not result.approval_required
        return
    lower = min(before[source], before[target])
    assert result.kind == "reallocation"
    # Δ ≤ 0.15 × lower, in exact integer arithmetic
    assert result.approval_required is (moved * 100 > 15 * lower)


@given(BUDGET, BUDGET)
def test_a_change_of_the_total_always_needs_approval(
    before: dict[str, int], after: dict[str, int]
) -> None:
    result = change_approval(BOOK, before, after)
    if sum(before.values()) != sum(after.values()):
        assert (result.kind, result.approval_required, result.clause) == ("amount", True, "4.(4)1)")


@given(YEN, RATE, BUDGET, BUDGET, st.integers(0, 3_000_000_000))
def test_the_fixed_amount_never_exceeds_its_ceilings_and_nets_the_advances(
    decided: int, rate: Decimal, alloc: dict[str, int], actual: dict[str, int], advances: int
) -> None:
    result = fixed_amount(
        BOOK,
        decided_amount_jpy=decided,
        rate=rate,
        decided_budget=alloc,
        actual=actual,
        advances_jpy=advances,
    )
    assert result.amount_jpy <= decided
    assert result.amount_jpy <= int(rate * sum(actual.values()))
    assert result.amount_jpy <= int(rate * sum(alloc.values()))
    counted = result.counted
    assert all(0 <= counted[k] <= actual[k] for k in CATEGORY_IDS)
    assert counted["admin"] <= admin_cost_cap(BOOK, counted["construction"] + counted["equipment"])
    assert result.final_payment_jpy >= 0 and result.refund_jpy >= 0
    assert result.final_payment_jpy - result.refund_jpy == result.amount_jpy - advances
    assert min(result.final_payment_jpy, result.refund_jpy) == 0


@given(st.dates(dt.date(2024, 4, 1), dt.date(2027, 3, 31)))
def test_the_naiji_is_cancellable_no_later_than_either_limb(day: dt.date) -> None:
    d = deadline(BOOK, "grant-application", day)
    sixty = day + dt.timedelta(days=61)
    year_end = dt.date(day.year if day.month < 4 else day.year + 1, 4, 1)
    assert d.extra["naiji_cancellable_from"] == min(sixty, year_end)
    assert d.extra["naiji_cancellable_from"] > day


@given(st.dates(dt.date(2024, 4, 1), dt.date(2028, 3, 31)), st.integers(1, 60))
def test_annual_report_periods_tile_the_useful_life(start: dt.date, years: int) -> None:
    d = deadline(BOOK, "annual-report", start, useful_life_years=years)
    reports = d.extra["reports"]
    assert reports[0]["period_start"] == start
    assert reports[-1]["period_end"] == d.extra["useful_life_end"]
    for a, b in itertools.pairwise(reports):
        assert b["period_start"] == a["period_end"] + dt.timedelta(days=1)
        assert b["period_start"].month == 1 and b["period_start"].day == 1
    assert all(r["due"] is None for r in reports)
    assert len(reports) == d.extra["useful_life_end"].year - start.year + 1
