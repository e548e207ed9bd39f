"""Scoring items carry English names beside the Japanese (JCM 別添2 3.(2); C3P Table 6), cited by
the item's clause; a missing English name falls back to the Japanese one."""

from __future__ import annotations

import pytest

from renkei.rules import load_rulebook
from renkei.rules._result import render
from renkei.rules.jcm.rulebook import ScoreItem

JCM = load_rulebook("jcm-model-project/fy2024")
C3P = load_rulebook("c3p/fy2025")


@pytest.mark.parametrize("book", [JCM, C3P], ids=["jcm", "c3p"])
def test_every_scoring_item_has_an_english_name_and_a_clause(book) -> None:
    for item in book.scoring.items:
        assert item.name_en and item.name_en.isascii(), item.id
        assert item.name("en") == item.name_en and item.name("ja") == item.name_ja
        assert item.clause.startswith(("別添2 3.(2)", "Table 6")), item.id


def test_jcm_names_follow_the_call() -> None:
    names = {i.id: i.name_en for i in JCM.scoring.items}
    assert names["B1"] == "Project plan"
    assert names["C"] == "Total GHG emission reductions and their certainty"
    assert names["E2"] == "Participation in the Decokatsu Supporters Club"


def test_an_item_without_an_english_name_reads_in_japanese() -> None:
    item = ScoreItem(id="X", max=1, clause="別添2 3.(2)", name_ja="事業計画", source="reviewer")
    assert item.name_en is None and item.name("en") == "事業計画"


def test_english_messages_name_the_item_in_english() -> None:
    params = {"item": "B1", "name_ja": "事業計画", "name_en": "Project plan", "max": 10}
    assert render("jcm.score.reviewer_pending", params, "en").startswith("B1 Project plan")
    assert render("jcm.score.reviewer_pending", params, "ja").startswith("B1 事業計画")
