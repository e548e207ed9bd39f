"""Whole-proposal assessment of the JCM Model Project FY2024 call, clause by clause.

Proposals are built in Python from one valid minimal proposal (Kenya, where annex 3 records 0
adoptions of every non-solar technology and exactly 4 of solar PV), changed one thing at a time,
and every check is tried on both sides of its threshold. Every assessment made here is also
rendered in Japanese and English and serialised to JSON (``_assess``), so a message with a
missing placeholder or a float in the output fails whichever test produced it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from renkei.errors import BadInput, NotInForce
from renkei.rules import load_rulebook, parse_proposal
from renkei.rules._result import LANGS, Assessment, Finding, Status
from renkei.rules.jcm import (
    Adoption,
    AdoptionTable,
    JcmProposal,
    admin_cost_cap,
    assess_jcm,
    deadline,
    monitoring_plan,
    rate_cap,
    reconstructed_table,
)

CALL = "jcm-model-project/fy2024"
BOOK = load_rulebook(CALL)
TABLE = reconstructed_table(CALL)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
P, X, R, INFO = Status.PASS, Status.FAIL, Status.NEEDS_REVIEW, Status.INFO

# --- builders -----------------------------------------------------------------------------------
DOCUMENTS = [
    ("form1", "1_公募提案書.pdf"),
    ("form2", "2_代表事業者届出書.pdf"),
    ("form3_00", "3-00_実施計画書.pdf"),
    ("form3_12", "3-12_GHG排出削減量算定根拠.xlsx"),
    ("form3_16", "3-16_PIN.docx"),
    ("form4", "4_経費内訳.xlsx"),
    ("quotations", "quotations.pdf"),
    ("company_profile", "company_profile.pdf"),
    ("financial_statements", "financial_statements.pdf"),
    ("consortium_agreement", "consortium_agreement_draft.pdf"),
    ("form5", "5_Agreement_on_Allocation.pdf"),
    ("form6", "6_チェックリスト.xlsx"),
]
DECLARED_TRUE = [
    "climate_policy_alignment",
    "quantifiable_reduction",
    "superiority_evidence",
    "commercial_track_record",
    "local_support",
    "market_strategy",
    "cost_basis",
    "infrastructure_initiative_alignment",
    "environmental_compliance",
    "sdgs_and_gender",
    "human_rights_due_diligence",
]


def cost(item: str, amount: int, fy: int = 2024, **extra: Any) -> dict[str, Any]:
    return {"fiscal_year": fy, "item": item, "amount_jpy": amount, **extra}


def line(technology: str = "heat_pump", **changes: Any) -> dict[str, Any]:
    """A technology line: 50M JPY of works + equipment, 1,000 tCO2/yr over 10 years."""
    out: dict[str, Any] = {
        "technology": technology,
        "annual_reduction_tco2": "1000",
        "useful_life_years": 10,
        "useful_life_reason": "別表第二 1 食料品製造業用設備, 10 years",
        "costs": [cost("equipment", 40_000_000), cost("main_works", 10_000_000)],
    }
    out.update(changes)
    return out


def solar_line(
    efficiency: str = "0.225", technology: str = "solar_pv", **changes: Any
) -> dict[str, Any]:
    """Solar PV of 2 MW (17-year life) with modules of ``efficiency``."""
    return line(
        technology,
        useful_life_years=17,
        useful_life_reason="別表第二 31 電気業用設備, 17 years",
        solar={"capacity_mw": "2", "module_efficiency": efficiency},
        **changes,
    )


def proposal(*lines: dict[str, Any]) -> dict[str, Any]:
    """A complete Kenyan proposal that fails nothing; ``lines`` replace its one heat-pump line."""
    return copy.deepcopy(
        {
            "call": CALL,
            "title": "テスト提案",
            "country": "KE",
            "target_deadline": "2024-05-13T12:00:00+09:00",
            "pre_registered_on": "2024-04-22",
            "assessed_on": "2024-05-10",
            "consortium": {
                "representative": {
                    "name": "テスト株式会社",
                    "country": "JP",
                    "entity_type": "private_company",
                    "antisocial_forces_pledge": True,
                    "capability": {
                        "financial_soundness": True,
                        "administrative_capacity": True,
                        "clear_basis": True,
                        "technology_understanding": True,
                        "consortium_agreed": True,
                    },
                },
                "partners": [{"name": "Test Kenya Ltd.", "country": "KE"}],
            },
            "sites": [{"id": "s1", "technologies": list(lines) or [line()]}],
            "financing": {"payback_years_with_subsidy": "5"},
            "methodology": {"monitoring_plan": True},
            "declarations": {**dict.fromkeys(DECLARED_TRUE, True), "other_japanese_subsidy": False},
            "documents": [{"id": i, "file": f} for i, f in DOCUMENTS],
        }
    )


def eco_lease(data: dict[str, Any], years: int = 7) -> dict[str, Any]:
    """An eco-lease's eligible costs are the lease fee's equipment portion and its interest
    (2.(7) ただし書): the model project's works become part of the equipment portion."""
    for site in data["sites"]:
        for t in site["technologies"]:
            if any(c["item"] == "main_works" for c in t["costs"]):
                total = sum(
                    c["amount_jpy"] for c in t["costs"] if c["item"] in ("equipment", "main_works")
                )
                t["costs"] = [cost("equipment", total)]
    data["kind"] = "eco_lease"
    data["lease"] = {"lease_years": years, "fee_reduction_documented": True}
    data["consortium"]["representative"]["is_lessor"] = True
    data["methodology"]["proposed"] = True
    data["documents"].append({"id": "lease_contract", "file": "lease_contract_draft.pdf"})
    return data


