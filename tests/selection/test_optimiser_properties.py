"""Properties of the selection optimiser, against a brute force over every subset of a small
round: the optimum is exact and never worse than the ranking's walk when that walk meets the
constraints; every constraint holds in the result; an infeasible set of constraints is
reported as such, naming constraints that together cannot hold.

The brute force checks the constraints from the proposals themselves (``broken``), not
through the optimiser's own rows, so a wrong row would be caught."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import combinations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from renkei.selection.optimiser import (
    Constraints,
    Limit,
    Objective,
    Part,
    Problem,
    Proposal,
    Status,
    evaluate,
    optimise,
)

COUNTRIES = ("VN", "ID", "TH")
TECHS = ("solar_pv", "boiler", "chiller")
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def proposals(draw) -> tuple[Proposal, ...]:
    n = draw(st.integers(0, 7))
    big = draw(st.booleans())  # billions of yen: the solver's tolerances must not matter
    unit = 1_000_003 if big else 1
    out = []
    for k in range(n):
        subsidy = draw(st.integers(0, 60)) * unit + draw(st.integers(0, 2))
        common = dict(
            id=f"p{k}",
            score=Decimal(draw(st.integers(0, 10_000))).scaleb(-draw(st.sampled_from([0, 2]))),
            subsidy_jpy=subsidy,
            lifetime_tco2=draw(st.integers(0, 500)),
            country=draw(st.sampled_from(COUNTRIES)),
            eco_lease=draw(st.booleans()),
            screening_passed=draw(st.integers(0, 9)) > 0,
            fixed=draw(st.sampled_from([None] * 10 + ["in", "out"])),
        )
        if draw(st.integers(0, 4)) == 0 and subsidy >= 1:
            first, second = draw(st.permutations(TECHS))[:2]
            cut = draw(st.integers(0, subsidy))
            parts = (Part(first, cut, draw(st.integers(0, 11))), Part(second, subsidy - cut))
            out.append(Proposal(**common, parts=parts))
        else:
            out.append(
                Proposal(
                    **common,
                    technology=draw(st.sampled_from(TECHS)),
                    similar_adopted=draw(st.one_of(st.none(), st.integers(0, 11))),
                )
            )
    return tuple(out)


def limits(keys) -> st.SearchStrategy[tuple[Limit, ...]]:
    one = st.builds(
        Limit,
        st.sampled_from(keys),
        st.sampled_from([None, None, 0, 1, 2]),
        st.one_of(st.none(), st.integers(0, 4)),
    )
    return st.lists(one, max_size=2, unique_by=lambda x: x.key).map(tuple) | st.just(())


@st.composite
def problems(draw) -> Problem:
    props = draw(proposals())
    total = sum(p.subsidy_jpy for p in props)
    budget = st.integers(0, max(total, 1))
    constraints = Constraints(
        round_budget_jpy=draw(budget),
        call_budget_jpy=draw(st.one_of(st.none(), budget)),
        eco_lease_budget_jpy=draw(st.one_of(st.none(), st.integers(0, max(total // 3, 1)))),
        countries=draw(limits(COUNTRIES)),
        technologies=draw(limits(TECHS)),
        pairs=draw(limits([f"{c}/{t}" for c in COUNTRIES for t in TECHS])),
        tco2_floor=draw(st.sampled_from([None, None, None, 0, 50, 200, 600])),
        count_round_adoptions=draw(st.booleans()),
    )
    objective = draw(st.sampled_from(list(Objective)))
    if objective is Objective.SCORE_WITH_TCO2_FLOOR and constraints.tco2_floor is None:
        objective = Objective.SCORE
    return Problem(props, constraints, objective)


def excluded(p: Proposal) -> bool:
    return not p.screening_passed or any(
        x.similar_adopted is not None and x.similar_adopted >= 10 for x in p.technology_parts
    )


def broken(problem: Problem, chosen: tuple[Proposal, ...]) -> set[str]:
    """The ids of the constraints ``chosen`` breaks, computed from scratch."""
    c, out = problem.constraints, set()
    money = sum(p.subsidy_jpy for p in chosen)
    if money > c.round_budget_jpy:
        out.add("budget.round")
    if c.call_budget_jpy is not None and money > c.call_budget_jpy:
        out.add("budget.call")
    eco = sum(p.subsidy_jpy for p in chosen if p.eco_lease)
    if c.eco_lease_budget_jpy is not None and eco > c.eco_lease_budget_jpy:
        out.add("budget.eco_lease")
    for kind, lims, member in (
        ("country", c.countries, lambda p, k: p.country == k),
        ("technology", c.technologies, lambda p, k: k in p.technologies),
        (
            "pair",
            c.pairs,
            lambda p, k: p.country == k.split("/")[0] and k.split("/")[1] in p.technologies,
        ),
    ):
        for lim in lims:
            n = sum(1 for p in chosen if member(p, lim.key))
            if lim.min is not None and n < lim.min:
                out.add(f"{kind}.min:{lim.key}")
            if lim.max is not None and n > lim.max:
                out.add(f"{kind}.max:{lim.key}")
    if c.tco2_floor is not None and sum(p.lifetime_tco2 for p in chosen) < c.tco2_floor:
        out.add("tco2.floor")
    if c.count_round_adoptions:
        groups: dict[tuple[str, str], list[int]] = {}
        for p in problem.proposals:
            if excluded(p):
                continue
            for part in p.technology_parts:
                if part.similar_adopted is not None:
                    groups.setdefault((p.country, part.technology), []).append(part.similar_adopted)
        for (country, tech), counts in groups.items():
            k = sum(
                1
                for p in chosen
                if p.country == country
                and any(
                    x.technology == tech and x.similar_adopted is not None
                    for x in p.technology_parts
                )
            )
            if min(counts) + k > 10:
                out.add(f"similar.ten:{country}/{tech}")
    ids = {p.id for p in chosen}
    for p in problem.proposals:
        if p.fixed == "in" and p.id not in ids:
            out.add(f"fixed.in:{p.id}")
        if p.fixed == "out" and p.id in ids:
            out.add(f"fixed.out:{p.id}")
    if problem.objective is Objective.TCO2_PER_YEN and money < 1:
        out.add("ratio.subsidy")
    return out


def value(problem: Problem, chosen) -> Fraction:
    if problem.objective is Objective.TCO2:
        return Fraction(sum(p.lifetime_tco2 for p in chosen))
    if problem.objective is Objective.TCO2_PER_YEN:
        money = sum(p.subsidy_jpy for p in chosen)
        return Fraction(sum(p.lifetime_tco2 for p in chosen), money) if money else Fraction(-1)
    return Fraction(sum((p.score for p in chosen), Decimal(0)))


def feasible_sets(problem: Problem):
    allowed = [p for p in problem.proposals if not excluded(p)]
    for k in range(len(allowed) + 1):
        for chosen in combinations(allowed, k):
            if not broken(problem, chosen):
                yield chosen


@SETTINGS
@given(problems())
def test_the_optimum_is_exact_holds_every_constraint_and_beats_the_ranking(
    problem: Problem,
) -> None:
    result = optimise(problem)
    event(f"{problem.objective.value}: {result.status.value}")
    best = max((value(problem, s) for s in feasible_sets(problem)), default=None)
    if best is None:
        assert result.status is Status.INFEASIBLE and result.optimiser is None
        return
    assert result.status is Status.OPTIMAL and result.gap == 0
    by_id = {p.id: p for p in problem.proposals}
    chosen = tuple(by_id[i] for i in result.optimiser.ids)
    assert not any(excluded(p) for p in chosen)
    assert broken(problem, chosen) == set()
    assert all(c.holds(c.optimiser_value) for c in result.constraints)
    assert value(problem, chosen) == best
    ranking = tuple(by_id[i] for i in result.ranking.ids)
    assert result.ranking_feasible == (broken(problem, ranking) == set())
    if result.ranking_feasible:
        assert value(problem, chosen) >= value(problem, ranking)
    # what differs is exactly the difference of the two sets, each with a reason
    opt, rank = set(result.optimiser.ids), set(result.ranking.ids)
    assert {d.id for d in result.only_optimiser} == opt - rank
    assert {d.id for d in result.only_ranking} == rank - opt
    assert all(d.reasons for d in (*result.only_optimiser, *result.only_ranking))


@SETTINGS
@given(problems())
def test_an_infeasible_problem_names_constraints_that_cannot_hold_together(
    problem: Problem,
) -> None:
    result = optimise(problem)
    if result.status is not Status.INFEASIBLE:
        return
    named = {c.id for c in result.conflicts}
    assert named, "an infeasible result names at least one constraint"
    # the named constraints alone already rule out every set the exclusions allow
    allowed = [p for p in problem.proposals if not excluded(p)]
    for k in range(len(allowed) + 1):
        for chosen in combinations(allowed, k):
            assert broken(problem, chosen) & named, (chosen, named)
    assert all(c.text and c.label for c in result.conflicts)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_the_same_input_gives_the_same_result(problem: Problem) -> None:
    first, again = optimise(problem).to_dict(), optimise(Problem.from_dict(problem.to_dict()))
    again = again.to_dict()
    first.pop("solve_seconds"), again.pop("solve_seconds")
    assert first == again


@settings(max_examples=100, deadline=None)
@given(problems(), st.data())
def test_evaluate_names_exactly_the_constraints_any_set_breaks(problem: Problem, data) -> None:
    subset = (
        data.draw(st.lists(st.sampled_from(problem.proposals), unique=True))
        if (problem.proposals)
        else []
    )
    portfolio, named = evaluate(problem, [p.id for p in subset])
    expected = broken(problem, tuple(subset)) - {"ratio.subsidy"}
    assert {x for x in named if not x.startswith("excluded:")} == expected
    assert {x for x in named if x.startswith("excluded:")} == {
        f"excluded:{p.id}" for p in subset if excluded(p)
    }
    assert portfolio.subsidy_jpy == sum(p.subsidy_jpy for p in subset)
    assert set(portfolio.ids) == {p.id for p in subset}
