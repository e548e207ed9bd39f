"""Each page in one language (issue 12, 17): English pages name the JCM call's cost items,
focus areas, documents and technologies in English; Japanese pages show names, not keys;
C3P pages use the C3P guidebook's words (no PIN, Joint Committee or 補助金額)."""

from __future__ import annotations

import re

import pytest
import yaml
from django.test import Client
from webfactories import ROOT, jst

from renkei.calls.models import Call, Program, Round
from renkei.proposals import services
from renkei.rules import load_rulebook
from renkei.rules._result import catalogue

pytestmark = pytest.mark.django_db


def _page(user, path: str, lang: str) -> str:
    client = Client()
    client.cookies["django_language"] = lang
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    text = response.content.decode()
    # what the reader sees: no scripts, styles, attribute values or form values
    text = re.sub(r"<(script|style|textarea)\b.*?</\1>", "", text, flags=re.S)
    return re.sub(r"<[^>]+>", " ", text)


def test_every_jcm_name_has_english() -> None:
    book = load_rulebook("jcm-model-project/fy2024")
    names = catalogue()
    for kind, items in (
        ("cost_item", (*book.cost_items.eligible, *book.cost_items.ineligible)),
        ("document", book.required_documents.documents),
        ("focus_area", book.scoring.f2_sectors),
    ):
        for item in items:
            texts = names[f"name.jcm.{kind}.{item.id}"]
            assert texts["ja"] == item.name_ja, item.id  # the same item as the rulebook's
            assert texts["en"] and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", texts["en"])


def test_english_jcm_editor_names_items_in_english(applicant, first_round, sample_document):
    proposal = services.proposal_create(
        actor=applicant,
        round=first_round,
        title="Tea factories",
        country="KE",
        document=sample_document,
    )
    page = _page(applicant, f"/proposals/{proposal.pk}/edit/", "en")
    for japanese in (
        "本工事費",
        "設備費",
        "既存設備の撤去費",
        "公募提案書",
        "経費内訳",
    ):
        assert japanese not in page, japanese
    for english in ("Main construction works", "Cost breakdown", "/Heat pump]"):
        assert english in page, english
    options = Client()
    options.cookies["django_language"] = "en"
    options.force_login(applicant)
    html = options.get(f"/proposals/{proposal.pk}/edit/").content.decode()
    assert "Green logistics" in html and "グリーン物流" not in html  # the focus areas
    # the panel's cost-effectiveness column matches lines by key, whatever the language
    cells = re.findall(r'<td class="n ce[^"]*">([^<]*)', html)
    assert cells and all(c.strip() not in ("", "—") for c in cells), cells
    japanese = _page(applicant, f"/proposals/{proposal.pk}/edit/", "ja")
    assert "本工事費" in japanese and "ヒートポンプ" in japanese
    assert "/heat_pump]" not in japanese and "/boiler]" not in japanese  # names, not keys


@pytest.fixture
def c3p_round(db) -> Round:
    call = Call.objects.create(
        rulebook_id="c3p/fy2025",
        program=Program.C3P,
        title_ja="令和7年度 都市間連携事業",
        title_en="C3P FY2025",
        opens_at=jst("2025-02-10T00:00"),
        closes_at=jst("2026-03-31T12:00"),
        budget_jpy=None,
    )
    return Round.objects.create(
        call=call, code="first", name_ja="第1回", name_en="First", deadline=jst("2025-03-03T12:00")
    )


def test_c3p_pages_use_c3p_words_and_names(settings, applicant, c3p_round) -> None:
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"
    document = yaml.safe_load((ROOT / "examples/c3p-new-project.yaml").read_text("utf-8"))
    document.pop("documents_submitted")
    document.pop("submitted_on")
    proposal = services.proposal_create(
        actor=applicant,
        round=c3p_round,
        title=document["title"],
        country=document["partner_city"]["country"],
        document=document,
    )
    for path in (f"/proposals/{proposal.pk}/", f"/proposals/{proposal.pk}/edit/"):
        english = _page(applicant, path, "en")
        japanese = _page(applicant, path, "ja")
        for word in ("PIN", "Joint Committee", "subsidy", "Subsidy"):
            assert word not in english, (path, word)
        for word in ("補助金額", "合同委員会", "PIN"):
            assert word not in japanese, (path, word)
        # C3P findings name their documents and score items, not their keys
        for key in ("[application_form]", "[overall_evaluation]", "[monthly_reports]"):
            assert key not in japanese and key not in english, (path, key)
        assert "応募申請書" in japanese