def tech(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return data["sites"][0]["technologies"][index]


# --- running and looking ------------------------------------------------------------------------
def _floats(value: Any, path: str = "$") -> Iterator[str]:
    if isinstance(value, float):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _floats(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _floats(v, f"{path}[{i}]")


def _check_output(a: Assessment) -> None:
    """Every finding and note reads in both languages; the report is JSON with no floats."""
    for f in a.findings:
        for lang in LANGS:
            assert f.message(lang).strip(), (f.code, lang)
            for n in f.notes:
                assert n.message(lang).strip(), (n.code, lang)
    for lang in LANGS:
        report = a.to_dict(lang)
        json.dumps(report, ensure_ascii=False)
        assert not list(_floats(report)), list(_floats(report))


def _assess(data: dict[str, Any], table: AdoptionTable | None = None) -> Assessment:
    a = assess_jcm(JcmProposal.model_validate(data), BOOK, table)
    _check_output(a)
    return a


def found(
    a: Assessment, check: str, code: str | None = None, subject: str | None = None
) -> list[Finding]:
    return [
        f
        for f in a.findings
        if f.check == check
        and (code is None or f.code == code)
        and (subject is None or f.subject == subject)
    ]


def one(a: Assessment, check: str, code: str | None = None, subject: str | None = None) -> Finding:
    hits = found(a, check, code, subject)
    assert len(hits) == 1, [(f.check, f.code, f.status, f.subject) for f in found(a, check)]
    return hits[0]


def failures(a: Assessment) -> list[tuple[str, str]]:
    return sorted((f.check, f.code) for f in a.findings if f.status is X)


def note_codes(f: Finding) -> list[str]:
    return [n.code for n in f.notes]


def test_the_base_proposal_fails_nothing() -> None:
    a = _assess(proposal())
    assert failures(a) == []
    assert a.status is R  # statements are always for the office to confirm
    assert one(a, "jcm.rate_cap").code == "jcm.rate_cap.exact"
    assert a.figures["eligible_cost_jpy"] == 50_000_000
    assert a.figures["max_subsidy_jpy"] == 25_000_000  # heat pump in Kenya: 0 adoptions → 50%


# --- the example files --------------------------------------------------------------------------
EXAMPLE_FAILURES: dict[str, list[tuple[str, str]]] = {
    "jcm-multi-site-pass.yaml": [],
    "jcm-eco-lease.yaml": [],
    "jcm-fails-excluded-technology.yaml": [
        ("jcm.rate_cap", "jcm.rate_cap.excluded"),
        ("jcm.subsidy.excluded", "jcm.subsidy.line_excluded"),
    ],
    "jcm-fails-admin-cost.yaml": [("jcm.costs.admin_cap", "jcm.costs.admin_over")],
    "jcm-fails-pre-registration.yaml": [("jcm.schedule.pre_registration", "jcm.schedule.pre_late")],
    "jcm-fails-cost-effectiveness.yaml": [("jcm.cost_effectiveness", "jcm.ce.fail")],
    "jcm-fails-applicant-and-technology.yaml": [
        ("jcm.screening.1", "jcm.applicant.not_japanese"),
        ("jcm.screening.1", "jcm.consortium.no_foreign_partner"),
        ("jcm.tech.solar", "jcm.tech.solar_low"),
    ],
}
EXAMPLE_PATHS = sorted(EXAMPLES.glob("jcm-*.yaml"))


def _example(name: str) -> Assessment:
    a = assess_jcm(parse_proposal(EXAMPLES / name), BOOK)
    _check_output(a)
    return a


def test_every_jcm_example_has_an_expectation() -> None:
    assert {p.name for p in EXAMPLE_PATHS} == set(EXAMPLE_FAILURES)


@pytest.mark.parametrize(("name", "expected"), sorted(EXAMPLE_FAILURES.items()))
def test_example_fails_exactly_where_its_header_says(
    name: str, expected: list[tuple[str, str]]
) -> None:
    a = _example(name)
    assert failures(a) == sorted(expected)
    assert a.status is (X if expected else R)


@pytest.mark.parametrize("path", EXAMPLE_PATHS, ids=lambda p: p.name)
def test_example_renders_in_both_languages_as_json_without_floats(path: Path) -> None:
    a = assess_jcm(parse_proposal(path), BOOK)
    assert a.findings
    for lang in LANGS:
        report = a.to_dict(lang)
        text = json.dumps(report, ensure_ascii=False)
        assert json.loads(text)["status"] == str(a.status)
        assert not list(_floats(report))
        for section in report["sections"]:
            for f in section["findings"]:
                assert f["message"] and "{" not in f["message"], f
                for n in f.get("notes", []):
                    assert n["message"] and "{" not in n["message"], n
    for f in a.findings:
        assert f.message("ja") != f.message("en")
        assert all(n.message("ja") != n.message("en") for n in f.notes)


def test_excluded_technology_is_reported_once_under_screening_item_6() -> None:
    a = _example("jcm-fails-excluded-technology.yaml")
    f = one(a, "jcm.rate_cap")
    assert f.params["country"] == "VN" and f.params["technology"] == "solar_pv"
    assert "別添2 3.(1) 6)" in f.clause
    eligibility = next(s for s in a.sections if s.id == "eligibility")
    assert f in eligibility.findings
    assert found(a, "jcm.cost_effectiveness") == [] and found(a, "jcm.subsidy.amount") == []
    assert a.figures["max_subsidy_jpy"] == 0
    # the subsidy section says, once, that the line is not subsidised, and so does not pass
    subsidy = next(s for s in a.sections if s.id == "subsidy")
    excluded = [g for g in subsidy.findings if g.status is X]
    assert [(g.check, g.code, g.subject) for g in excluded] == [
        ("jcm.subsidy.excluded", "jcm.subsidy.line_excluded", "binh-duong/solar_pv")
    ]
    assert "3.(1) 6)" in excluded[0].clause
    assert "太陽光発電(VN)" in excluded[0].message("ja")
    assert subsidy.to_dict()["status"] == "fail"


def test_admin_cost_example_is_one_yen_over() -> None:
    f = one(_example("jcm-fails-admin-cost.yaml"), "jcm.costs.admin_cap")
    assert f.params == {"admin": "3,250,001", "cap": "3,250,000", "base": "50,000,000"}


def test_multi_site_example_figures() -> None:
    a = _example("jcm-multi-site-pass.yaml")
    assert a.figures["eligible_cost_jpy"] == 118_000_000 + 5_000_000 + 36_500_000 + 131_000_000
    assert a.figures["subsidy_jpy"] == 45_000_000 + 15_000_000 + 38_000_000
    # reviewers 8+7+8+6+7+15+14 = 65; computed E1a 3 + E1b 3 + E2 2
    assert (a.figures["score_reviewer"], a.figures["score_computed"]) == (65, 8)
    assert a.figures["score_total"] == 73
    subjects = {f.subject for f in found(a, "jcm.rate_cap")}
    assert subjects == {
        "kericho-factory/boiler",
        "kericho-factory/heat_pump",
        "nandi-factory/solar_pv",
    }


def test_eco_lease_example_uses_the_lease_rate_and_period() -> None:
    a = _example("jcm-eco-lease.yaml")
    assert a.figures["max_subsidy_jpy"] == 6_600_000  # (62M + 4M) × 10%
    assert a.figures["lifetime_reduction_tco2"] == Decimal(420 * 7)
    assert one(a, "jcm.eco_lease.years").status is P


# --- schedule (5.(1), 5.(2)) --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("registered", "status", "code"),
    [
        ("2024-04-01", P, "jcm.schedule.pre_ok"),
        ("2024-04-29", P, "jcm.schedule.pre_ok"),  # exactly 14 days before 2024-05-13
        ("2024-04-30", X, "jcm.schedule.pre_late"),  # 13 days before
        (None, X, "jcm.schedule.pre_missing"),
    ],
)
def test_pre_registration_two_weeks_before_the_deadline(
    registered: str | None, status: Status, code: str
) -> None:
    data = proposal()
    data["pre_registered_on"] = registered
    f = one(_assess(data), "jcm.schedule.pre_registration")
    assert (f.status, f.code) == (status, code)
    assert f.params["due"] == "2024-04-29"


def test_pre_registration_is_counted_from_the_deadline_date_in_japan() -> None:
    data = proposal()
    data["target_deadline"] = "2024-05-13T03:00:00+00:00"  # 12:00 JST, written in UTC
    data["pre_registered_on"] = "2024-04-29"
    a = _assess(data)
    assert found(a, "jcm.schedule.deadline") == []
    assert one(a, "jcm.schedule.pre_registration").status is P


@pytest.mark.parametrize(
    ("deadline", "status"),
    [("2024-05-13T12:00:00+09:00", None), ("2024-05-13T17:00:00+09:00", R)],
)
def test_a_deadline_not_at_noon_jst_needs_review(deadline: str, status: Status | None) -> None:
    data = proposal()
    data["target_deadline"] = deadline
    hits = found(_assess(data), "jcm.schedule.deadline")
    assert [(f.status, f.code) for f in hits] == (
        [] if status is None else [(R, "jcm.schedule.deadline_not_noon")]
    )


@pytest.mark.parametrize(
    ("deadline", "outside"),
    [
        ("2024-11-29T12:00:00+09:00", False),  # the call closes at this instant
        ("2024-11-29T12:00:01+09:00", True),
        ("2024-12-13T12:00:00+09:00", True),
        ("2024-04-04T12:00:00+09:00", True),
    ],
)
def test_a_deadline_outside_the_call_window_fails(deadline: str, outside: bool) -> None:
    data = proposal()
    data["target_deadline"] = deadline
    data["pre_registered_on"] = "2024-03-01"
    a = _assess(data)
    outside_hits = found(a, "jcm.schedule.deadline", "jcm.schedule.deadline_outside")
    assert [f.status for f in outside_hits] == ([X] if outside else [])
    # outside the window there is no deadline to count pre-registration from
    assert bool(found(a, "jcm.schedule.pre_registration")) is not outside


def test_a_deadline_without_a_time_zone_is_rejected() -> None:
    data = proposal()
    data["target_deadline"] = "2024-05-13T12:00:00"
    with pytest.raises(ValidationError, match="time zone"):
        JcmProposal.model_validate(data)


@pytest.mark.parametrize(
    ("completion", "status"), [("2027-01-29", P), ("2027-01-30", X), ("2027-04-10", X)]
)
def test_completion_deadline_and_the_deadlines_it_starts(completion: str, status: Status) -> None:
    data = proposal()
    data["milestones"] = {"naiji_on": "2024-07-16", "planned_completion_on": completion}
    a = _assess(data)
    f = one(a, "jcm.schedule.completion")
    assert f.status is status and f.params["limit"] == "2027-01-29"
    assert one(a, "jcm.schedule.grant_application").params["due"] == "2024-08-15"
    events = {f.check for f in a.findings if f.check.startswith("jcm.schedule.")}
    in_period = completion <= "2027-03-31"  # later completions are outside the rulebook
    for event in ("completion-report", "jcm-registration", "records-retention"):
        assert (f"jcm.schedule.{event}" in events) is in_period, event


def test_monitoring_runs_over_each_lines_life() -> None:
    data = proposal(line(), solar_line())
    data["sites"][0]["technologies"][1]["requested_subsidy_jpy"] = 1_000_000
    data["milestones"] = {"operation_start_on": "2026-02-01"}
    a = _assess(data)
    ends = {f.subject: f.params["end"] for f in found(a, "jcm.schedule.monitoring")}
    assert ends == {"s1/heat_pump": "2036-01-31", "s1/solar_pv": "2043-01-31"}


# --- applicant and consortium (2.(4), 別添2 3.(1) 1)) -------------------------------------------
def test_representative_not_japanese_fails() -> None:
    data = proposal()
    data["consortium"]["representative"]["country"] = "KE"
    a = _assess(data)
    f = one(a, "jcm.screening.1", "jcm.applicant.not_japanese")
    assert f.status is X and f.params["country"] == "KE"
    assert found(a, "jcm.screening.1", "jcm.applicant.entity_ok") == []


@pytest.mark.parametrize(
    ("entity_type", "status", "code"),
    [
        ("private_company", P, "jcm.applicant.entity_ok"),
        ("independent_administrative_agency", P, "jcm.applicant.entity_ok"),
        ("general_or_public_interest_corporation", P, "jcm.applicant.entity_ok"),
        ("approved_other", R, "jcm.applicant.approval_needed"),
    ],
)
def test_entity_types(entity_type: str, status: Status, code: str) -> None:
    data = proposal()
    data["consortium"]["representative"]["entity_type"] = entity_type
    f = one(_assess(data), "jcm.screening.1", code)
    assert f.status is status


@pytest.mark.parametrize(
    ("partners", "status"),
    [
        ([], X),
        ([{"name": "Other Japan KK", "country": "JP"}], X),
        ([{"name": "Other Japan KK", "country": "JP"}, {"name": "Tea", "country": "KE"}], P),
    ],
)
def test_a_foreign_partner_is_required(partners: list[dict[str, str]], status: Status) -> None:
    data = proposal()
    data["consortium"]["partners"] = partners
    a = _assess(data)
    code = "jcm.consortium.no_foreign_partner" if status is X else "jcm.consortium.ok"
    assert one(a, "jcm.screening.1", code).status is status


@pytest.mark.parametrize(
    ("pledge", "status", "code"),
    [
        (True, P, "jcm.applicant.pledged"),
        (False, X, "jcm.declared.negative"),
        (None, R, "jcm.declared.missing"),
    ],
)
def test_anti_organised_crime_pledge(pledge: bool | None, status: Status, code: str) -> None:
    data = proposal()
    data["consortium"]["representative"]["antisocial_forces_pledge"] = pledge
    f = one(_assess(data), "jcm.screening.1", code)
    assert f.status is status and "1)④" in f.clause


@pytest.mark.parametrize(
    ("value", "status", "code"),
    [
        (True, R, "jcm.applicant.capability_confirm"),
        (None, R, "jcm.applicant.capability_confirm"),
        (False, X, "jcm.applicant.capability_lacking"),
    ],
)
def test_capability_statement(value: bool | None, status: Status, code: str) -> None:
    data = proposal()
    data["consortium"]["representative"]["capability"]["clear_basis"] = value
    f = one(_assess(data), "jcm.screening.1", code)
    assert f.status is status
    # the point is named as 2.(4)③ writes it, never by its field id
    point = "明確な根拠に基づき事業内容・事業効果・経費内訳・資金計画等を示せること"
    assert "clear_basis" not in f.message("ja") and "clear_basis" not in f.message("en")
    assert (point in f.params["unstated_ja"]) is (value is None)
    assert (point in f.params.get("not_met_ja", "")) is (value is False)


@pytest.mark.parametrize(
    ("country", "status", "code", "notes"),
    [
        ("KE", P, "jcm.country.partner", []),
        ("UZ", P, "jcm.country.partner", ["jcm.country.mark1"]),
        ("MM", P, "jcm.country.partner", ["jcm.country.mark2"]),
        ("US", R, "jcm.country.non_partner", []),
    ],
)
def test_host_country(country: str, status: Status, code: str, notes: list[str]) -> None:
    data = proposal()
    data["country"] = country
    data["consortium"]["partners"][0]["country"] = country
    a = _assess(data)
    f = one(a, "jcm.country")
    assert (f.status, f.code, note_codes(f)) == (status, code, notes)
    cap_notes = note_codes(one(a, "jcm.rate_cap"))
    assert ("jcm.note.non_partner" in cap_notes) is (country == "US")


# --- eco-lease (2.(1)③, 2.(4)② 注4), 2.(9)) ----------------------------------------------------
def test_eco_lease_rate_cap_is_ten_percent() -> None:
    a = _assess(eco_lease(proposal()))
    f = one(a, "jcm.rate_cap")
    assert (f.status, f.params["cap"]) == (P, "10%")
    assert "jcm.note.eco_lease_rate" in note_codes(f)
    assert a.figures["max_subsidy_jpy"] == 5_000_000  # 50M × 10%, not the 50% cap
    assert a.figures["lines"][0]["rate_cap"]["rate_cap"] == "0.10"
    model = _assess(proposal())
    assert model.figures["max_subsidy_jpy"] == 25_000_000


def test_eco_lease_maximum_is_floored_to_the_yen() -> None:
    data = eco_lease(proposal(line(costs=[cost("equipment", 12_345_679)])))
    assert _assess(data).figures["max_subsidy_jpy"] == 1_234_567


@pytest.mark.parametrize(("requested", "status"), [(5_000_000, P), (5_000_001, X)])
def test_eco_lease_request_against_ten_percent(requested: int, status: Status) -> None:
    data = eco_lease(proposal(line(requested_subsidy_jpy=requested)))
    assert one(_assess(data), "jcm.subsidy.amount").status is status


@pytest.mark.parametrize(
    ("years", "status", "code"),
    [(5, P, "jcm.eco_lease.years_ok"), (4, X, "jcm.eco_lease.years_short")],
)
def test_eco_lease_lasts_at_least_five_years(years: int, status: Status, code: str) -> None:
    f = one(_assess(eco_lease(proposal(), years)), "jcm.eco_lease.years")
    assert (f.status, f.code, f.params["min"]) == (status, code, 5)


@pytest.mark.parametrize(
    ("is_lessor", "status", "code"),
    [
        (True, P, "jcm.eco_lease.lessor_ok"),
        (False, X, "jcm.eco_lease.lessor_required"),
        (None, R, "jcm.eco_lease.lessor_required"),
    ],
)
def test_eco_lease_representative_is_the_lessor(
    is_lessor: bool | None, status: Status, code: str
) -> None:
    data = eco_lease(proposal())
    data["consortium"]["representative"]["is_lessor"] = is_lessor
    f = one(_assess(data), "jcm.eco_lease.lessor")
    assert (f.status, f.code) == (status, code)


def test_lessor_is_not_asked_of_a_model_project() -> None:
    assert found(_assess(proposal()), "jcm.eco_lease.lessor") == []


@pytest.mark.parametrize(
    ("approved", "proposed", "line_methodologies", "fails"),
    [
        ([], False, [], True),
        ([], True, [], False),
        (["VN_AM012"], False, [], False),
        ([], False, ["ID_AM010"], False),
    ],
)
def test_eco_lease_needs_an_approved_or_proposed_methodology(
    approved: list[str], proposed: bool, line_methodologies: list[str], fails: bool
) -> None:
    data = eco_lease(proposal(line(methodologies=line_methodologies)))
    data["methodology"].update(approved=approved, proposed=proposed)
    hits = found(_assess(data), "jcm.eco_lease.methodology")
    assert [(f.status, f.code) for f in hits] == (
        [(X, "jcm.eco_lease.methodology_required")] if fails else []
    )


def test_no_methodology_is_not_a_failure_for_a_model_project() -> None:
    a = _assess(proposal())
    assert found(a, "jcm.eco_lease.methodology") == []
    assert one(a, "jcm.screening.7", "jcm.method.none_for_similar").status is R


def test_the_lease_period_replaces_the_useful_life() -> None:
    data = eco_lease(proposal(line(useful_life_years=10)), years=7)
    a = _assess(data)
    assert a.figures["lifetime_reduction_tco2"] == Decimal(1000 * 7)
    assert a.figures["lines"][0]["useful_life_years"] == 7
    ce = one(a, "jcm.cost_effectiveness")
    assert (ce.params["life"], ce.params["lifetime"]) == (7, "7,000")
    assert one(a, "jcm.useful_life").code == "jcm.life.lease"
    assert _assess(proposal()).figures["lifetime_reduction_tco2"] == Decimal(1000 * 10)


@pytest.mark.parametrize(("documented", "status"), [(True, P), (False, X), (None, R)])
def test_eco_lease_fee_breakdown(documented: bool | None, status: Status) -> None:
    data = eco_lease(proposal())
    data["lease"]["fee_reduction_documented"] = documented
    assert one(_assess(data), "jcm.eco_lease.fee").status is status


def test_eco_lease_without_lease_terms_is_rejected() -> None:
    data = proposal()
    data["kind"] = "eco_lease"
    with pytest.raises(ValidationError, match="lease"):
        JcmProposal.model_validate(data)


# --- costs (2.(7), 別表1) ------------------------------------------------------------------------
def test_ineligible_items_are_excluded_from_eligible_cost() -> None:
    costs = [
        cost("equipment", 40_000_000),
        cost("main_works", 10_000_000),
        cost("removal_of_existing", 5_000_000),
        cost("land", 7_000_000),
    ]
    a = _assess(proposal(line(costs=costs)))
    assert a.figures["eligible_cost_jpy"] == 50_000_000
    assert a.figures["max_subsidy_jpy"] == 25_000_000
    hits = found(a, "jcm.costs.ineligible")
    assert sorted(f.params["item"] for f in hits) == sorted(
        ["土地取得費", "既存設備の撤去費(撤去費に係る諸経費も含む)"]
    )
    assert {f.status for f in hits} == {INFO}


def test_own_product_is_counted_at_cost_price() -> None:
    costs = [
        cost("equipment", 40_000_000, own_product=True, cost_price_jpy=30_000_000),
        cost("main_works", 10_000_000),
    ]
    a = _assess(proposal(line(costs=costs)))
    assert a.figures["eligible_cost_jpy"] == 40_000_000
    assert a.figures["max_subsidy_jpy"] == 20_000_000
    f = one(a, "jcm.costs.own_product")
    assert f.status is P and f.code == "jcm.costs.own_product_at_cost"
    assert (f.params["price"], f.params["cost"]) == ("40,000,000", "30,000,000")
    # the 事務費 base is the counted amount too
    assert one(a, "jcm.costs.admin_cap").params["base"] == "40,000,000"


def test_own_product_without_cost_price_fails() -> None:
    costs = [cost("equipment", 40_000_000, own_product=True, description="自社製ボイラ")]
    f = one(_assess(proposal(line(costs=costs))), "jcm.costs.own_product")
    assert (f.status, f.code, f.params["description"]) == (
        X,
        "jcm.costs.own_product_no_cost",
        "自社製ボイラ",
    )


def test_own_product_cost_price_above_its_price_needs_review() -> None:
    costs = [cost("equipment", 40_000_000, own_product=True, cost_price_jpy=45_000_000)]
    a = _assess(proposal(line(costs=costs)))
    assert one(a, "jcm.costs.own_product", "jcm.costs.own_product_cost_above_price").status is R


def test_own_product_never_counts_more_than_its_price() -> None:
    costs = [cost("equipment", 40_000_000, own_product=True, cost_price_jpy=45_000_000)]
    assert _assess(proposal(line(costs=costs))).figures["eligible_cost_jpy"] <= 40_000_000


def test_an_ineligible_own_product_needs_no_cost_price() -> None:
    costs = [
        cost("equipment", 40_000_000),
        cost("spare_parts", 2_000_000, own_product=True),
    ]
    a = _assess(proposal(line(costs=costs)))
    assert a.figures["eligible_cost_jpy"] == 40_000_000
    assert failures(a) == []


def test_other_costs_count_as_eligible_but_need_approval_and_are_not_in_the_admin_base() -> None:
    costs = [*line()["costs"], cost("other_approved", 4_000_000)]
    a = _assess(proposal(line(costs=costs)))
    assert a.figures["eligible_cost_jpy"] == 54_000_000
    f = one(a, "jcm.costs.other_approved")
    assert (f.status, f.params["amount"]) == (R, "4,000,000")
    assert one(a, "jcm.costs.admin_cap").params["base"] == "50,000,000"


@pytest.mark.parametrize(
    ("base", "cap"),
    [(50_000_000, 3_250_000), (60_000_000, 3_800_000), (123_456_789, 7_055_555)],
)
def test_admin_cost_cap_tiers(base: int, cap: int) -> None:
    # 6.5% to 50M, 5.5% to 100M, 4.5% above; floored to the yen
    assert admin_cost_cap(BOOK, base) == cap


@pytest.mark.parametrize("base", [50_000_000, 123_456_789])
@pytest.mark.parametrize(("over", "status"), [(0, P), (1, X)])
def test_admin_cost_at_the_cap_passes_one_yen_over_fails(
    base: int, over: int, status: Status
) -> None:
    cap = admin_cost_cap(BOOK, base)
    costs = [cost("equipment", base - 10_000_000), cost("survey_and_testing", 10_000_000)]
    costs.append(cost("admin", cap + over))
    a = _assess(proposal(line(costs=costs, requested_subsidy_jpy=1_000_000)))
    f = one(a, "jcm.costs.admin_cap")
    assert f.status is status
    assert f.code == ("jcm.costs.admin_ok" if status is P else "jcm.costs.admin_over")
    assert f.params["cap"] == f"{cap:,}" and f.params["base"] == f"{base:,}"


@pytest.mark.parametrize(("over", "status"), [(0, P), (1, X)])
def test_admin_cap_is_on_the_whole_proposal(over: int, status: Status) -> None:
    # two lines of 30M: the cap is on 60M (3.8M), not twice the cap on 30M (3.9M)
    costs = [cost("equipment", 30_000_000), cost("admin", 1_900_000)]
    second = [cost("equipment", 30_000_000), cost("admin", 1_900_000 + over)]
    data = proposal(line(costs=costs), line("boiler", costs=second))
    f = one(_assess(data), "jcm.costs.admin_cap")
    assert (f.status, f.params["cap"]) == (status, "3,800,000")
    assert "jcm.note.admin_whole_project" in note_codes(f)


# --- subsidy amount and rate cap (2.(8), 2.(9)) -------------------------------------------------
@pytest.mark.parametrize(
    ("requested", "status", "code"),
    [
        (None, P, "jcm.subsidy.within_max"),
        (25_000_000, P, "jcm.subsidy.within_max"),
        (25_000_001, X, "jcm.subsidy.over_max"),
    ],
)
def test_requested_subsidy_against_eligible_times_cap(
    requested: int | None, status: Status, code: str
) -> None:
    a = _assess(proposal(line(requested_subsidy_jpy=requested)))
    f = one(a, "jcm.subsidy.amount")
    assert (f.status, f.code, f.params["max"]) == (status, code, "25,000,000")
    assert a.figures["subsidy_jpy"] == (25_000_000 if requested is None else requested)


@pytest.mark.parametrize(("requested", "status"), [(15_000_000, P), (15_000_001, X)])
def test_solar_in_kenya_is_capped_at_thirty_percent(requested: int, status: Status) -> None:
    a = _assess(proposal(solar_line(requested_subsidy_jpy=requested)))
    cap = one(a, "jcm.rate_cap")
    assert (cap.status, cap.params["count"], cap.params["cap"]) == (P, "4", "30%")
    assert one(a, "jcm.subsidy.amount").status is status


def test_each_technology_has_its_own_rate_cap() -> None:
    a = _assess(proposal(line(), solar_line(requested_subsidy_jpy=1_000_000)))
    caps = {row["technology"]: row["rate_cap"]["rate_cap"] for row in a.figures["lines"]}
    assert caps == {"heat_pump": "0.50", "solar_pv": "0.30"}
    assert a.figures["max_subsidy_jpy"] == 25_000_000 + 15_000_000


def test_a_technology_may_be_named_in_japanese() -> None:
    a = _assess(proposal(line("ヒートポンプ")))
    assert one(a, "jcm.rate_cap").subject == "s1/heat_pump"


def test_an_unknown_technology_is_refused_unless_declared_outside_annex3() -> None:
    with pytest.raises(BadInput, match=r"not in annex 3.*outside_annex3: true"):
        _assess(proposal(line("perpetual motion")))


def test_a_technology_declared_outside_annex3_is_assessed_at_zero_adoptions() -> None:
    """2.(9) counts similar adoptions: a technology annex 3 does not list counts 0 (50%),
    for the office to confirm that no listed technology is similar (issue 12, point 21)."""
    data = proposal(line("perpetual motion"))
    tech(data)["outside_annex3"] = True
    cap = one(_assess(data), "jcm.rate_cap")
    assert cap.code == "jcm.rate_cap.outside_annex3" and cap.status is Status.NEEDS_REVIEW
    assert cap.notes[0].code == "jcm.note.outside_annex3"
    assert "50%" in cap.message("en")
    tech(data)["technology"] = "heat_pump"
    with pytest.raises(BadInput, match="remove outside_annex3"):
        _assess(data)


def test_solar_with_battery_is_not_excluded_where_solar_is() -> None:
    data = proposal(solar_line(requested_subsidy_jpy=1_000_000))
    data["country"] = "VN"
    data["consortium"]["partners"][0]["country"] = "VN"
    assert one(_assess(data), "jcm.rate_cap").code == "jcm.rate_cap.excluded"
    battery = {"capacity_mwh": "1", "need": "off_grid"}
    tech(data).update(technology="solar_pv_battery", battery=battery)
    assert one(_assess(data), "jcm.rate_cap").code != "jcm.rate_cap.excluded"


def _laos(*lines: dict[str, Any]) -> dict[str, Any]:
    data = proposal(*lines)
    data["country"] = "LA"
    data["consortium"]["partners"][0]["country"] = "LA"
    return data


def test_a_range_cell_needs_review_with_an_annex3_note() -> None:
    a = _assess(_laos(line("変圧器")))  # transformer × LA: 0–2 in the reconstructed table
    f = one(a, "jcm.rate_cap")
    assert (f.status, f.code) == (R, "jcm.rate_cap.range")
    assert (f.params["cap_low"], f.params["cap"], f.params["count"]) == ("40%", "50%", "0–2")
    note = next(n for n in f.notes if n.code == "jcm.note.annex3_range")
    assert note.params == {
        "technology": "transformer",
        "name_ja": "変圧器",
        "name_en": note.params["name_en"],
        "country": "LA",
        "count": "0–2",
        "count_ja": "0〜2",
        "count_en": "0–2",
    }
    assert "変圧器×LAの件数は0〜2件" in note.message("ja")
    assert "transformer" not in note.message("ja")
    assert a.figures["lines"][0]["rate_cap"] == {
        "min": "0.40",
        "max": "0.50",
        "clause": "2.(9)",
        "adoption_count": {"min": 0, "max": 2},
        "notes": [note.to_dict()],
    }


@pytest.mark.parametrize(
    ("requested", "status", "code"),
    [
        (20_000_000, P, "jcm.subsidy.within_max"),  # within the 40% reading
        (20_000_001, R, "jcm.subsidy.within_range"),
        (25_000_000, R, "jcm.subsidy.within_range"),  # only within the 50% reading
        (25_000_001, X, "jcm.subsidy.over_max"),
    ],
)
def test_subsidy_against_an_uncertain_cap(requested: int, status: Status, code: str) -> None:
    f = one(
        _assess(_laos(line("transformer", requested_subsidy_jpy=requested))), "jcm.subsidy.amount"
    )
    assert (f.status, f.code) == (status, code)


@pytest.mark.parametrize(
    ("added", "status", "code", "cap"),
    [
        (9, P, "jcm.rate_cap.exact", "20%"),
        (10, X, "jcm.rate_cap.not_adopted", "—"),
    ],
)
def test_ten_adoptions_mean_not_adopted(added: int, status: Status, code: str, cap: str) -> None:
    table = TABLE.with_adoptions([Adoption("heat_pump", "KE")] * added)
    a = _assess(proposal(line(requested_subsidy_jpy=1_000_000)), table)
    f = one(a, "jcm.rate_cap")
    assert (f.status, f.code, f.params["cap"]) == (status, code, cap)
    assert "jcm.note.added_adoptions" in note_codes(f)
    adopted = status is P
    assert bool(found(a, "jcm.cost_effectiveness")) is adopted
    assert bool(found(a, "jcm.subsidy.amount")) is adopted
    assert a.figures["subsidy_jpy"] == (1_000_000 if adopted else 0)


def test_a_range_reaching_ten_may_be_not_adopted() -> None:
    table = TABLE.with_adoptions([Adoption("transformer", "LA")] * 8)  # 8–10
    f = one(_assess(_laos(line("transformer")), table), "jcm.rate_cap")
    assert (f.status, f.code, f.params["count"]) == (R, "jcm.rate_cap.maybe_not_adopted", "8–10")


def test_an_official_table_replaces_the_reconstruction(tmp_path: Path) -> None:
    csv = tmp_path / "annex3.csv"
    csv.write_text("technology,KE\nヒートポンプ,2\n", encoding="utf-8")
    a = _assess(proposal(), AdoptionTable.from_csv(csv, TABLE.technologies))
    f = one(a, "jcm.rate_cap")
    assert (f.params["cap"], f.params["count"]) == ("40%", "2")
    assert note_codes(f) == ["jcm.note.official_table"]
    assert a.figures["adoption_table"] == "official:annex3.csv"
    assert a.figures["max_subsidy_jpy"] == 20_000_000


@pytest.mark.parametrize(("amount", "status"), [(4_000_000_000, P), (4_000_000_002, R)])
def test_per_project_guideline_of_two_billion(amount: int, status: Status) -> None:
    a = _assess(proposal(line(costs=[cost("equipment", amount)])))
    f = one(a, "jcm.subsidy.per_project")
    assert f.status is status
    assert f.code == ("jcm.subsidy.total_ok" if status is P else "jcm.subsidy.total_over")


@pytest.mark.parametrize(
    ("reason", "status", "code"),
    [("別表第二 1, 10 years", P, "jcm.life.reason"), ("  ", R, "jcm.life.no_reason")],
)
def test_useful_life_needs_a_reason(reason: str, status: Status, code: str) -> None:
    f = one(_assess(proposal(line(useful_life_reason=reason))), "jcm.useful_life")
    assert (f.status, f.code) == (status, code)
    if status is R:
        assert "別表第二 1 食料品製造業用設備" in f.params["refs"]


@pytest.mark.parametrize(("requested", "status"), [(40_000_000, P), (40_000_001, X)])
def test_cost_effectiveness_at_four_thousand_yen_per_tonne(requested: int, status: Status) -> None:
    # 1,000 t/yr × 10 years = 10,000 t; 4,000 JPY/t allows 40,000,000 JPY
    costs = [cost("equipment", 100_000_000)]
    f = one(
        _assess(proposal(line(costs=costs, requested_subsidy_jpy=requested))),
        "jcm.cost_effectiveness",
    )
    assert (f.status, f.params["limit"]) == (status, "4,000")


# --- technology conditions (別添 技術別採択条件) -------------------------------------------------
@pytest.mark.parametrize(
    ("efficiency", "status", "code"),
    [
        ("0.212", P, "jcm.tech.solar_ok"),
        ("0.2119", X, "jcm.tech.solar_low"),
        ("0.198", X, "jcm.tech.solar_low"),
    ],
)
def test_solar_module_efficiency(efficiency: str, status: Status, code: str) -> None:
    f = one(_assess(proposal(solar_line(efficiency))), "jcm.tech.solar")
    assert (f.status, f.code, f.subject) == (status, code, "s1/solar_pv")


def test_a_failing_efficiency_is_not_shown_equal_to_the_minimum() -> None:
    f = one(_assess(proposal(solar_line("0.2119"))), "jcm.tech.solar")
    assert f.status is X
    assert f.params["eff"] != f.params["min"]


def test_special_use_modules_need_review() -> None:
    data = proposal(solar_line("0.15"))
    tech(data)["solar"]["special_use"] = True
    f = one(_assess(data), "jcm.tech.solar")
    assert (f.status, f.code) == (R, "jcm.tech.solar_special")


def test_missing_solar_spec_needs_review() -> None:
    data = proposal(solar_line())
    del tech(data)["solar"]
    f = one(_assess(data), "jcm.tech.solar")
    assert (f.status, f.code) == (R, "jcm.tech.solar_missing")


def _pv_battery(**battery: Any) -> dict[str, Any]:
    """Solar + battery in Kenya: 2 MW of PV, so the battery minimum is 0.4 MWh."""
    spec = {
        "capacity_mwh": "0.4",
        "charges_only_from_renewables": True,
        "output_measurable": True,
        "need": "self_consumption",
        "daily_cycling": True,
        "max_daily_surplus_mwh": "1",
        **battery,
    }
    spec = {k: v for k, v in spec.items() if v is not ...}
    return proposal(solar_line(technology="solar_pv_battery", battery=spec))


def _battery(a: Assessment, code: str) -> Finding:
    return one(a, "jcm.tech.battery", code)


def test_a_complete_pv_battery_passes() -> None:
    a = _assess(_pv_battery())
    assert {f.status for f in found(a, "jcm.tech.battery")} == {P}
    assert one(a, "jcm.tech.solar").clause == "別添 技術別採択条件 2."


@pytest.mark.parametrize("need", ["self_consumption", "grid_supply"])
@pytest.mark.parametrize(
    ("capacity", "status", "code"),
    [
        ("0.4", P, "jcm.tech.battery_size_ok"),  # exactly 20% of 2 MW × 1 h
        ("0.399", X, "jcm.tech.battery_too_small"),
    ],
)
def test_battery_at_least_twenty_percent_of_an_hour_of_pv(
    need: str, capacity: str, status: Status, code: str
) -> None:
    a = _assess(_pv_battery(capacity_mwh=capacity, need=need, policy_or_authority_requirement=True))
    f = _battery(a, code)
    assert f.status is status and Decimal(f.params["min"]) == Decimal("0.4")


def test_off_grid_meets_the_need_without_a_size_check() -> None:
    a = _assess(_pv_battery(capacity_mwh="0.1", need="off_grid"))
    assert _battery(a, "jcm.tech.battery_offgrid").status is P
    assert found(a, "jcm.tech.battery", "jcm.tech.battery_too_small") == []
    assert X not in {f.status for f in found(a, "jcm.tech.battery")}


@pytest.mark.parametrize(
    ("policy", "status", "code"),
    [
        (True, P, "jcm.tech.battery_policy_ok"),
        (None, R, "jcm.tech.battery_policy"),
        (False, X, "jcm.tech.battery_policy"),
    ],
)
def test_grid_supply_needs_policy_evidence(policy: bool | None, status: Status, code: str) -> None:
    a = _assess(_pv_battery(need="grid_supply", policy_or_authority_requirement=policy))
    assert _battery(a, code).status is status
    assert found(a, "jcm.tech.battery", "jcm.tech.battery_daily_ok") == []


@pytest.mark.parametrize(
    ("surplus", "status", "code"),
    [
        ("0.5", P, "jcm.tech.battery_surplus_ok"),
        ("0.49", X, "jcm.tech.battery_surplus_over"),
        (..., R, "jcm.tech.battery_surplus_missing"),
    ],
)
def test_self_consumption_battery_within_the_largest_daily_surplus(
    surplus: Any, status: Status, code: str
) -> None:
    a = _assess(_pv_battery(capacity_mwh="0.5", max_daily_surplus_mwh=surplus))
    assert _battery(a, code).status is status


@pytest.mark.parametrize(("daily", "status"), [(True, P), (False, X), (None, R)])
def test_self_consumption_battery_cycles_daily(daily: bool | None, status: Status) -> None:
    a = _assess(_pv_battery(daily_cycling=daily))
    code = "jcm.tech.battery_daily_ok" if daily else "jcm.tech.battery_daily"
    assert _battery(a, code).status is status


@pytest.mark.parametrize(
    ("field", "value", "status", "code"),
    [
        ("charges_only_from_renewables", False, X, "jcm.tech.battery_pv_only"),
        ("charges_only_from_renewables", None, R, "jcm.tech.battery_pv_only"),
        ("output_measurable", False, X, "jcm.tech.battery_measurable"),
        ("need", "surplus_curtailment", X, "jcm.tech.battery_need_invalid"),
        ("need", None, R, "jcm.tech.battery_need_missing"),
    ],
)
def test_pv_battery_conditions(field: str, value: Any, status: Status, code: str) -> None:
    assert _battery(_assess(_pv_battery(**{field: value})), code).status is status


def test_pv_battery_without_a_battery_spec_needs_review() -> None:
    data = _pv_battery()
    del tech(data)["battery"]
    assert _battery(_assess(data), "jcm.tech.battery_missing").status is R


def _battery_alone(**battery: Any) -> dict[str, Any]:
    spec = {
        "capacity_mwh": "2",
        "charges_only_from_renewables": True,
        "output_measurable": True,
        "curtailment_justified": True,
        **battery,
    }
    return proposal(line("battery", battery=spec))


def test_battery_alone_passes_its_three_conditions() -> None:
    a = _assess(_battery_alone())
    codes = sorted(f.code for f in found(a, "jcm.tech.battery"))
    assert codes == [
        "jcm.tech.battery_curtail_ok",
        "jcm.tech.battery_measurable_ok",
        "jcm.tech.battery_re_only_ok",
    ]
    assert {f.status for f in found(a, "jcm.tech.battery")} == {P}


@pytest.mark.parametrize(
    ("field", "value", "status", "code"),
    [
        ("charges_only_from_renewables", False, X, "jcm.tech.battery_re_only"),
        ("output_measurable", None, R, "jcm.tech.battery_measurable"),
        ("curtailment_justified", False, X, "jcm.tech.battery_curtail"),
        ("curtailment_justified", None, R, "jcm.tech.battery_curtail"),
    ],
)
def test_battery_alone_conditions(field: str, value: Any, status: Status, code: str) -> None:
    assert _battery(_assess(_battery_alone(**{field: value})), code).status is status


def test_battery_alone_without_a_spec_needs_review() -> None:
    a = _assess(proposal(line("battery")))
    assert _battery(a, "jcm.tech.battery_missing").status is R


# --- other screening items (別添2 3.(1)) ---------------------------------------------------------
@pytest.mark.parametrize(
    ("fossil", "exception", "status", "code"),
    [
        (False, None, P, "jcm.fossil.none"),
        (True, False, X, "jcm.fossil.power"),
        (True, None, R, "jcm.fossil.power_unconfirmed"),
        (True, True, R, "jcm.fossil.exception"),
    ],
)
def test_fossil_fired_power(
    fossil: bool, exception: bool | None, status: Status, code: str
) -> None:
    data = proposal()
    data["declarations"].update(fossil_fired_power=fossil, fossil_exception=exception)
    f = one(_assess(data), "jcm.screening.3")
    assert (f.status, f.code) == (status, code)


@pytest.mark.parametrize(
    ("other", "status", "code"),
    [
        (True, X, "jcm.other_subsidy.found"),
        (False, P, "jcm.other_subsidy.none"),
        (None, R, "jcm.declared.missing"),
    ],
)
def test_other_japanese_subsidy(other: bool | None, status: Status, code: str) -> None:
    data = proposal()
    data["declarations"]["other_japanese_subsidy"] = other
    f = one(_assess(data), "jcm.screening.14")
    assert (f.status, f.code) == (status, code)


@pytest.mark.parametrize(
    ("linked", "separated", "status", "code"),
    [
        (False, None, P, "jcm.jica.not_linked"),
        (True, False, X, "jcm.declared.negative"),
        (True, None, R, "jcm.declared.missing"),
        (True, True, R, "jcm.declared.confirm"),
    ],
)
def test_jica_linked_projects_separate_the_oda_scope(
    linked: bool, separated: bool | None, status: Status, code: str
) -> None:
    data = proposal()
    data["declarations"].update(jica_linked=linked, oda_scope_separated=separated)
    f = one(_assess(data), "jcm.screening.13")
    assert (f.status, f.code) == (status, code)


@pytest.mark.parametrize(
    ("objection", "status", "code"),
    [(True, X, "jcm.partner.objection"), (None, R, "jcm.partner.no_objection_yet")],
)
def test_partner_country_objection(objection: bool | None, status: Status, code: str) -> None:
    data = proposal()
    data["declarations"]["partner_objection"] = objection
    f = one(_assess(data), "jcm.screening.2", code)
    assert f.status is status


@pytest.mark.parametrize("field", DECLARED_TRUE)
def test_a_statement_that_a_requirement_is_not_met_fails(field: str) -> None:
    data = proposal()
    data["declarations"][field] = False
    a = _assess(data)
    assert [code for _, code in failures(a)] == ["jcm.declared.negative"]


# --- scoring (別添2 3.(2)) -----------------------------------------------------------------------
COMPUTED = [
    ("carbon_neutral_target", "E1a", 3),
    ("interim_or_scope3_target", "E1b", 3),
    ("decokatsu_supporters", "E2", 2),
    ("decokatsu_declaration", "E3", 2),
    ("co_innovation_or_hydrogen_project", "F1", 5),
]


@pytest.mark.parametrize(("field", "item", "maximum"), COMPUTED)
@pytest.mark.parametrize("flag", [True, False])
def test_computed_score_items(field: str, item: str, maximum: int, flag: bool) -> None:
    data = proposal()
    data["targets"] = {field: flag, "target_published_at": "https://example.com/targets"}
    a = _assess(data)
    points = maximum if flag else 0
    f = next(f for f in found(a, "jcm.score.computed") if f.params["item"] == item)
    assert (f.status, f.params["points"], f.params["max"]) == (INFO, points, maximum)
    assert a.figures["score_items"][item] == points
    assert a.figures["score_computed"] == points


@pytest.mark.parametrize("item", ["E1a", "E1b"])
def test_an_unpublished_target_needs_review(item: str) -> None:
    field = "carbon_neutral_target" if item == "E1a" else "interim_or_scope3_target"
    data = proposal()
    data["targets"] = {field: True}
    f = next(f for f in found(_assess(data), "jcm.score.computed") if f.params["item"] == item)
    assert f.status is R and note_codes(f) == ["jcm.note.target_unpublished"]


def test_score_total_is_reviewer_plus_computed() -> None:
    data = proposal()
    data["reviewer_scores"] = {"A1": 8, "C": 15, "D": 0}
    data["targets"] = {
        "carbon_neutral_target": True,
        "decokatsu_supporters": True,
        "co_innovation_or_hydrogen_project": True,
        "target_published_at": "https://example.com/targets",
    }
    a = _assess(data)
    fig = a.figures
    assert (fig["score_reviewer"], fig["score_computed"], fig["score_total"]) == (23, 10, 33)
    assert (fig["score_max"], fig["score_reviewer_max"], fig["score_bonus_max"]) == (100, 90, 10)
    given = {f.params["item"] for f in found(a, "jcm.score.reviewer") if f.status is INFO}
    pending = {f.params["item"] for f in found(a, "jcm.score.reviewer") if f.status is R}
    assert given == {"A1", "C", "D"}
    assert pending == {"A2", "B1", "B2", "B3"}


@pytest.mark.parametrize(("item", "score"), [("A1", 10), ("C", 20), ("A1", 0)])
def test_a_reviewer_score_within_its_maximum_is_taken(item: str, score: int) -> None:
    data = proposal()
    data["reviewer_scores"] = {item: score}
    assert _assess(data).figures["score_items"][item] == score


@pytest.mark.parametrize(("item", "score"), [("A1", 11), ("C", 21), ("B1", -1)])
def test_a_reviewer_score_outside_its_range_is_refused(item: str, score: int) -> None:
    data = proposal()
    data["reviewer_scores"] = {item: score}
    with pytest.raises(BadInput, match=rf"reviewer_scores\.{item}: {score} is outside 0–"):
        _assess(data)


@pytest.mark.parametrize("item", ["Z9", "E1a", "F2"])
def test_an_unknown_or_computed_reviewer_item_is_refused(item: str) -> None:
    data = proposal()
    data["reviewer_scores"] = {item: 1}
    with pytest.raises(BadInput, match="A1, A2, B1, B2, B3, C, D") as err:
        _assess(data)
    assert item in str(err.value)


@pytest.mark.parametrize(
    ("payback", "status", "code"),
    [
        ("2.99", R, "jcm.payback.short"),
        ("3", P, "jcm.payback.ok"),
        ("12", P, "jcm.payback.ok"),
        (None, R, "jcm.payback.missing"),
    ],
)
def test_payback_guideline_of_three_years(payback: str | None, status: Status, code: str) -> None:
    data = proposal()
    data["financing"]["payback_years_with_subsidy"] = payback
    f = one(_assess(data), "jcm.score.payback")
    assert (f.status, f.code, f.params["min"]) == (status, code, 3)


PROVISIONAL = "jcm.note.focus_bonus_provisional"


@pytest.mark.parametrize(
    ("country", "line_", "points", "status", "notes"),
    [
        # awarded by the machine: provisional, the committee judges 「先進的な技術」
        ("KE", line("small_hydro", requested_subsidy_jpy=1_000_000), 5, R, [PROVISIONAL]),
        ("KE", solar_line(requested_subsidy_jpy=1_000_000), 0, INFO, []),  # 4 adoptions in KE
        (
            "KE",
            line("reefer_container", focus_area="green_logistics"),  # claimed area
            5,
            R,
            ["jcm.note.focus_bonus", PROVISIONAL],
        ),
        ("KE", line(), 0, INFO, []),  # heat pump: not a focus area
        (  # 0–1 adoptions
            "LA",
            line("biomass_power", requested_subsidy_jpy=1_000_000),
            0,
            R,
            ["jcm.note.focus_bonus"],
        ),
    ],
)
def test_focus_area_bonus(
    country: str, line_: dict[str, Any], points: int, status: Status, notes: list[str]
) -> None:
    data = proposal(line_)
    data["country"] = country
    data["consortium"]["partners"][0]["country"] = country
    a = _assess(data)
    f = next(f for f in found(a, "jcm.score.computed") if f.params["item"] == "F2")
    assert (f.params["points"], f.status, note_codes(f)) == (points, status, notes)
    assert f.code == ("jcm.score.provisional" if points else "jcm.score.computed")
    assert a.figures["score_items"]["F2"] == points
    assert a.figures["score_provisional_items"] == (["F2"] if points else [])


# --- documents (5.(3)) ---------------------------------------------------------------------------
def test_no_documents_is_one_reminder() -> None:
    data = proposal()
    data["documents"] = []
    a = _assess(data)
    documents = next(s for s in a.sections if s.id == "documents")
    assert [(f.status, f.code) for f in documents.findings if f.status is not INFO] == [
        (R, "jcm.documents.none")
    ]
    assert one(a, "jcm.documents.none").params["n"] == 12


def test_all_documents_present() -> None:
    a = _assess(proposal())
    assert len(found(a, "jcm.documents.present")) == 12
    assert found(a, "jcm.documents.missing") == [] and found(a, "jcm.documents.naming") == []


def test_a_missing_required_document_fails() -> None:
    data = proposal()
    data["documents"] = [d for d in data["documents"] if d["id"] != "form2"]
    f = one(_assess(data), "jcm.documents.missing")
    assert (f.status, f.params["doc"]) == (X, "様式2 代表事業者届出書")
    assert "(イ)" in f.clause


@pytest.mark.parametrize(
    ("doc_id", "file", "prefix"),
    [("form2", "notice.pdf", "2"), ("form3_16", "PIN.docx", "3-16"), ("form5", "6_x.pdf", "5")],
)
def test_a_wrong_file_name_prefix_needs_review(doc_id: str, file: str, prefix: str) -> None:
    data = proposal()
    next(d for d in data["documents"] if d["id"] == doc_id)["file"] = file
    f = one(_assess(data), "jcm.documents.naming")
    assert (f.status, f.params["files"], f.params["prefix"]) == (R, [file], prefix)


def test_forms_entered_in_the_system_are_not_name_checked() -> None:
    data = proposal()
    next(d for d in data["documents"] if d["id"] == "form4")["file"] = "costs.xlsx"
    a = _assess(data)
    assert found(a, "jcm.documents.naming") == []
    assert len(found(a, "jcm.documents.present")) == 12


def test_an_unknown_document_id_needs_review() -> None:
    data = proposal()
    data["documents"].append({"id": "brochure", "file": "x.pdf"})
    f = one(_assess(data), "jcm.documents.unknown")
    assert (f.status, f.params["id"]) == (R, "brochure")


@pytest.mark.parametrize(
    ("change", "doc"),
    [("eco_lease", "lease_contract"), ("deferred_payment", "deferred_payment")],
)
def test_conditional_documents(change: str, doc: str) -> None:
    data = proposal()
    if change == "eco_lease":
        data = eco_lease(data)
        data["documents"] = [d for d in data["documents"] if d["id"] != doc]
    else:
        data["deferred_payment"] = True
    a = _assess(data)
    assert [f.status for f in found(a, "jcm.documents.missing")] == [X]
    data["documents"].append({"id": doc, "file": f"{doc}.pdf"})
    assert found(_assess(data), "jcm.documents.missing") == []


# --- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "in_force"),
    [("2024-03-31", False), ("2024-04-01", True), ("2027-03-31", True), ("2027-04-01", False)],
)
def test_assessment_date_must_be_in_the_rulebook_period(day: str, in_force: bool) -> None:
    data = proposal()
    data["assessed_on"] = day
    if in_force:
        assert _assess(data).rulebook_id == CALL
    else:
        with pytest.raises(NotInForce, match="2024-04-01 to 2027-03-31"):
            _assess(data)


