"""Whole-proposal assessment of the C3P FY2025 call: examples, eligibility, schedule, scoring."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from renkei.errors import BadInput, InvalidDocument, NotInForce, UnknownChoice
from renkei.rules._result import Assessment, Finding, Status
from renkei.rules._yaml import load_yaml_file
from renkei.rules.c3p import C3pProposal, C3pRulebook, assess_c3p, parse_c3p_proposal, score_item

Parse = Callable[[dict[str, Any]], C3pProposal]


def _assess(data: dict[str, Any], book: C3pRulebook) -> Assessment:
    return assess_c3p(parse_c3p_proposal(data, "test proposal"), book)


def _finding(a: Assessment, check: str) -> Finding:
    found = [f for f in a.findings if f.check == check]
    assert len(found) == 1, f"{check}: {len(found)} findings"
    return found[0]


def _statuses(a: Assessment, section: str) -> set[Status]:
    return {f.status for s in a.sections if s.id == section for f in s.findings}


# --- the example files ----------------------------------------------------------------------
EXPECTED = {
    "c3p-new-project.yaml": Status.PASS,
    "c3p-ongoing-project.yaml": Status.PASS,
    "c3p-fails-eligibility.yaml": Status.FAIL,
}


def test_every_c3p_example_has_an_expectation(examples_dir: Path) -> None:
    assert {p.name for p in examples_dir.glob("c3p-*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize(("name", "status"), sorted(EXPECTED.items()))
def test_example_validates_and_gets_expected_status(
    name: str, status: Status, examples_dir: Path, book: C3pRulebook
) -> None:
    data = load_yaml_file(examples_dir / name)
    assert data["title"].startswith("SAMPLE")
    a = _assess(data, book)
    assert a.status is status
    assert [s.id for s in a.sections] == [
        "eligibility",
        "schedule",
        "costs",
        "scoring",
        "activities",
        "documents",
    ]
    json.dumps(a.to_dict("ja"), ensure_ascii=False)
    json.dumps(a.to_dict("en"))


@pytest.mark.parametrize("name", ["c3p-new-project.yaml", "c3p-ongoing-project.yaml"])
def test_passing_examples_pass_eligibility(name: str, example, book: C3pRulebook) -> None:
    a = _assess(example(name), book)
    assert _statuses(a, "eligibility") <= {Status.PASS, Status.INFO}


def test_failing_example_fails_only_for_the_qualification(example, book: C3pRulebook) -> None:
    a = _assess(example("c3p-fails-eligibility.yaml"), book)
    failing = {f.check for f in a.findings if f.status is Status.FAIL}
    assert failing == {"c3p.eligibility.6", "c3p.eligibility.6.retain"}
    assert _finding(a, "c3p.eligibility.6").clause == "3.2 eligibility (6)"


def test_figures(new_data, ongoing_data, book: C3pRulebook) -> None:
    new = _assess(new_data, book).figures
    assert new["score_max"] == 185
    assert new["score_computed"] == 31  # 5 + 3 + 5 + 0 (n/a) + 5 + 3 + 10
    assert new["score_reviewer"] == 0
    assert new["score_total"] == 31
    assert new["contract_total_incl_tax_jpy"] == 19_778_000
    assert new["contract_cap_jpy"] == 20_000_000
    ongoing = _assess(ongoing_data, book).figures
    assert ongoing["score_computed"] == 45  # 3 + 4 + 4 + 10 + 5 + 4 + 15
    assert ongoing["score_reviewer"] == 106
    assert ongoing["score_total"] == 151
    assert ongoing["score_reviewer_pending"] == []


# --- reviewer inputs ----------------------------------------------------------------------------
def test_reviewer_score_at_maximum_is_accepted(new_data, book: C3pRulebook) -> None:
    new_data["reviewer_scores"] = {"overall_evaluation": 50, "technology_introduction": 40}
    a = _assess(new_data, book)
    assert a.figures["score_reviewer"] == 90
    assert _finding(a, "c3p.scoring.reviewer.overall_evaluation").params["points"] == 50


@pytest.mark.parametrize(
    ("project", "item", "value", "maximum"),
    [
        ("new", "overall_evaluation", 51, 50),
        ("ongoing", "overall_evaluation", 26, 25),
        ("new", "technology_introduction", 41, 40),
        ("ongoing", "technology_introduction", 36, 35),
        ("ongoing", "past_achievements", 21, 20),
        ("new", "engineer_suitability", 6, 5),
    ],
)
def test_reviewer_score_over_maximum_is_rejected(
    project: str, item: str, value: int, maximum: int, new_data, ongoing_data, book
) -> None:
    data = new_data if project == "new" else ongoing_data
    data["reviewer_scores"] = {item: value}
    with pytest.raises(InvalidDocument) as err:
        _assess(data, book)
    (error,) = err.value.errors
    assert error.path == f"reviewer_scores.{item}"
    assert f"{value} points is more than the maximum of {maximum}" in error.message
    assert f"give 0 to {maximum}" in error.message


def test_past_achievements_for_a_new_project_is_rejected(new_data, book: C3pRulebook) -> None:
    new_data["reviewer_scores"] = {"past_achievements": 10}
    with pytest.raises(InvalidDocument, match="not scored for new projects"):
        _assess(new_data, book)


def test_negative_reviewer_score_is_rejected(new_data, parse: Parse) -> None:
    new_data["reviewer_scores"] = {"cn_declaration": -1}
    with pytest.raises(InvalidDocument, match=r"reviewer_scores\.cn_declaration"):
        parse(new_data)


# --- eligibility (3.2) ----------------------------------------------------------------------------
DECLARATIONS = [
    ("1", "incorporated"),
    ("2", "not_under_article_70"),
    ("3", "not_under_article_71"),
    ("4", "not_under_suspension_of_designation"),
    ("5", "anti_organised_crime_pledge"),
]


@pytest.mark.parametrize(("cid", "field"), DECLARATIONS)
@pytest.mark.parametrize(
    ("value", "status"),
    [(True, Status.PASS), (False, Status.FAIL), (None, Status.NEEDS_REVIEW)],
)
def test_declarations_are_three_valued(cid, field, value, status, new_data, book) -> None:
    if value is None:
        del new_data["applicant"][field]
    else:
        new_data["applicant"][field] = value
    f = _finding(_assess(new_data, book), f"c3p.eligibility.{cid}")
    assert f.status is status
    assert f.clause == f"3.2 eligibility ({cid})"


@pytest.mark.parametrize(
    ("rating", "status"),
    [
        ("A", Status.PASS),
        ("C", Status.PASS),
        ("D", Status.FAIL),
        ("none", Status.FAIL),
        (None, Status.NEEDS_REVIEW),
    ],
)
def test_survey_research_rating(rating, status, new_data, book) -> None:
    new_data["applicant"]["survey_research_rating_fy2022_2024"] = rating
    f = _finding(_assess(new_data, book), "c3p.eligibility.6")
    assert f.status is status
    note = f.notes[0]
    assert note.code == "c3p.note.qualification_years"
    assert set(note.clauses) == {"3.2 eligibility (6)", "3.4 (11)"}


def test_fy2025_2027_rating_not_yet_known_needs_review(new_data, book) -> None:
    del new_data["applicant"]["survey_research_rating_fy2025_2027"]
    a = _assess(new_data, book)
    assert _finding(a, "c3p.eligibility.6.retain").status is Status.NEEDS_REVIEW
    assert a.status is Status.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("intent", "status", "code"),
    [
        (True, Status.PASS, "c3p.eligibility.7.intended"),
        (False, Status.FAIL, "c3p.eligibility.7.intended_no_letter"),
        (None, Status.NEEDS_REVIEW, "c3p.eligibility.7.intended_unknown"),
    ],
)
def test_agreement_intended_needs_partner_letter_of_intent(
    intent, status, code, new_data, book
) -> None:
    new_data["agreement"] = {"status": "intended"}
    new_data["partner_city"]["letter_states_intent_to_conclude_agreement"] = intent
    f = _finding(_assess(new_data, book), "c3p.eligibility.7")
    assert (f.status, f.code) == (status, code)
    assert "BOX 8" in f.clause


def test_no_agreement_and_no_intention_fails(new_data, book) -> None:
    new_data["agreement"] = {"status": "none"}
    assert _finding(_assess(new_data, book), "c3p.eligibility.7").status is Status.FAIL


def test_no_consortium_with_the_japanese_city_fails(new_data, book) -> None:
    new_data["japanese_city"]["in_consortium"] = False
    assert _finding(_assess(new_data, book), "c3p.eligibility.8").status is Status.FAIL


def test_missing_partner_letter_fails_and_translation_is_not_asked(new_data, book) -> None:
    new_data["partner_city"]["letter_of_interest"] = False
    a = _assess(new_data, book)
    assert _finding(a, "c3p.eligibility.9.partner_city").status is Status.FAIL
    assert not [f for f in a.findings if f.check == "c3p.eligibility.9.translation"]


def test_partner_letter_without_translation_fails(new_data, book) -> None:
    new_data["partner_city"]["letter_japanese_translation"] = False
    a = _assess(new_data, book)
    assert _finding(a, "c3p.eligibility.9.translation").status is Status.FAIL
    assert a.status is Status.FAIL


def test_japanese_city_letter_not_stated_needs_review(new_data, book) -> None:
    del new_data["japanese_city"]["letter_of_interest"]
    f = _finding(_assess(new_data, book), "c3p.eligibility.9.japanese_city")
    assert f.status is Status.NEEDS_REVIEW


def test_other_stakeholder_letters_are_recommended_from_year_two(new_data, ongoing_data, book):
    assert not [
        f
        for f in _assess(new_data, book).findings
        if f.check == "c3p.eligibility.9.other_stakeholders"
    ]
    given = _finding(_assess(ongoing_data, book), "c3p.eligibility.9.other_stakeholders")
    assert (given.status, given.code) == (Status.INFO, "c3p.eligibility.9.others.given")
    assert given.params["year"] == 5  # phase 2, year 2
    ongoing_data["project"]["other_stakeholder_letters"] = []
    a = _assess(ongoing_data, book)
    rec = _finding(a, "c3p.eligibility.9.other_stakeholders")
    assert rec.code == "c3p.eligibility.9.others.recommended"
    assert a.status is Status.PASS  # a recommendation, not a requirement


@pytest.mark.parametrize(
    ("country", "status", "code"),
    [
        ("VN", Status.PASS, "c3p.eligibility.country.partner"),
        ("UA", Status.PASS, "c3p.eligibility.country.partner"),
        ("IN", Status.PASS, "c3p.eligibility.country.candidate"),
        ("TR", Status.PASS, "c3p.eligibility.country.candidate"),
        ("US", Status.FAIL, "c3p.eligibility.country.fail"),
        ("CN", Status.FAIL, "c3p.eligibility.country.fail"),
    ],
)
def test_country_must_be_partner_or_candidate(country, status, code, new_data, book) -> None:
    new_data["partner_city"]["country"] = country
    f = _finding(_assess(new_data, book), "c3p.eligibility.country")
    assert (f.status, f.code) == (status, code)


@pytest.mark.parametrize("country", ["XX", "vn", "Vietnam"])
def test_country_must_be_an_iso_code(country, new_data, parse: Parse) -> None:
    new_data["partner_city"]["country"] = country
    with pytest.raises(InvalidDocument, match="ISO 3166-1 alpha-2"):
        parse(new_data)


# --- schedule (2.1) and period in force -----------------------------------------------------------
@pytest.mark.parametrize(
    ("phase", "year", "check", "status"),
    [
        (2, 3, "c3p.schedule.phase", Status.PASS),
        (3, 1, "c3p.schedule.phase", Status.FAIL),
        (2, 3, "c3p.schedule.year_in_phase", Status.PASS),
        (1, 4, "c3p.schedule.year_in_phase", Status.FAIL),
    ],
)
def test_phases_and_years(phase, year, check, status, ongoing_data, book) -> None:
    ongoing_data["project"].update(phase=phase, year_in_phase=year)
    assert _finding(_assess(ongoing_data, book), check).status is status


def test_new_project_not_in_its_first_year_needs_review(new_data, book) -> None:
    new_data["project"]["year_in_phase"] = 2
    f = _finding(_assess(new_data, book), "c3p.schedule.project_type")
    assert (f.status, f.code) == (Status.NEEDS_REVIEW, "c3p.schedule.type.new_not_first")


def test_ongoing_project_in_its_first_year_needs_review(ongoing_data, book) -> None:
    ongoing_data["project"].update(phase=1, year_in_phase=1)
    f = _finding(_assess(ongoing_data, book), "c3p.schedule.project_type")
    assert (f.status, f.code) == (Status.NEEDS_REVIEW, "c3p.schedule.type.ongoing_first")


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ("A new hydrogen theme", "c3p.schedule.novelty.given"),
        (None, "c3p.schedule.novelty.missing"),
    ],
)
def test_moving_to_phase_two_needs_higher_novelty(statement, code, ongoing_data, book) -> None:
    ongoing_data["project"].update(phase=2, year_in_phase=1, higher_novelty_statement=statement)
    a = _assess(ongoing_data, book)
    f = _finding(a, "c3p.schedule.phase2_novelty")
    assert (f.status, f.code) == (Status.NEEDS_REVIEW, code)
    assert f.clause.startswith("Table 6 item 1")
    assert a.status is Status.NEEDS_REVIEW


def test_phase_two_later_years_need_no_novelty_review(ongoing_data, book) -> None:
    a = _assess(ongoing_data, book)  # phase 2, year 2
    assert not [f for f in a.findings if f.check == "c3p.schedule.phase2_novelty"]


@pytest.mark.parametrize("fiscal_year", [2024, 2026])
def test_other_fiscal_years_are_refused(fiscal_year, new_data, book) -> None:
    new_data["fiscal_year"] = fiscal_year
    with pytest.raises(NotInForce, match=f"FY{fiscal_year}.*2025-02-10 to 2026-03-31"):
        _assess(new_data, book)


def test_submission_before_the_call_is_refused(new_data, book) -> None:
    new_data["submitted_on"] = dt.date(2025, 2, 9)
    with pytest.raises(NotInForce, match="2025-02-09"):
        _assess(new_data, book)
    new_data["submitted_on"] = dt.date(2025, 2, 10)
    assert _assess(new_data, book).status is Status.PASS


def test_a_proposal_for_another_call_is_invalid(new_data, parse: Parse) -> None:
    new_data["call"] = "c3p/fy2026"
    with pytest.raises(InvalidDocument, match="call"):
        parse(new_data)


def test_money_must_be_whole_yen(new_data, parse: Parse) -> None:
    new_data["cost_plan"]["personnel_jpy"] = Decimal("6500000.5")
    with pytest.raises(InvalidDocument, match=r"cost_plan\.personnel_jpy"):
        parse(new_data)


# --- costs in a whole proposal ---------------------------------------------------------------
def test_outsourcing_over_half_is_the_deciding_factor(new_data, book) -> None:
    new_data["cost_plan"]["joint_implementation_jpy"] = 8_000_000  # 9.2M of 17.68M
    new_data["cost_plan"]["personnel_jpy"] = 1_000_000
    a = _assess(new_data, book)
    f = _finding(a, "c3p.costs.outsourcing")
    assert f.status is Status.NEEDS_REVIEW
    assert f.notes[0].code == "c3p.note.outsourcing_literal"
    assert "no more than half the total" in f.notes[0].message("en")
    assert a.status is Status.NEEDS_REVIEW


def test_over_the_cap_fails_the_proposal(new_data, book) -> None:
    new_data["cost_plan"]["personnel_jpy"] = 9_000_000
    a = _assess(new_data, book)
    assert a.figures["contract_total_incl_tax_jpy"] == 22_528_000
    assert _finding(a, "c3p.costs.cap").status is Status.FAIL
    assert a.status is Status.FAIL


def test_field_survey_uplift_raises_the_cap_figure(new_data, book) -> None:
    new_data["cost_plan"]["personnel_jpy"] = 9_000_000
    new_data["cost_plan"]["field_survey_tasks"] = "Wind condition survey for a JCM application"
    a = _assess(new_data, book)
    assert a.figures["contract_cap_jpy"] == 25_000_000
    assert _finding(a, "c3p.costs.cap").status is Status.NEEDS_REVIEW


# --- scoring in a whole proposal ------------------------------------------------------------------
def test_notes_are_carried_into_results(new_data, book) -> None:
    a = _assess(new_data, book)
    ce = _finding(a, "c3p.scoring.cost_effectiveness")
    assert [(n.code, n.clauses) for n in ce.notes] == [
        ("c3p.note.ce_table4", ("Table 4", "Table 6"))
    ]
    eng = _finding(a, "c3p.scoring.engineer_workload")  # the example's engineer has 1 project
    assert eng.params["points"] == 5
    assert [n.code for n in eng.notes] == ["c3p.note.engineer_one_project"]
    assert eng.notes[0].clauses[0].startswith("Table 6 item 2")
    doc11 = _finding(a, "c3p.documents.qualification_certificate")
    assert {c for n in doc11.notes for c in n.clauses} == {"3.2 eligibility (6)", "3.4 (11)"}


def test_past_collaboration_counts_for_ongoing_only(new_data, ongoing_data, book) -> None:
    new_data["project"]["past_c3p_projects_last_3_years"] = 5
    assert _finding(_assess(new_data, book), "c3p.scoring.past_collaboration").params["points"] == 0
    assert (
        _finding(_assess(ongoing_data, book), "c3p.scoring.past_collaboration").params["points"]
        == 10
    )


def test_ems_from_past_certification_needs_review(new_data, book) -> None:
    new_data["commitments"]["ems_certifications"] = []
    new_data["commitments"]["ems_past_certification"] = "ISO14001 (until 2023)"
    new_data["commitments"]["ems_own_system"] = "Company EMS manual"
    a = _assess(new_data, book)
    assert _finding(a, "c3p.scoring.ems").status is Status.NEEDS_REVIEW
    assert a.figures["score_computed"] == 31


@pytest.mark.parametrize(
    ("item", "value", "error"),
    [
        ("cost_effectiveness", Decimal(-1), BadInput),
        ("ghg_reduction", Decimal("NaN"), BadInput),
        ("engineer_workload", Decimal("1.5"), BadInput),
        ("engineer_workload", 2.0, BadInput),
        ("subsidy_rate", Decimal(1), UnknownChoice),
    ],
)
def test_score_item_refuses_bad_input(item, value, error, book) -> None:
    with pytest.raises(error):
        score_item(book, item, value)


def test_score_item_returns_int_points(book) -> None:
    f = score_item(book, "ghg_reduction", Decimal(50_000))
    assert f.params["points"] == 4 and isinstance(f.params["points"], int)
    assert f.check == "c3p.scoring.ghg_reduction"


# --- documents (3.4) and activities (Table 3) ---------------------------------------------------
def test_missing_required_document_fails(new_data, book) -> None:
    new_data["documents_submitted"].remove("letters_of_interest")
    f = _finding(_assess(new_data, book), "c3p.documents.letters_of_interest")
    assert (f.status, f.clause) == (Status.FAIL, "3.4 (10)")


def test_missing_evidence_for_claimed_points_needs_review(new_data, book) -> None:
    new_data["documents_submitted"].remove("ems_certification")
    f = _finding(_assess(new_data, book), "c3p.documents.ems_certification")
    assert (f.status, f.code) == (Status.NEEDS_REVIEW, "c3p.documents.missing_evidence")


def test_evidence_not_needed_when_no_points_claimed(new_data, book) -> None:
    new_data["commitments"]["wlb_certifications"] = []
    new_data["documents_submitted"].remove("wlb_certification")
    f = _finding(_assess(new_data, book), "c3p.documents.wlb_certification")
    assert f.status is Status.INFO
    jcm = _finding(_assess(new_data, book), "c3p.documents.jcm_achievements")
    assert jcm.code == "c3p.documents.not_required"


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("report_sessions", 2, Status.NEEDS_REVIEW),
        ("report_sessions", 3, Status.PASS),
        ("field_surveys", 1, Status.NEEDS_REVIEW),
        ("presentations_in_japan", 0, Status.NEEDS_REVIEW),
        ("jica_field_office_discussions", 0, Status.NEEDS_REVIEW),
        ("supporting_organisations", [], Status.NEEDS_REVIEW),
        ("deliverables", False, Status.FAIL),
        ("monthly_reports", False, Status.FAIL),
        ("monthly_reports", None, Status.NEEDS_REVIEW),
    ],
)
def test_activity_plan_against_table3(field, value, status, new_data, book) -> None:
    new_data["activity_plan"][field] = value
    f = _finding(_assess(new_data, book), f"c3p.activities.{field}")
    assert f.status is status
    assert f.clause.startswith("Table 3 (")


def test_workshop_needs_a_field_survey(new_data, book) -> None:
    new_data["activity_plan"]["field_surveys"] = 0
    f = _finding(_assess(new_data, book), "c3p.activities.local_workshops.with_field_survey")
    assert f.status is Status.NEEDS_REVIEW


def test_no_activity_plan_needs_review(new_data, book) -> None:
    del new_data["activity_plan"]
    a = _assess(new_data, book)
    assert _statuses(a, "activities") == {Status.NEEDS_REVIEW}
