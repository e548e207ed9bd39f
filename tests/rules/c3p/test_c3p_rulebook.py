"""The c3p/fy2025 rulebook: loads strictly, sums to 185, and matches the proposal model."""

from __future__ import annotations

import copy
import datetime as dt
import typing
from decimal import Decimal
from importlib import resources

import pytest

from renkei.errors import UnknownChoice
from renkei.rules._registry import available_rulebooks
from renkei.rules._yaml import load_yaml_text
from renkei.rules.c3p import C3pRulebook
from renkei.rules.c3p.proposal import (
    ActivityPlan,
    CostPlan,
    DocumentId,
    ReviewerScores,
    WlbId,
)
from renkei.rules.countries import iso_codes


def _raw() -> dict:
    path = resources.files("renkei.rules") / "rulebooks" / "c3p" / "fy2025.yaml"
    return load_yaml_text(path.read_text(encoding="utf-8"), "c3p/fy2025")


def test_rulebook_is_listed_and_loads(book: C3pRulebook) -> None:
    assert "c3p/fy2025" in available_rulebooks()
    assert book.id == "c3p/fy2025"
    assert book.program == "c3p"
    assert book.period.start == dt.date(2025, 2, 10)
    assert book.period.end == dt.date(2026, 3, 31)
    assert book.period.note


@pytest.mark.parametrize("column", ["new", "ongoing"])
def test_scoring_maxima_total_185(book: C3pRulebook, column: str) -> None:
    total = sum(item.max_for(column) or 0 for item in book.scoring.items)
    assert total == 185
    assert book.scoring.total_for(column) == 185


def test_column_specific_items(book: C3pRulebook) -> None:
    s = book.scoring
    assert s.item("past_achievements").max_new is None
    assert s.item("past_collaboration").max_new is None
    assert s.item("overall_evaluation").max_new == 50
    assert s.item("overall_evaluation").max_ongoing == 25
    assert s.item("technology_introduction").max_ongoing == 35


def test_a_rulebook_whose_maxima_do_not_add_up_is_rejected() -> None:
    data = copy.deepcopy(_raw())
    data["scoring"]["items"][0]["max_new"] = 49
    with pytest.raises(ValueError, match="new-project maxima add up to 184"):
        C3pRulebook.model_validate(data)


def test_unknown_rulebook_key_is_rejected() -> None:
    data = copy.deepcopy(_raw())
    data["costs"]["cap_jpy"] = 1
    with pytest.raises(ValueError, match="cap_jpy"):
        C3pRulebook.model_validate(data)


def test_bands_must_increase() -> None:
    data = copy.deepcopy(_raw())
    data["scoring"]["ghg_reduction"]["bands"][1]["up_to"] = 500
    with pytest.raises(ValueError, match="must increase"):
        C3pRulebook.model_validate(data)


def test_countries_are_29_partners_and_5_candidates(book: C3pRulebook) -> None:
    partners = [c.code for c in book.countries.partners]
    candidates = [c.code for c in book.countries.candidates]
    assert len(partners) == len(set(partners)) == 29
    assert candidates == ["IN", "BR", "MY", "ZA", "TR"]
    assert set(partners + candidates) <= iso_codes()
    assert not set(partners) & set(candidates)


def test_every_value_cites_a_clause(book: C3pRulebook) -> None:
    for item in book.scoring.items:
        assert item.clause.startswith("Table 6 item "), item.id
    for cat in book.costs.categories:
        assert cat.clause.startswith("Table 5"), cat.id
    assert book.costs.cap_incl_tax_jpy.clause == "3.3 (3)"
    assert book.costs.field_survey_uplift_jpy.clause == "3.3 (3) footnote 1"
    assert [c.clause for c in book.eligibility.criteria] == [
        f"3.2 eligibility ({n})" if n != 7 else "3.2 eligibility (7); BOX 8" for n in range(1, 10)
    ]


def test_money_and_rates_are_not_floats(book: C3pRulebook) -> None:
    assert book.costs.cap_incl_tax_jpy.value == 20_000_000
    assert book.costs.field_survey_uplift_jpy.value == 5_000_000
    assert book.costs.consumption_tax_rate.value == Decimal("0.10")
    assert isinstance(book.costs.outsourcing_max_share.value, Decimal)


def test_cost_plan_fields_match_table5_categories(book: C3pRulebook) -> None:
    ids = {c.id for c in book.costs.categories}
    fields = {f.removesuffix("_jpy") for f in CostPlan.model_fields} - {"field_survey_tasks"}
    assert fields == ids
    paid = {c.id for c in book.costs.categories if c.paid_to_others}
    assert paid == {"outsourcing", "joint_implementation"}


def test_proposal_ids_match_the_rulebook(book: C3pRulebook) -> None:
    assert set(typing.get_args(DocumentId)) == {d.id for d in book.documents.items}
    of_3_4 = [d for d in book.documents.items if d.clause is None]
    assert [d.item for d in of_3_4] == [f"({n})" for n in range(1, 12)]
    # the agreements named outside 3.4 are optional and cite where the guidebook names them
    others = {d.id: d for d in book.documents.items if d.clause is not None}
    assert set(others) == {"collaboration_agreement", "joint_implementation_agreement"}
    assert {d.required for d in others.values()} == {"optional"}
    assert "3.2 eligibility (7)" in others["collaboration_agreement"].clause
    assert others["joint_implementation_agreement"].clause == "BOX 6"
    assert set(typing.get_args(WlbId)) == {c.id for c in book.scoring.wlb.certifications}
    reviewer = {i.id for i in book.scoring.items if i.source == "reviewer"}
    assert set(ReviewerScores.model_fields) == reviewer
    assert set(ActivityPlan.model_fields) == {a.id for a in book.activities.items}


def test_a_rulebook_for_another_year_is_not_guessed() -> None:
    from renkei.rules._registry import load_rulebook

    with pytest.raises(UnknownChoice, match="c3p/fy2025"):
        load_rulebook("c3p/fy2026")