def test_an_unknown_cost_item_is_refused_naming_the_valid_items() -> None:
    data = proposal(line(costs=[cost("equipment", 1_000_000), cost("catering", 10_000)]))
    with pytest.raises(BadInput, match="'catering' is unknown; valid items") as err:
        _assess(data)
    for valid in ("admin", "equipment", "main_works", "removal_of_existing", "land"):
        assert valid in str(err.value)


@pytest.mark.parametrize(("fy", "ok"), [(2023, False), (2024, True), (2026, True), (2027, False)])
def test_cost_fiscal_year_must_be_fy2024_to_fy2026(fy: int, ok: bool) -> None:
    data = proposal(line(costs=[cost("equipment", 40_000_000, fy=fy)]))
    if ok:
        assert _assess(data).figures["eligible_cost_jpy"] == 40_000_000
    else:
        with pytest.raises(
            BadInput, match=rf"fiscal year {fy} is outside the call \(FY2024–FY2026\)"
        ):
            _assess(data)


def test_every_assessment_records_its_rulebook() -> None:
    a = _assess(proposal())
    report = a.to_dict("en")
    assert report["rulebook"] == {"id": CALL, "version": 1}
    assert [s["id"] for s in report["sections"]] == [
        "eligibility",
        "subsidy",
        "costs",
        "scoring",
        "schedule",
        "documents",
    ]


