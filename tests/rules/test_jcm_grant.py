"""The grant-stage API of the JCM rules core (renkei.rules.jcm.grant, RULES_API.md).

The thresholds and dates themselves are YAML cases (fy2024.cases.yaml, test_jcm_cases.py);
this file covers what a case table cannot: budgets from a proposal, the readings' bookkeeping,
both languages of every result, and bad input.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from renkei.errors import BadInput, InvalidDocument, UnknownChoice
from renkei.rules import load_rulebook
from renkei.rules._result import catalogue
from renkei.rules._yaml import load_yaml_text
from renkei.rules.jcm import (
    CATEGORY_IDS,
    EVENTS,
    budget_from_proposal,
    cancellation_grounds,
    category_of,
    change_approval,
    check_decision,
    deadline,
    disposal,
    fixed_amount,
    flat,
    minor_change,
    monitoring_plan,
)

ROOT = Path(__file__).resolve().parents[2]
BOOK = load_rulebook("jcm-model-project/fy2024")
ALLOC = {"construction": 300_000_000, "equipment": 500_000_000, "admin": 10_000_000}


def _doc(name: str) -> dict:
    path = ROOT / "examples" / name
    return load_yaml_text(path.read_text(encoding="utf-8"), name)


# --- categories and budgets -------------------------------------------------------------------
def test_categories_are_the_three_of_annex_table_1() -> None:
    assert CATEGORY_IDS == ("construction", "equipment", "admin")
    for item in ("main_works", "ancillary_works", "machinery", "survey_and_testing"):
        assert category_of(item) == "construction"
    assert category_of("equipment") == category_of("lease_interest") == "equipment"
    assert category_of("admin") == "admin"
    assert category_of("other_approved") is None
    assert category_of("removal_of_existing") is None
    assert category_of("main_works", BOOK) == "construction"


def test_every_eligible_item_but_other_approved_has_a_category() -> None:
    placed = {i for c in BOOK.grant.categories.categories for i in c.items}
    assert placed == set(BOOK.cost_items.eligible_ids()) - {"other_approved"}


def test_budget_from_a_proposal_by_fiscal_year_leaves_ineligible_lines_out() -> None:
    budget = budget_from_proposal(BOOK, _doc("jcm-multi-site-pass.yaml"))
    # FY2024: main works 22M + survey 6M; equipment 90M; admin 5M; removal (3M) left out
    assert budget == {
        2024: {"construction": 28_000_000, "equipment": 90_000_000, "admin": 5_000_000},
        2025: {"construction": 23_000_000, "equipment": 140_000_000, "admin": 4_500_000},
    }
    assert flat(budget) == {
        "construction": 51_000_000,
        "equipment": 230_000_000,
        "admin": 9_500_000,
    }


def test_budget_from_a_proposal_counts_own_products_at_cost() -> None:
    doc = _doc("jcm-multi-site-pass.yaml")
    line = doc["sites"][0]["technologies"][0]["costs"][0]
    assert line["item"] == "equipment" and line["amount_jpy"] == 90_000_000
    line |= {"own_product": True, "cost_price_jpy": 80_000_000}
    assert budget_from_proposal(BOOK, doc)[2024]["equipment"] == 80_000_000


def test_budget_from_an_eco_lease_counts_the_equipment_portion_and_interest() -> None:
    budget = budget_from_proposal(BOOK, _doc("jcm-eco-lease.yaml"))
    assert budget[2024]["equipment"] == 66_000_000
    assert budget[2024]["construction"] == 0


def test_budget_from_an_invalid_document_names_the_error() -> None:
    doc = copy.deepcopy(_doc("jcm-multi-site-pass.yaml"))
    doc["sites"][0]["technologies"][0]["costs"][0]["amount_jpy"] = -1
    with pytest.raises(InvalidDocument, match="amount_jpy"):
        budget_from_proposal(BOOK, doc)


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ({"construction": 1, "works": 2}, "unknown category 'works'"),
        ({"construction": -1}, "zero or more"),
        ({"construction": 1.5}, "whole yen"),
        ({"construction": True}, "whole yen"),
        ({"FY24": {"construction": 1}}, "unknown category 'FY24'"),
        ({2024: {"construction": 1}, "admin": 1}, "neither a category"),
        ([1, 2], "mapping"),
        ({2024: {"admin": "10"}}, "whole yen"),
    ],
)
def test_bad_budgets_say_what_would_be_right(budget: object, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        flat(budget)  # type: ignore[arg-type]


# --- the decision -----------------------------------------------------------------------------
def test_check_decision_findings_read_in_both_languages() -> None:
    found = check_decision(
        BOOK,
        naiji_amount_jpy=100,
        amount_jpy=101,
        rate=Decimal("0.5"),
        rate_cap=Decimal("0.5"),
        budget={"construction": 202},
    )
    naiji = found[0]
    assert naiji.check == "jcm.grant.naiji_amount" and naiji.status.value == "fail"
    assert "内示額 100 円" in naiji.message("ja")
    assert "within the notice" in naiji.message("en")
    assert naiji.notes[0].code == "jcm.reading.decision_within_naiji"


def test_check_decision_refuses_a_float_rate() -> None:
    with pytest.raises(BadInput, match="never a float"):
        check_decision(BOOK, naiji_amount_jpy=1, amount_jpy=1, rate=0.5, rate_cap=None, budget={})  # type: ignore[arg-type]


# --- change control ---------------------------------------------------------------------------
def test_change_approval_dict_carries_clause_reading_and_its_sentence() -> None:
    after = ALLOC | {"construction": 345_000_001, "equipment": 454_999_999}
    result = change_approval(BOOK, ALLOC, after)
    for lang in ("ja", "en"):
        out = result.to_dict(lang)
        assert out["approval_required"] is True
        assert out["threshold_jpy"] == 45_000_000
        assert out["clause"] == "4.(4)2)①"
        assert out["reading"] == "jcm.reading.change_min_changed"
        assert out["reading_message"] == catalogue()["jcm.reading.change_min_changed"][lang]
        assert out["changes"] == {"construction": 45_000_001, "equipment": -45_000_001, "admin": 0}
        codes = {n["code"] for n in out["notes"]}
        assert {
            "jcm.reading.three_categories",
            "jcm.reading.change_base_latest",
            "jcm.reading.change_cumulative",
            "jcm.reading.change_eligible_basis",
            "jcm.reading.change_whole_project",
        } <= codes
    assert "計画変更承認申請書" in result.message("ja")


def test_an_amount_change_says_so() -> None:
    result = change_approval(BOOK, ALLOC, ALLOC | {"admin": 9_000_000})
    assert (result.kind, result.clause, result.approval_required) == ("amount", "4.(4)1)", True)
    assert "変更交付申請書" in result.message("ja")
    assert "change of the subsidy amount" in result.message("en")


def test_minor_change_refuses_a_missing_answer() -> None:
    with pytest.raises(BadInput, match="true or false"):
        minor_change(
            BOOK,
            changes_purpose=False,
            own_initiative_efficiency=None,  # type: ignore[arg-type]
            detail_only=False,
            reductions_unchanged=True,
        )


# --- property ---------------------------------------------------------------------------------
def test_disposal_restriction_ends_with_the_monitoring_plans_useful_life() -> None:
    start = dt.date(2026, 2, 1)
    plan = monitoring_plan(
        BOOK, operation_start=start, useful_life_years=17, bilateral_valid_until=None
    )
    found = disposal(
        BOOK, unit_price_jpy=500_000, operation_start=start, useful_life_years=17, day=start
    )
    assert found.restriction_ends == plan.life_end == dt.date(2043, 1, 31)
    out = found.to_dict("en")
    assert "2026-02-01" in out["reading_message"] and "2043-01-31" in out["reading_message"]


# --- the fixed amount -------------------------------------------------------------------------
def test_fixed_amount_lines_read_in_both_languages_with_clauses() -> None:
    result = fixed_amount(
        BOOK,
        decided_amount_jpy=100_000_000,
        rate=Decimal("0.5"),
        decided_budget={"construction": 100_000_000, "equipment": 90_000_000, "admin": 10_000_000},
        actual={"construction": 80_000_000, "equipment": 90_000_000, "admin": 8_000_000},
        advances_jpy=95_000_000,
    )
    assert (result.amount_jpy, result.final_payment_jpy, result.refund_jpy) == (
        89_000_000,
        0,
        6_000_000,
    )
    for line in result.lines:
        assert set(line) == {"label_ja", "label_en", "value", "clause"}
        assert line["label_ja"] != line["label_en"] and line["clause"]
    labels = [line["label_en"] for line in result.lines]
    assert labels[-4:] == [
        "Fixed amount (the lower of the two above)",
        "Advances paid",
        "Final payment",
        "Refund",
    ]
    ja = result.to_dict("ja")
    assert ja["lines"][0]["label"] == "工事費:実績額"
    assert any(n["code"] == "jcm.grant.refund_terms" for n in ja["notes"])


def test_fixed_amount_refuses_a_malformed_exclusion() -> None:
    with pytest.raises(BadInput, match="unknown category"):
        fixed_amount(
            BOOK,
            decided_amount_jpy=1,
            rate=Decimal("0.5"),
            decided_budget={"equipment": 10},
            actual={"equipment": 10},
            excluded=[("works", 1, "ineligible")],
        )


# --- cancellation -----------------------------------------------------------------------------
def test_cancellation_grounds_one_to_four_and_fraud_with_the_proviso_of_four() -> None:
    grounds = cancellation_grounds(BOOK)
    assert [g.id for g in grounds] == ["①", "②", "③", "④", "4.(11)"]
    assert [g.clause for g in grounds[:4]] == [f"4.(10){c}" for c in "①②③④"]
    assert [g.id for g in grounds if g.proviso_ja] == ["④"]
    four = grounds[3].to_dict("en")
    assert "period already elapsed" in four["proviso"]
    assert "すでに経過した期間" in grounds[3].to_dict("ja")["proviso"]
    assert "proviso" not in grounds[0].to_dict("ja")


# --- deadlines --------------------------------------------------------------------------------
def test_new_events_are_listed_and_an_unknown_one_names_them() -> None:
    assert {"final-inspection", "annual-report"} <= set(EVENTS)
    with pytest.raises(UnknownChoice, match="annual-report"):
        deadline(BOOK, "annual-reports", dt.date(2026, 2, 1))


def test_grant_application_keeps_its_keys_and_adds_the_reason() -> None:
    out = deadline(BOOK, "grant-application", dt.date(2025, 2, 10)).to_dict("en")
    assert {"due", "clause", "event", "date", "naiji_cancellable_from"} <= set(out)
    assert {"naiji_cancellable_clause", "naiji_cancellable_reason"} <= set(out)
    assert out["naiji_cancellable_from"] == "2025-04-01"


def test_annual_report_needs_the_useful_life() -> None:
    with pytest.raises(BadInput, match="useful-life-years"):
        deadline(BOOK, "annual-report", dt.date(2026, 2, 1))


# --- the readings -----------------------------------------------------------------------------
def _codes_passed_to_reading() -> set[str]:
    found = set()
    for path in (ROOT / "src/renkei/rules/jcm").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "reading"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
            ):
                found.add(node.args[1].value)
    return found


def test_every_reading_is_declared_catalogued_and_used() -> None:
    declared = set(BOOK.grant.readings)
    assert declared == _codes_passed_to_reading()
    catalogued = {c for c in catalogue() if c.startswith("jcm.reading.")}
    assert declared == catalogued
    for code in declared:
        assert catalogue()[code]["ja"].startswith("【解釈】"), code
        assert catalogue()[code]["en"].startswith("[Reading]"), code


def test_every_reading_is_listed_in_the_docs_with_its_clause() -> None:
    docs = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for code, r in BOOK.grant.readings.items():
        assert f"`{code}`" in docs, code
        row = next(line for line in docs.splitlines() if f"`{code}`" in line)
        assert r.clause.split(";")[0].strip() in row, (code, r.clause)
