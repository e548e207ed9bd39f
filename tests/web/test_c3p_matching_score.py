"""The matching score (renkei.c3p.matching_score): each criterion counts once with its clause,
a solution that shares neither the sector nor the country is no suggestion, and the ranking is
stable; invariants with hypothesis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from renkei.c3p import matching_score as m

NEED = m.Need(
    id=1,
    sector="energy_efficiency",
    country="VN",
    partner_city_id=100,
    problem="Street lighting and chillers in public buildings waste electricity",
)


def _codes(s: m.Suggestion) -> dict[str, int]:
    return {r.code: r.points for r in s.reasons}


def test_every_criterion_counts_with_its_clause() -> None:
    solution = m.Solution(
        id=7,
        sectors=frozenset({"energy_efficiency"}),
        countries=frozenset({"VN"}),
        organisation_id=50,
        jcm_experience=True,
        text="High-efficiency chillers and LED street lighting",
    )
    s = m.score(NEED, solution, partnered=frozenset({(50, 100)}))
    assert _codes(s) == {
        "same_sector": 40,
        "call_sector": 10,
        "country": 15,
        "partnership": 15,
        "jcm_experience": 10,
        "shared_words": 6,  # chillers, lighting, street
    }
    assert s.score == 96
    assert {r.clause for r in s.reasons} >= {"C3P §3.1 step 4", "C3P Table 6 item 1"}
    shared = next(r for r in s.reasons if r.code == "shared_words")
    assert shared.detail == "chillers, lighting, street"


def test_a_sector_outside_the_calls_targets_gets_no_call_points() -> None:
    need = m.Need(id=2, sector="waste", country="VN", partner_city_id=100)
    s = m.score(need, m.Solution(id=1, sectors=frozenset({"waste"})))
    assert _codes(s) == {"same_sector": 40}


def test_without_the_partnership_pair_no_partnership_points() -> None:
    solution = m.Solution(id=1, sectors=frozenset({"energy_efficiency"}), organisation_id=50)
    assert "partnership" not in _codes(m.score(NEED, solution, partnered=frozenset({(51, 100)})))


def test_words_alone_or_jcm_alone_are_no_suggestion() -> None:
    only_words = m.Solution(
        id=1, sectors=frozenset({"waste"}), jcm_experience=True, text="chillers lighting"
    )
    sector = m.Solution(id=2, sectors=frozenset({"energy_efficiency"}))
    country = m.Solution(id=3, sectors=frozenset({"waste"}), countries=frozenset({"VN"}))
    ranked = m.rank(NEED, [only_words, sector, country])
    assert [s.solution_id for s in ranked] == [2, 3]  # 50 before 15


def test_ties_rank_by_id_and_the_limit_holds() -> None:
    same = [m.Solution(id=i, sectors=frozenset({"energy_efficiency"})) for i in (9, 3, 5)]
    assert [s.solution_id for s in m.rank(NEED, same)] == [3, 5, 9]
    assert [s.solution_id for s in m.rank(NEED, same, limit=2)] == [3, 5]


def test_common_words_are_not_counted() -> None:
    assert m.words("The city and the project of our LOCAL chillers") == frozenset({"chillers"})


sectors = st.frozensets(st.sampled_from(["energy_efficiency", "waste", "hydrogen", "digital"]))
countries = st.frozensets(st.sampled_from(["VN", "PH", "TH"]))


@given(sectors=sectors, countries=countries, jcm=st.booleans(), text=st.text(max_size=200))
def test_the_score_is_the_sum_of_its_reasons_and_within_the_maximum(
    sectors, countries, jcm, text
) -> None:
    solution = m.Solution(id=1, sectors=sectors, countries=countries, jcm_experience=jcm, text=text)
    s = m.score(NEED, solution)
    assert s.score == sum(r.points for r in s.reasons) <= m.MAX_SCORE
    assert len({r.code for r in s.reasons}) == len(s.reasons)


@given(sectors=sectors, countries=countries)
def test_adding_the_needs_country_never_lowers_the_score(sectors, countries) -> None:
    base = m.Solution(id=1, sectors=sectors, countries=countries)
    more = m.Solution(id=1, sectors=sectors, countries=countries | {"VN"})
    assert m.score(NEED, more).score >= m.score(NEED, base).score