def test_eco_lease_counts_only_equipment_and_lease_interest() -> None:
    """2.(7) ただし書: works, survey and 事務費 cannot be counted in an eco-lease."""
    data = eco_lease(
        proposal(line(costs=[cost("equipment", 40_000_000), cost("lease_interest", 2_000_000)]))
    )
    tech(data)["costs"] += [cost("survey_and_testing", 10_000_000), cost("admin", 1_000_000)]
    a = _assess(data)
    assert a.figures["eligible_cost_jpy"] == 42_000_000
    assert a.figures["max_subsidy_jpy"] == 4_200_000
    bad = found(a, "jcm.costs.eco_lease_item")
    assert {f.status for f in bad} == {X} and len(bad) == 2


def test_lease_interest_is_not_a_model_project_cost() -> None:
    a = _assess(
        proposal(line(costs=[cost("equipment", 40_000_000), cost("lease_interest", 2_000_000)]))
    )
    assert a.figures["eligible_cost_jpy"] == 40_000_000
    assert one(a, "jcm.costs.eco_lease_item").code == "jcm.costs.lease_interest_model_project"


def test_admin_cost_above_its_cap_never_raises_the_maximum_subsidy() -> None:
    """別表1: 事務費 counts only up to its cap (6.5% of 40M = 2.6M here)."""
    within = _assess(
        proposal(line(costs=[cost("equipment", 40_000_000), cost("admin", 2_600_000)]))
    )
    over = _assess(proposal(line(costs=[cost("equipment", 40_000_000), cost("admin", 9_000_000)])))
    assert within.figures["max_subsidy_jpy"] == 21_300_000
    assert over.figures["max_subsidy_jpy"] == 21_300_000
    assert one(over, "jcm.costs.admin_cap").status is X


