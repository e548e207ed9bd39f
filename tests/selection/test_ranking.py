"""Ranking within a budget: order, ties, the funding line, and its invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renkei.selection import Candidate, rank_within_budget


def c(id_: str, score: str, subsidy: int, receipt: str = "") -> Candidate:
    return Candidate(id_, Decimal(score), subsidy, receipt)


def test_highest_score_first_and_the_line_before_the_first_that_does_not_fit() -> None:
    ranked = rank_within_budget(
        [c("a", "70", 60), c("b", "90", 50), c("c", "80", 40), c("d", "60", 5)], budget_jpy=100
    )
    assert [r.candidate.id for r in ranked] == ["b", "c", "a", "d"]
    assert [r.funded for r in ranked] == [True, True, False, False]
    assert [r.cumulative_jpy for r in ranked] == [50, 90, 150, 155]
    # 'd' would still fit in the 10 yen the funded ones leave: shown for the office to decide
    assert [r.fits_remaining for r in ranked] == [False, False, False, True]


def test_exactly_the_budget_is_funded_one_yen_over_is_not() -> None:
    at = rank_within_budget([c("a", "90", 60), c("b", "80", 40)], budget_jpy=100)
    over = rank_within_budget([c("a", "90", 60), c("b", "80", 41)], budget_jpy=100)
    assert [r.funded for r in at] == [True, True]
    assert [r.funded for r in over] == [True, False]


def test_ties_go_to_the_smaller_subsidy_then_the_earlier_receipt() -> None:
    ranked = rank_within_budget(
        [c("x", "80", 30, "JCM-2"), c("y", "80", 20, "JCM-3"), c("z", "80", 30, "JCM-1")], 1000
    )
    assert [r.candidate.id for r in ranked] == ["y", "z", "x"]


def test_bad_budget_and_subsidy_are_refused() -> None:
    with pytest.raises(ValueError, match="budget"):
        rank_within_budget([], -1)
    with pytest.raises(ValueError, match="subsidy"):
        rank_within_budget([c("a", "1", -5)], 10)


candidates = st.lists(
    st.builds(
        Candidate,
        id=st.uuids().map(str),
        score=st.decimals(0, 110, places=2),
        subsidy_jpy=st.integers(0, 2_000_000_000),
    ),
    max_size=30,
)


@given(candidates, st.integers(0, 20_000_000_000))
def test_funded_never_exceed_the_budget_and_form_a_prefix(cands, budget) -> None:
    ranked = rank_within_budget(cands, budget)
    funded = [r for r in ranked if r.funded]
    assert sum(r.candidate.subsidy_jpy for r in funded) <= budget
    assert [r.funded for r in ranked] == [True] * len(funded) + [False] * (
        len(ranked) - len(funded)
    )
    scores = [r.candidate.score for r in ranked]
    assert scores == sorted(scores, reverse=True)


@given(candidates, st.integers(0, 20_000_000_000), st.integers(1, 10**9))
def test_a_larger_budget_never_funds_fewer(cands, budget, extra) -> None:
    small = sum(r.funded for r in rank_within_budget(cands, budget))
    large = sum(r.funded for r in rank_within_budget(cands, budget + extra))
    assert large >= small
