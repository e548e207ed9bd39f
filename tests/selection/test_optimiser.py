"""The selection optimiser at its edges: the budget exactly used and one yen short, ties,
each constraint, infeasible sets named, the rate band of 2.(9), the diff with the ranking,
and inputs and results that survive JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

import highspy
import pytest

from renkei.selection.optimiser import (
    Constraints,
    Limit,
    Objective,
    Part,
    Problem,
    Proposal,
    Status,
    _finish,
    _Run,
    evaluate,
    optimise,
)


def p(id_: str, score: str, subsidy: int, tco2: int = 0, country: str = "VN", **kw) -> Proposal:
    kw.setdefault("technology", "solar_pv") if "parts" not in kw else None
    return Proposal(id_, Decimal(score), subsidy, tco2, country, **kw)


def solve(proposals, objective=Objective.SCORE, **constraints):
    constraints.setdefault("round_budget_jpy", 100)
    return optimise(Problem(tuple(proposals), Constraints(**constraints), objective))


def check(result, cid: str):
    return next(c for c in result.constraints if c.id == cid)


# --- the budget ------------------------------------------------------------------------
def test_the_budget_exactly_used_takes_both() -> None:
    r = solve([p("a", "90", 60), p("b", "80", 40)], round_budget_jpy=100)
    assert r.status is Status.OPTIMAL and r.gap == 0
    assert r.optimiser.ids == ("a", "b") and r.optimiser.subsidy_jpy == 100
    assert check(r, "budget.round").binding


def test_one_yen_short_takes_the_better_one_only() -> None:
    r = solve([p("a", "90", 60), p("b", "80", 40)], round_budget_jpy=99)
    assert r.optimiser.ids == ("a",) and r.optimiser.subsidy_jpy == 60


def test_one_yen_short_with_billions_of_yen_is_still_refused() -> None:
    """The solver works in floating point: a set one yen over a 3-billion-yen budget must not
    slip through its tolerances (the result is checked again in integers)."""
    big = [p("a", "90", 1_999_999_999), p("b", "80", 1_000_000_001), p("c", "1", 5)]
    r = solve(big, round_budget_jpy=2_999_999_999)
    assert r.optimiser.ids == ("a", "c")
    r = solve(big, round_budget_jpy=3_000_000_000)
    assert r.optimiser.ids == ("a", "b")


def test_the_smaller_of_the_round_and_the_call_budget_binds_and_is_named() -> None:
    r = solve([p("a", "90", 60), p("b", "80", 40)], round_budget_jpy=100, call_budget_jpy=70)
    assert r.budget_jpy == 70 and r.optimiser.ids == ("a",)
    assert check(r, "budget.call").hi == 70 and check(r, "budget.round").hi == 100


def test_the_optimiser_uses_the_money_the_ranking_leaves() -> None:
    r = solve([p("a", "90", 60), p("b", "80", 50), p("c", "70", 50)], round_budget_jpy=100)
    assert r.ranking.ids == ("a",) and r.optimiser.ids == ("b", "c")
    only_b, _ = r.only_optimiser
    assert only_b.id == "b" and only_b.reasons[-1].code == "below_funding_line"
    assert only_b.reasons[-1].params["line_rank"] == 2
    assert "40 yen left" in only_b.reasons[-1].text
    (only_a,) = r.only_ranking
    assert only_a.id == "a" and only_a.reasons[0].params["constraint"] == "budget.round"


def test_eco_lease_stays_within_its_own_cap_and_within_the_budget() -> None:
    r = solve(
        [
            p("e1", "90", 30, eco_lease=True),
            p("e2", "85", 30, eco_lease=True),
            p("a", "50", 40),
        ],
        round_budget_jpy=100,
        eco_lease_budget_jpy=50,
    )
    assert r.optimiser.ids == ("e1", "a") and r.optimiser.eco_lease_jpy == 30
    assert not r.ranking_feasible  # the ranking took both eco-lease proposals
    assert not check(r, "budget.eco_lease").holds(check(r, "budget.eco_lease").ranking_value)
    (e2,) = r.only_ranking
    assert e2.reasons[0].params["constraint"] == "budget.eco_lease"


# --- ties and reproducibility ----------------------------------------------------------
def test_ties_give_the_same_objective_and_the_same_set_every_time() -> None:
    props = [p("x", "80", 50), p("y", "80", 50), p("z", "80", 50)]
    first = solve(props, round_budget_jpy=100)
    assert first.optimiser.score == Decimal(160) and len(first.optimiser.ids) == 2
    for _ in range(3):
        again = solve(props, round_budget_jpy=100)
        assert again.optimiser.ids == first.optimiser.ids
        assert again.input_fingerprint == first.input_fingerprint


def test_scores_are_compared_exactly_to_their_last_decimal_place() -> None:
    r = solve([p("a", "70.001", 50), p("b", "70.000", 50)], round_budget_jpy=50)
    assert r.optimiser.ids == ("a",) and r.optimiser.score == Decimal("70.001")
    assert r.bound == Decimal("70.001")


# --- balance ---------------------------------------------------------------------------
def test_a_country_cap_sends_the_money_elsewhere_and_the_ranking_is_told_why() -> None:
    props = [p("v1", "90", 10), p("v2", "85", 10), p("i1", "50", 10, country="ID")]
    r = solve(props, round_budget_jpy=20, countries=(Limit("VN", max=1),))
    assert r.optimiser.ids == ("v1", "i1")  # in the order given
    assert r.optimiser.by_country["VN"].count == 1 and r.optimiser.by_country["ID"].count == 1
    (v2,) = r.only_ranking
    assert [x.params["constraint"] for x in v2.reasons] == ["budget.round", "country.max:VN"]
    assert "at most 1 in country VN" in v2.reasons[1].text
    # with the money for it, the country cap alone keeps v2 out
    alone = solve(props[:2], round_budget_jpy=20, countries=(Limit("VN", max=1),))
    assert [x.params["constraint"] for x in alone.only_ranking[0].reasons] == ["country.max:VN"]


def test_at_least_n_per_technology_counts_each_technology_of_a_proposal() -> None:
    both = p("m", "40", 10, parts=(Part("solar_pv", 6), Part("boiler", 4)))
    props = [p("a", "90", 10), p("b", "80", 10), both]
    r = solve(
        props,
        round_budget_jpy=20,
        technologies=(Limit("boiler", min=1), Limit("solar_pv", min=2)),
    )
    assert r.optimiser.ids == ("a", "m")
    assert r.optimiser.by_technology["solar_pv"].count == 2
    assert r.optimiser.by_technology["boiler"].subsidy_jpy == 4
    assert r.optimiser.by_technology["solar_pv"].subsidy_jpy == 16
    (m,) = r.only_optimiser
    assert [x.code for x in m.reasons] == ["needed_for", "needed_for", "below_funding_line"]
    assert [x.params.get("constraint") for x in m.reasons[:2]] == [
        "technology.min:boiler",
        "technology.min:solar_pv",
    ]


def test_a_pair_limit_is_per_country_and_technology() -> None:
    props = [p("a", "90", 10), p("b", "80", 10), p("c", "70", 10, technology="boiler")]
    r = solve(props, round_budget_jpy=100, pairs=(Limit("VN/solar_pv", max=1),))
    assert r.optimiser.ids == ("a", "c")


def test_fixed_out_and_fixed_in_are_kept() -> None:
    props = [p("a", "90", 60, fixed="out"), p("b", "10", 60, fixed="in"), p("c", "50", 40)]
    r = solve(props, round_budget_jpy=100)
    assert r.optimiser.ids == ("b", "c")
    assert r.only_optimiser[0].reasons[0].code == "fixed_in"


def test_screening_failures_are_left_out_and_listed() -> None:
    r = solve([p("a", "90", 10, screening_passed=False), p("b", "10", 10)])
    assert r.optimiser.ids == ("b",) and r.ranking.ids == ("b",)
    assert [(d.id, d.reasons[0].code) for d in r.excluded] == [("a", "excluded.screening")]


# --- the rate bands of 2.(9) -----------------------------------------------------------
def test_ten_similar_adoptions_at_application_exclude_the_proposal() -> None:
    r = solve([p("a", "90", 10, similar_adopted=10), p("b", "80", 10, similar_adopted=9)])
    assert r.optimiser.ids == ("b",)
    assert r.excluded[0].reasons[0].code == "excluded.rate_band"
    assert r.excluded[0].reasons[0].params == {"technology": "solar_pv", "count": 10}


def test_adoptions_in_the_same_round_do_not_count_unless_the_office_asks() -> None:
    props = [p(f"s{k}", "90", 10, similar_adopted=8) for k in range(3)]
    plain = solve(props)
    assert len(plain.optimiser.ids) == 3  # 2.(9): counted at application
    counted = solve(props, count_round_adoptions=True)
    assert len(counted.optimiser.ids) == 2  # 8 before + 2 this round = 10
    limit = check(counted, "similar.ten:VN/solar_pv")
    assert limit.hi == 2 and limit.binding


# --- objectives ------------------------------------------------------------------------
def test_tco2_objective_takes_the_reductions_not_the_score() -> None:
    r = solve([p("a", "90", 60, 10), p("b", "20", 50, 80)], Objective.TCO2)
    assert r.optimiser.ids == ("b",) and r.optimiser.objective_value == Decimal(80)


def test_tco2_per_yen_is_the_best_ratio_over_every_subset() -> None:
    props = [
        p("a", "90", 60, 100),
        p("b", "80", 50, 90),
        p("c", "70", 30, 50),
        p("d", "60", 7, 11),
        p("e", "50", 13, 20),
    ]
    r = solve(props, Objective.TCO2_PER_YEN, round_budget_jpy=100, countries=())
    best = max(
        Fraction(sum(x.lifetime_tco2 for x in s), sum(x.subsidy_jpy for x in s))
        for k in range(1, 6)
        for s in combinations(props, k)
        if sum(x.subsidy_jpy for x in s) <= 100
    )
    got = r.optimiser
    assert Fraction(got.lifetime_tco2, got.subsidy_jpy) == best
    assert r.iterations >= 1 and r.status is Status.OPTIMAL


def test_score_with_a_tco2_floor_gives_up_score_for_the_floor() -> None:
    props = [p("a", "90", 50, 10), p("b", "80", 50, 10), p("c", "30", 50, 100)]
    r = solve(props, Objective.SCORE_WITH_TCO2_FLOOR, tco2_floor=100)
    assert r.optimiser.ids == ("a", "c") and check(r, "tco2.floor").holds(110)
    with pytest.raises(ValueError, match="needs a tco2_floor"):
        solve(props, Objective.SCORE_WITH_TCO2_FLOOR)


# --- infeasible, named -----------------------------------------------------------------
def test_fixed_in_beyond_the_budget_is_infeasible_and_says_by_how_much() -> None:
    props = [p("a", "90", 60, fixed="in"), p("b", "80", 50, fixed="in"), p("c", "1", 1)]
    r = solve(props, round_budget_jpy=100)
    assert r.status is Status.INFEASIBLE and r.optimiser is None
    ids = {c.id for c in r.conflicts}
    assert ids == {"budget.round", "fixed.in:a", "fixed.in:b"}
    budget = next(c for c in r.conflicts if c.id == "budget.round")
    assert budget.achievable == 110 and "10 yen more" in budget.text
    assert r.only_optimiser == () and r.ranking.ids == ("a",)


def test_a_fixed_in_proposal_that_failed_screening_is_named() -> None:
    r = solve([p("a", "90", 10, fixed="in", screening_passed=False)])
    assert r.status is Status.INFEASIBLE
    (conflict,) = r.conflicts
    assert conflict.id == "fixed.in:a" and "failed screening" in conflict.text


def test_a_minimum_no_set_can_reach_is_named_with_what_can_be_reached() -> None:
    props = [p("a", "90", 10), p("b", "80", 10, country="ID")]
    r = solve(props, countries=(Limit("VN", min=2), Limit("ID", max=0)))
    (conflict,) = r.conflicts
    assert conflict.id == "country.min:VN" and conflict.achievable == 1
    assert "1 short" in conflict.text


def test_min_above_max_is_infeasible_naming_both() -> None:
    r = solve([p("a", "90", 10), p("b", "80", 10)], countries=(Limit("VN", min=2, max=1),))
    assert {c.id for c in r.conflicts} == {"country.min:VN", "country.max:VN"}


def test_a_time_limit_reports_the_set_found_and_its_gap() -> None:
    run = _Run(highspy.HighsModelStatus.kTimeLimit, (0, 2), 0.125, 41.5)
    chosen, status, gap, bound, _ = _finish(run, 10, 1)
    assert chosen == (0, 2) and status is Status.TIME_LIMIT
    assert gap == Decimal("0.125") and bound == Decimal("4.15")
    with pytest.raises(TimeoutError, match="allow more time"):
        _finish(_Run(highspy.HighsModelStatus.kTimeLimit, None, 1.0, 0.0), 1, 1)


# --- inputs and results ----------------------------------------------------------------
def _no_float(value) -> bool:
    if isinstance(value, dict):
        return all(_no_float(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_float(v) for v in value)
    return not isinstance(value, float)


def test_the_input_round_trips_through_json_with_the_same_fingerprint() -> None:
    problem = Problem(
        (
            p("a", "90.5", 60, 7, similar_adopted=3, receipt="JCM-1"),
            p("m", "40", 10, parts=(Part("solar_pv", 6, 1), Part("boiler", 4)), eco_lease=True),
            p("x", "1", 1, fixed="out", screening_passed=False),
        ),
        Constraints(
            100,
            call_budget_jpy=90,
            eco_lease_budget_jpy=5,
            countries=(Limit("VN", 1, 2),),
            technologies=(Limit("boiler", max=1),),
            pairs=(Limit("VN/boiler", max=1),),
            tco2_floor=3,
            count_round_adoptions=True,
        ),
        Objective.TCO2,
        Decimal("2.5"),
    )
    text = json.dumps(problem.to_dict())
    again = Problem.from_dict(json.loads(text))
    assert again == problem and again.fingerprint() == problem.fingerprint()
    changed = Problem(problem.proposals, problem.constraints, Objective.SCORE, Decimal("2.5"))
    assert changed.fingerprint() != problem.fingerprint()
    result = optimise(again).to_dict()
    assert json.loads(json.dumps(result)) == result and _no_float(result)
    assert result["input_fingerprint"] == problem.fingerprint()
    assert result["model_version"] == "renkei.selection.optimiser/1"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Constraints(-1), "round_budget_jpy must be a whole number ≥ 0"),
        (lambda: p("a", "1", 10, parts=(Part("x", 3), Part("y", 3))), "add up to 6 yen, not 10"),
        (lambda: p("a", "1", 10, fixed="maybe"), "fixed must be 'in', 'out' or empty"),
        (lambda: Limit("VN", min=-1), "a limit is a whole number ≥ 0"),
        (lambda: Constraints(1, pairs=(Limit("VN"),)), "write it as COUNTRY/technology"),
        (
            lambda: Problem((), Constraints(1), "cheapest"),
            "unknown objective 'cheapest': choose one of score, tco2",
        ),
        (lambda: Problem((p("a", "1", 1), p("a", "2", 2)), Constraints(1)), "repeated: a"),
        (lambda: Problem((), Constraints(1), time_limit_s=Decimal(0)), "positive number"),
    ],
)
def test_bad_input_says_what_was_wrong(make, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make()


def test_evaluate_says_what_a_set_chosen_by_hand_breaks() -> None:
    problem = Problem(
        (
            p("a", "90", 60, eco_lease=True),
            p("b", "80", 50),
            p("c", "1", 1, screening_passed=False),
        ),
        Constraints(100, eco_lease_budget_jpy=50, countries=(Limit("VN", max=1),)),
    )
    portfolio, broken = evaluate(problem, ["a", "b", "c"])
    assert portfolio.subsidy_jpy == 111 and portfolio.eco_lease_jpy == 60
    assert broken == ("excluded:c", "budget.round", "budget.eco_lease", "country.max:VN")
    assert evaluate(problem, ["b"])[1] == ()
    with pytest.raises(ValueError, match="not proposals of this problem: z"):
        evaluate(problem, ["z"])


def test_the_optimiser_stays_pure_not_even_django_indirectly() -> None:
    """``tests/architecture`` checks the package's own import lines; this checks what importing
    it actually loads (a helper it imports could pull Django in)."""
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    code = (
        "import sys, renkei.selection.optimiser\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(src), "PATH": ""},
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