def test_japan_is_not_a_host_country() -> None:
    data = proposal()
    data["country"] = "JP"
    assert one(_assess(data), "jcm.country").status is X


def test_a_range_cost_effectiveness_fails_when_both_readings_fail() -> None:
    """Battery in MN is a range in annex 3; at either cap 600 t over the life is far too little."""
    data = proposal(line("battery", annual_reduction_tco2="60", useful_life_years=10))
    data["country"] = "MN"
    tech(data).pop("requested_subsidy_jpy", None)
    f = one(_assess(data), "jcm.cost_effectiveness")
    assert f.status is X


# --- interpretations where the call is unclear (docs/rules.md) ------------------------------------
@pytest.mark.parametrize(
    ("deadline", "status", "code"),
    [
        ("2024-05-13T12:00:00+09:00", P, "jcm.schedule.round_ok"),  # 一次採択審査分
        ("2024-11-29T12:00:00+09:00", P, "jcm.schedule.round_ok"),  # 公募終了
        ("2024-08-30T12:00:00+09:00", R, "jcm.schedule.round_unknown"),  # 二次: set by the Centre
        ("2024-05-14T12:00:00+09:00", R, "jcm.schedule.round_unknown"),
    ],
)
def test_a_deadline_that_is_not_a_dated_round_needs_review(
    deadline: str, status: Status, code: str
) -> None:
    data = proposal()
    data["target_deadline"] = deadline
    data["pre_registered_on"] = "2024-04-10"
    f = one(_assess(data), "jcm.schedule.round")
    assert (f.status, f.code) == (status, code)
    if status is R:
        assert "二次採択審査分の締切はセンターが設定" in f.message("ja")
        assert "一次採択審査分 2024-05-13 12:00、公募終了 2024-11-29 12:00" in f.message("ja")
        assert f.clause == "2.(11)"


