"""Every C3P message code is defined in Japanese and English, renders, and is actually used.

A sweep of proposals and the YAML cases exercises every branch of the C3P rules; each finding
and note is rendered in both languages (so a missing placeholder fails), every code produced must
be catalogued, and every catalogued ``c3p.*`` code must be produced by some branch.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from renkei.rules._result import LANGS, Finding, Note, catalogue, render
from renkei.rules._yaml import load_yaml_file, load_yaml_text
from renkei.rules.c3p import (
    C3pRulebook,
    assess_c3p,
    check_costs,
    contract_cap,
    parse_c3p_proposal,
    score_ems,
    score_item,
    score_past_collaboration,
    score_targets,
    score_wlb,
)
from renkei.rules.c3p.proposal import Commitments, CostPlan

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

Patch = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Patch:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[key]
        if value is ...:
            target.pop(last, None)
        else:
            target[last] = value

    return apply


DECLARATIONS = [
    "incorporated",
    "not_under_article_70",
    "not_under_article_71",
    "not_under_suspension_of_designation",
    "anti_organised_crime_pledge",
]
LETTERS = ["japanese_city.letter_of_interest", "partner_city.letter_of_interest"]

VARIANTS: list[tuple[str, list[Patch]]] = [
    ("c3p-new-project.yaml", []),
    ("c3p-ongoing-project.yaml", []),
    ("c3p-fails-eligibility.yaml", []),
    (
        "c3p-new-project.yaml",
        [_set(f"applicant.{f}", False) for f in DECLARATIONS]
        + [
            _set("applicant.survey_research_rating_fy2022_2024", "D"),
            _set("applicant.survey_research_rating_fy2025_2027", "D"),
            _set("japanese_city.in_consortium", False),
            _set("japanese_city.letter_of_interest", False),
            _set("partner_city.letter_japanese_translation", False),
            _set("agreement", {"status": "none"}),
            _set("partner_city.country", "US"),
            _set("project.year_in_phase", 4),
            _set("activity_plan.deliverables", False),
            _set("activity_plan.report_sessions", 1),
            _set("activity_plan.presentations_in_japan", 0),
            _set("activity_plan.field_surveys", 0),
            _set("activity_plan.supporting_organisations", []),
            _set("documents_submitted", ["application_form"]),
        ],
    ),
    (
        "c3p-new-project.yaml",
        [_set(f"applicant.{f}", ...) for f in DECLARATIONS]
        + [_set(f, ...) for f in LETTERS]
        + [
            _set("applicant.survey_research_rating_fy2022_2024", ...),
            _set("applicant.survey_research_rating_fy2025_2027", ...),
            _set("japanese_city.in_consortium", ...),
            _set("partner_city.letter_japanese_translation", ...),
            _set("partner_city.country", "IN"),
            _set("agreement", {"status": "intended"}),
            _set("activity_plan", ...),
            _set("cost_plan", {}),
            _set("commitments.ghg_targets", [{"description": "CN 2050"}]),
            _set("commitments.wlb_certifications", ["implementation_plan"]),
            _set("applicant.full_time_employees", ...),
            _set("commitments.ems_certifications", []),
            _set("commitments.ems_past_certification", "ISO14001 (2019–2022)"),
            _set("commitments.ems_own_system", "In-house EMS"),
            _set("documents_submitted", []),
        ],
    ),
    (
        "c3p-new-project.yaml",
        [
            _set("partner_city.letter_of_interest", False),
            _set("agreement", {"status": "intended"}),
            _set("partner_city.letter_states_intent_to_conclude_agreement", False),
            _set("project.year_in_phase", 2),
            _set("commitments.ems_certifications", []),
            _set("commitments.ems_past_certification", "ISO14001 (2019–2022)"),
            _set("commitments.wlb_certifications", ["implementation_plan"]),
            _set("applicant.full_time_employees", 5000),
            _set("cost_plan.equipment", [{"name": "Laptop", "unit_price_jpy": 150000}]),
            _set("cost_plan.field_survey_tasks", "Wind condition survey"),
            _set("cost_plan.personnel_jpy", 9_000_000),
        ],
    ),
    (
        "c3p-new-project.yaml",
        [
            _set("agreement", {"status": "intended"}),
            _set("partner_city.letter_states_intent_to_conclude_agreement", True),
            _set("commitments.ems_certifications", []),
            _set("commitments.wlb_certifications", []),
            _set("cost_plan.personnel_jpy", 13_000_000),
            _set("cost_plan.joint_implementation_jpy", 12_000_000),
            _set("reviewer_scores", {"overall_evaluation": 30}),
        ],
    ),
    (
        "c3p-new-project.yaml",
        [_set("cost_plan.personnel_jpy", 9_000_000)],
    ),
    (
        "c3p-new-project.yaml",
        [
            _set("applicant.kind", "municipality"),
            _set(
                "documents_submitted",
                [
                    "letters_of_interest",
                    "collaboration_agreement",
                    "joint_implementation_agreement",
                ],
            ),
        ],
    ),
    (
        "c3p-ongoing-project.yaml",
        [
            _set("project.phase", 3),
            _set("project.year_in_phase", 1),
            _set("project.other_stakeholder_letters", []),
            _set("project.past_c3p_projects_last_3_years", ...),
        ],
    ),
    ("c3p-ongoing-project.yaml", [_set("project.year_in_phase", 1)]),
    (
        "c3p-ongoing-project.yaml",
        [
            _set("project.year_in_phase", 1),
            _set("project.higher_novelty_statement", "Hydrogen in port logistics"),
        ],
    ),
    ("c3p-ongoing-project.yaml", [_set("project.phase", 1), _set("project.year_in_phase", 1)]),
    (
        "c3p-ongoing-project.yaml",
        [_set("commitments.ghg_targets", [{"description": "CN 2050"}, {"description": "-46%"}])],
    ),
]


def _findings(book: C3pRulebook) -> Iterator[Finding]:
    for name, patches in VARIANTS:
        data = copy.deepcopy(load_yaml_file(EXAMPLES / name))
        for patch in patches:
            patch(data)
        yield from assess_c3p(parse_c3p_proposal(data, name), book).findings
    cases_path = resources.files("renkei.rules") / "rulebooks" / "c3p" / "fy2025.cases.yaml"
    for case in load_yaml_text(cases_path.read_text(encoding="utf-8"), "cases"):
        i = case["input"]
        fn = case["function"]
        if fn == "score_item":
            yield score_item(book, i["item"], i["value"])
        elif fn == "score_past_collaboration":
            yield score_past_collaboration(book, i["project_type"], i["count"])
        elif fn == "score_ems":
            yield score_ems(book, Commitments.model_validate(i))
        elif fn == "score_targets":
            yield score_targets(book, Commitments.model_validate(i))
        elif fn == "score_wlb":
            yield score_wlb(book, i["certifications"], i["full_time_employees"])
        elif fn == "contract_cap":
            yield contract_cap(book, i["total_incl_tax_jpy"], i.get("field_survey_tasks"))
        elif fn == "cost_plan":
            yield from check_costs(CostPlan.model_validate(i), book)[0]


@pytest.fixture(scope="module")
def produced(book: C3pRulebook) -> dict[str, Finding | Note]:
    out: dict[str, Finding | Note] = {}
    for f in _findings(book):
        out.setdefault(f.code, f)
        for n in f.notes:
            out.setdefault(n.code, n)
    return out


def test_catalogue_has_c3p_codes_in_both_languages() -> None:
    codes = [c for c in catalogue() if c.startswith("c3p.")]
    assert len(codes) > 50
    for code in codes:
        assert set(catalogue()[code]) == set(LANGS), code
        assert catalogue()[code]["ja"].strip() and catalogue()[code]["en"].strip(), code
        assert catalogue()[code]["ja"] != catalogue()[code]["en"], code


def test_every_produced_code_is_catalogued_and_renders(produced) -> None:
    for code, item in produced.items():
        assert code in catalogue(), code
        for lang in LANGS:
            text = item.message(lang)
            assert text and "{" not in text, (code, lang, text)


def test_every_catalogued_code_is_used(produced) -> None:
    unused = {c for c in catalogue() if c.startswith("c3p.")} - set(produced)
    assert not unused, f"message codes never produced: {sorted(unused)}"


def test_japanese_messages_are_japanese(produced) -> None:
    kana_or_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    for code in produced:
        assert kana_or_kanji.search(catalogue()[code]["ja"]), code


@pytest.mark.parametrize("code", ["section.eligibility", "section.schedule", "section.activities"])
def test_section_titles_exist(code: str) -> None:
    assert render(code, {}, "ja") and render(code, {}, "en")