@pytest.mark.parametrize(
    ("deadline", "registered", "status", "code"),
    [
        ("2024-04-18T12:00:00+09:00", "2024-04-05", R, "jcm.schedule.pre_before_call"),
        ("2024-04-18T12:00:00+09:00", None, R, "jcm.schedule.pre_before_call"),
        ("2024-04-19T12:00:00+09:00", "2024-04-05", P, "jcm.schedule.pre_ok"),  # due = opening
        ("2024-04-19T12:00:00+09:00", "2024-04-06", X, "jcm.schedule.pre_late"),
    ],
)
def test_a_pre_registration_due_before_the_call_opened_needs_review(
    deadline: str, registered: str | None, status: Status, code: str
) -> None:
    data = proposal()
    data["target_deadline"] = deadline
    data["pre_registered_on"] = registered
    f = one(_assess(data), "jcm.schedule.pre_registration")
    assert (f.status, f.code) == (status, code)
    if code == "jcm.schedule.pre_before_call":
        assert (f.params["due"], f.params["opens"]) == ("2024-04-04", "2024-04-05")
        assert "公募開始日 2024-04-05 より前" in f.message("ja")


@pytest.mark.parametrize(("day", "flagged"), [("2024-04-18", True), ("2024-04-19", False)])
def test_the_pre_registration_deadline_says_when_it_falls_before_the_call(
    day: str, flagged: bool
) -> None:
    d = deadline(BOOK, "pre-registration", dt.date.fromisoformat(day))
    codes = [n.code for n in d.notes]
    assert ("jcm.note.pre_registration_before_call" in codes) is flagged


def _completing(on: str, *fiscal_years: int) -> Assessment:
    data = proposal(line(costs=[cost("equipment", 10_000_000, fy=fy) for fy in fiscal_years]))
    data["milestones"] = {"planned_completion_on": on}
    return _assess(data)


@pytest.mark.parametrize(
    ("years", "on", "status", "limit"),
    [
        ((2024,), "2025-02-28", P, "2025-02-28"),  # 【令和6年度単年度案件】
        ((2024,), "2025-03-01", R, "2025-02-28"),
        ((2024, 2025), "2026-02-28", P, "2026-02-28"),  # 【令和6年度~令和7年度案件】
        ((2025,), "2026-03-01", R, "2026-02-28"),
    ],
)
def test_completion_by_the_end_of_february_of_the_last_cost_year(
    years: tuple[int, ...], on: str, status: Status, limit: str
) -> None:
    a = _completing(on, *years)
    f = one(a, "jcm.schedule.completion_fiscal_year")
    assert (f.status, f.params["limit"], f.params["fy"], f.clause) == (
        status,
        limit,
        max(years),
        "2.(11)",
    )
    assert one(a, "jcm.schedule.completion").status is P  # well before 2027-01-29 (2.(10))


@pytest.mark.parametrize(("on", "status"), [("2027-01-29", P), ("2027-01-30", X)])
def test_a_three_year_project_is_held_to_2_10_alone(on: str, status: Status) -> None:
    a = _completing(on, 2024, 2025, 2026)
    assert found(a, "jcm.schedule.completion_fiscal_year") == []
    f = one(a, "jcm.schedule.completion")
    assert f.status is status
    # 2.(10) 「原則として」: still a failure, with the note that says so
    assert note_codes(f) == ([] if status is P else ["jcm.note.in_principle"])


def test_fossil_power_fails_in_principle() -> None:
    data = proposal()
    data["declarations"].update(fossil_fired_power=True, fossil_exception=False)
    f = one(_assess(data), "jcm.screening.3")
    assert (f.status, note_codes(f)) == (X, ["jcm.note.in_principle"])
    assert "対象外" in f.message("ja")
    data["declarations"]["fossil_exception"] = None
    f = one(_assess(data), "jcm.screening.3")
    assert (f.status, note_codes(f)) == (R, [])
    assert "確認してください" in f.message("ja") and "対象外" not in f.message("ja")


def test_eco_lease_methodology_fails_in_principle() -> None:
    data = eco_lease(proposal())
    data["methodology"]["proposed"] = False
    f = one(_assess(data), "jcm.eco_lease.methodology")
    assert (f.status, note_codes(f)) == (X, ["jcm.note.in_principle"])


@pytest.mark.parametrize(
    ("technology", "requested", "status", "in_principle"),
    [
        ("solar_pv", 42_500_000, P, False),  # 2,500 × 17,000 t
        ("solar_pv", 42_500_001, X, True),  # 「原則として太陽光発電は2千5百円/tCO2eq以下」
        ("small_hydro", 8_500_001, X, True),  # 500 × 17,000 t, 「原則として」 too
        ("boiler", 68_000_001, X, False),  # the general 4,000 is not 「原則」
    ],
)
def test_the_2500_and_500_limits_fail_in_principle(
    technology: str, requested: int, status: Status, in_principle: bool
) -> None:
    data = proposal(
        solar_line(
            technology=technology,
            costs=[cost("equipment", 500_000_000)],
            requested_subsidy_jpy=requested,
        )
    )
    if technology != "solar_pv":
        del tech(data)["solar"]
    f = one(_assess(data), "jcm.cost_effectiveness")
    assert f.status is status
    assert ("jcm.note.in_principle" in note_codes(f)) is in_principle


def test_the_in_principle_note_reads_for_requirements_not_only_deadlines() -> None:
    data = proposal()
    data["declarations"].update(fossil_fired_power=True, fossil_exception=False)
    note = one(_assess(data), "jcm.screening.3").notes[0]
    assert "「原則として」" in note.message("ja") and "センターが判断" in note.message("ja")
    assert "期限" not in note.message("ja")


def test_monitoring_names_its_basis_and_the_issuance_after_the_monitoring_period() -> None:
    data = proposal()
    data["milestones"] = {"operation_start_on": "2026-02-01"}
    f = one(_assess(data), "jcm.schedule.monitoring")
    assert "モニタリング期間終了後の発行申請期限" in f.message("ja")
    assert "法定耐用年数満了後" not in f.message("ja")
    assert note_codes(f)[:2] == ["jcm.note.monitoring_basis_life", "jcm.note.bilateral_unknown"]
    assert "法定耐用年数(10年、2036-01-31まで)" in f.notes[0].message("ja")


def test_eco_lease_monitoring_is_the_lease_period_and_never_says_useful_life() -> None:
    data = eco_lease(proposal(), years=7)
    data["milestones"] = {"operation_start_on": "2026-02-01"}
    f = one(_assess(data), "jcm.schedule.monitoring")
    assert f.params["end"] == "2033-01-31"
    assert note_codes(f)[:2] == ["jcm.note.monitoring_basis_lease", "jcm.note.bilateral_unknown"]
    assert "リース期間(7年、2033-01-31まで)" in f.notes[0].message("ja")
    for text in [f.message("ja"), *(n.message("ja") for n in f.notes)]:
        assert "法定耐用年数" not in text, text


def test_a_shorter_bilateral_document_ends_monitoring() -> None:
    data = proposal()
    data["milestones"] = {"operation_start_on": "2026-02-01", "bilateral_valid_until": "2030-12-31"}
    f = one(_assess(data), "jcm.schedule.monitoring")
    assert (f.params["end"], f.params["issue_by"]) == ("2030-12-31", "2031-12-31")
    assert note_codes(f)[:2] == [
        "jcm.note.monitoring_basis_life",
        "jcm.note.monitoring_basis_bilateral",
    ]
    plan = monitoring_plan(
        BOOK,
        operation_start=dt.date(2026, 2, 1),
        useful_life_years=10,
        bilateral_valid_until=dt.date(2030, 12, 31),
    )
    assert plan.basis == "bilateral"


@pytest.mark.parametrize(
    ("documented", "status", "code"),
    [
        (True, P, "jcm.lease.fee_ok"),
        (False, X, "jcm.lease.fee_not_shown"),
        (None, R, "jcm.lease.fee_missing"),
    ],
)
def test_a_lease_inside_a_model_project_needs_the_lease_fee_breakdown(
    documented: bool | None, status: Status, code: str
) -> None:
    data = proposal()
    data["lease"] = {"lease_years": 10, "fee_reduction_documented": documented}
    f = one(_assess(data), "jcm.lease.fee")
    assert (f.status, f.code, f.clause) == (status, code, "2.(6)①")
    assert found(_assess(proposal()), "jcm.lease.fee") == []


@pytest.mark.parametrize(
    ("documented", "status", "code"),
    [
        (True, P, "jcm.deferred_payment.breakdown_ok"),
        (False, X, "jcm.deferred_payment.breakdown_not_shown"),
        (None, R, "jcm.deferred_payment.breakdown_missing"),
    ],
)
def test_deferred_payment_needs_the_breakdown(
    documented: bool | None, status: Status, code: str
) -> None:
    data = proposal()
    data["deferred_payment"] = True
    data["deferred_payment_benefit_documented"] = documented
    f = one(_assess(data), "jcm.deferred_payment.breakdown")
    assert (f.status, f.code, f.clause) == (status, code, "2.(6)②")
    assert "延払額算出内訳" in f.message("ja")
    assert found(_assess(proposal()), "jcm.deferred_payment.breakdown") == []


def test_a_deferred_payment_breakdown_without_deferred_payment_is_rejected() -> None:
    data = proposal()
    data["deferred_payment_benefit_documented"] = True
    with pytest.raises(ValidationError, match="deferred_payment"):
        JcmProposal.model_validate(data)


def test_eco_lease_fee_breakdown_keeps_its_clause() -> None:
    f = one(_assess(eco_lease(proposal())), "jcm.eco_lease.fee")
    assert (f.status, f.code, f.clause) == (P, "jcm.lease.fee_ok", "2.(6)③")


# --- messages: what a program officer reads ------------------------------------------------------
INTERNAL_IDS = re.compile(
    r"\b(?:"
    + "|".join(
        sorted(
            {t.id for t in TABLE.technologies}
            | set(BOOK.cost_items.eligible_ids())
            | set(BOOK.cost_items.ineligible_ids())
            | {e.id for e in BOOK.applicant.entity_types}
            | {
                "financial_soundness",
                "administrative_capacity",
                "clear_basis",
                "technology_understanding",
                "consortium_agreed",
            },
            key=len,
            reverse=True,
        )
    )
    + r")\b"
)


QUOTES_THE_APPLICANT = {"jcm.life.reason", "jcm.method.other_approved"}


def _japanese_texts(a: Assessment) -> Iterator[tuple[str, str]]:
    for f in a.findings:
        if f.code.startswith("jcm.documents.") or f.code in QUOTES_THE_APPLICANT:
            continue  # file names, ids and free text the applicant typed are quoted back
        yield f.code, f.message("ja")
        for n in f.notes:
            yield n.code, n.message("ja")


@pytest.mark.parametrize(
    "data",
    [
        _laos(line("transformer")),  # range note
        proposal(line(costs=[cost("equipment", 1_000_000, own_product=True)])),
        eco_lease(proposal()),
    ],
    ids=["range", "own-product", "eco-lease"],
)
def test_no_internal_ids_in_japanese_text(data: dict[str, Any]) -> None:
    data["consortium"]["representative"]["capability"] = {"clear_basis": False}
    for code, text in _japanese_texts(_assess(data)):
        assert not INTERNAL_IDS.search(text), (code, text)


@pytest.mark.parametrize("path", EXAMPLE_PATHS, ids=lambda p: p.name)
def test_no_internal_ids_in_the_examples_japanese_text(path: Path) -> None:
    for code, text in _japanese_texts(_example(path.name)):
        assert not INTERNAL_IDS.search(text), (code, text)


def test_own_product_without_a_description_is_named_by_its_item() -> None:
    costs = [cost("equipment", 1_000_000, own_product=True)]
    f = one(_assess(proposal(line(costs=costs))), "jcm.costs.own_product")
    assert f.params["description"] == "設備費(モニタリング機器含む)"


def test_capability_points_are_the_calls_five_phrases_with_the_false_ones_apart() -> None:
    data = proposal()
    data["consortium"]["representative"]["capability"] = {
        "financial_soundness": False,
        "administrative_capacity": True,
        "technology_understanding": None,
    }
    f = one(_assess(data), "jcm.screening.1", "jcm.applicant.capability_lacking")
    points = BOOK.applicant.capability_points_ja
    assert f.params["not_met_ja"] == f"「{points[0]}」"
    assert f.params["unstated_ja"] == f"「{points[2]}」「{points[3]}」「{points[4]}」"
    assert f"満たさないとされた点:「{points[0]}」" in f.message("ja")
    assert "'sound finances" in f.message("en")


def test_all_capability_points_stated_reads_none_unstated() -> None:
    f = one(_assess(proposal()), "jcm.screening.1", "jcm.applicant.capability_confirm")
    assert f.message("ja").endswith("未申告の点:なし")
    assert f.message("en").endswith("Not stated: none")


@pytest.mark.parametrize("lang", LANGS)
def test_the_rate_cap_reason_is_rendered_in_the_requested_language(lang: str) -> None:
    cap = rate_cap(BOOK, TABLE, "solar_pv", "VN")
    reason = cap.to_dict(lang)["reason"]
    assert reason.startswith(cap.clause) and "別添2 3.(1) 6)" in reason
    if lang == "ja":
        assert "太陽光発電(VN)" in reason and "採択されません" in reason
    else:
        assert "does not adopt" in reason and "採択" not in reason


def test_not_adopted_reason_in_japanese_writes_the_count() -> None:
    table = TABLE.with_adoptions([Adoption("heat_pump", "KE")] * 10)
    reason = rate_cap(BOOK, table, "heat_pump", "KE").to_dict("ja")["reason"]
    assert reason.startswith("2.(9): ") and "採択実績が10件(10件以上)" in reason


@pytest.mark.parametrize(
    ("requested", "code", "label"),
    [
        (None, "jcm.subsidy.within_range_assumed", "想定補助金額25,000,000円(上限の高い方)"),
        (20_000_001, "jcm.subsidy.within_range", "申請補助金額20,000,001円"),
    ],
)
def test_within_range_says_whether_the_amount_was_requested(
    requested: int | None, code: str, label: str
) -> None:
    f = one(
        _assess(_laos(line("transformer", requested_subsidy_jpy=requested))), "jcm.subsidy.amount"
    )
    assert (f.status, f.code) == (R, code)
    assert f.message("ja") == (
        "補助率上限が確定しないため上限額は20,000,000円〜25,000,000円です。"
        f"{label}がこの範囲の下限を超えるため、センターに確認してください。"
    )


def _pv_battery_costing(requested: int) -> dict[str, Any]:
    """Solar + battery in Kenya, 17,000 t over the life: 2,500 allows 42.5M, 4,000 68M."""
    data = _pv_battery()
    tech(data).update(costs=[cost("equipment", 200_000_000)], requested_subsidy_jpy=requested)
    return data


@pytest.mark.parametrize(
    ("requested", "status", "code", "text"),
    [
        (40_000_000, P, "jcm.ce.pass_alt_ok", "2,500円/tCO2eqの場合:以下"),
        (50_000_000, R, "jcm.ce.pass_alt_over", "2,500円/tCO2eqの場合:超過"),
        (70_000_000, X, "jcm.ce.fail_alt_over", "2,500円/tCO2eqの場合も超過"),
    ],
)
def test_solar_battery_states_the_outcome_under_the_2500_reading(
    requested: int, status: Status, code: str, text: str
) -> None:
    f = one(_assess(_pv_battery_costing(requested)), "jcm.cost_effectiveness")
    assert (f.status, f.code) == (status, code)
    assert text in f.message("ja") and "4,000 円/tCO2eq" in f.message("ja")
    note = next(n for n in f.notes if n.code == "jcm.note.solar_battery_limit")
    assert "2,500円/tCO2eqが適用される場合" in note.message("ja")


def test_a_failing_ratio_never_reads_as_the_limit() -> None:
    # 40,000,001 JPY ÷ 10,000 t = 4,000.0001: at two decimals it would read 4,000.00
    costs = [cost("equipment", 100_000_000)]
    a = _assess(proposal(line(costs=costs, requested_subsidy_jpy=40_000_001)))
    f = one(a, "jcm.cost_effectiveness")
    assert (f.status, f.params["value"]) == (X, "4,000.0001")
    assert "費用対効果 4,000.0001 円/tCO2eq" in f.message("ja")
    passing = one(
        _assess(proposal(line(costs=costs, requested_subsidy_jpy=40_000_000))),
        "jcm.cost_effectiveness",
    )
    assert passing.params["value"] == "4,000.00"


def test_no_scientific_notation_in_messages() -> None:
    data = proposal(line(annual_reduction_tco2="1E+3", costs=[cost("equipment", 40_000_000)]))
    data["financing"]["payback_years_with_subsidy"] = "1E+1"
    a = _assess(data)
    ce = one(a, "jcm.cost_effectiveness")
    assert (ce.params["annual"], ce.params["lifetime"]) == ("1,000", "10,000")
    assert one(a, "jcm.score.payback").params["years"] == "10"
    for lang in LANGS:
        text = json.dumps(a.to_dict(lang), ensure_ascii=False)
        assert "E+" not in text and "e+" not in text
    assert a.to_dict()["figures"]["annual_reduction_tco2"] == "1000"


def test_battery_sizes_read_without_exponents() -> None:
    f = _battery(_assess(_pv_battery(capacity_mwh="4E-1")), "jcm.tech.battery_size_ok")
    assert (f.params["cap"], f.params["min"]) == ("0.4", "0.4")


def test_wording_of_the_representative_cost_effectiveness_and_item_8() -> None:
    data = proposal(line(costs=[cost("equipment", 100_000_000)], requested_subsidy_jpy=50_000_000))
    data["consortium"]["representative"]["country"] = "MN"
    a = _assess(data)
    assert "は日本法人ではありません(設立国:MN)" in one(
        a, "jcm.screening.1", "jcm.applicant.not_japanese"
    ).message("ja")
    assert "補助金額または削減量の算定根拠を確認してください" in one(
        a, "jcm.cost_effectiveness"
    ).message("ja")
    assert "人件費、旅費等の根拠・工数・渡航回数" in one(a, "jcm.screening.8").message("ja")


def test_the_eco_lease_clause_prints_once() -> None:
    a = _assess(eco_lease(proposal()))
    assert one(a, "jcm.rate_cap").clause == "2.(9) (JCMエコリース)"
    vn = eco_lease(proposal(solar_line()))
    vn["country"] = "VN"
    vn["consortium"]["partners"][0]["country"] = "VN"
    clause = one(_assess(vn), "jcm.rate_cap").clause
    assert clause == "2.(9) (JCMエコリース); 別添2 3.(1) 6)"
    assert clause.count("2.(9)") == 1


# --- 2.(6)① a lease inside the consortium and the useful life (issue 12, point 20) ------------
def _leased(**lease: Any) -> dict[str, Any]:
    data = proposal(line())  # heat_pump, 10-year life
    data["milestones"] = {"operation_start_on": "2025-04-01"}  # life ends 2035-03-31
    data["lease"] = {"fee_reduction_documented": True, **lease}
    return data


@pytest.mark.parametrize(
    ("ends_on", "status", "code"),
    [
        ("2035-03-30", R, "jcm.lease.term_short"),
        ("2035-03-31", P, "jcm.lease.term_covers"),
        ("2035-04-01", P, "jcm.lease.term_covers"),
    ],
)
def test_a_lease_ending_before_the_useful_life_is_flagged(ends_on, status, code) -> None:
    found = one(_assess(_leased(lease_years=10, ends_on=ends_on)), "jcm.lease.term")
    assert (found.status, found.code, found.clause) == (status, code, "2.(6)①")
    assert "2035-03-31" in found.message("en") and "2035-03-31" in found.message("ja")
    if status is R:
        assert "continuing the lease or transferring" in found.message("en")
        assert "共同事業者へ譲渡" in found.message("ja")


def test_a_lease_transferred_outside_the_consortium_fails() -> None:
    data = _leased(lease_years=5, after_lease="transfer", transfer_to="Some Bank")
    found = one(_assess(data), "jcm.lease.term")
    assert found.status is X and "Test Kenya Ltd." in found.message("en")
    data["lease"]["transfer_to"] = "Test Kenya Ltd."
    assert one(_assess(data), "jcm.lease.term").code == "jcm.lease.term_transfer"


def test_the_eco_lease_period_is_its_own_rule_not_2_6_1() -> None:
    """A JCM eco-lease's lease period replaces the useful life (別添2 3.(2)(C) ※)."""
    data = _leased(lease_years=5)
    data["kind"] = "eco_lease"
    assert not [f for f in _assess(data).findings if f.check == "jcm.lease.term"]
