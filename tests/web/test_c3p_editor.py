"""The structured editor of a C3P proposal: the FY2025 call's fields as forms, converted both ways,
with the live assessment (contract amount against the cap, computed Table 6 items, documents of
3.4) and what is still needed placed beside its field."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from webfactories import ROOT, jst

from renkei.calls.models import Call, Program, Round
from renkei.proposals import c3p_editor, services
from renkei.proposals.models import Proposal
from renkei.rules import assess_proposal, load_rulebook, validate_proposal

BOOK = "c3p/fy2025"
EXAMPLES = sorted((ROOT / "examples").glob("c3p-*.yaml"))
NEW = ROOT / "examples" / "c3p-new-project.yaml"  # passes; claims eruboshi_2 and kurumin_new


def _example(path) -> dict[str, Any]:
    # JSON types, as the database stores a document (dates as text)
    return json.loads(json.dumps(yaml.safe_load(path.read_text("utf-8")), default=str))


def _editor(data: dict[str, str], lang: str = "ja") -> c3p_editor.C3pEditor:
    return c3p_editor.C3pEditor(data, book=load_rulebook(BOOK), lang=lang)


def _model(document: dict[str, Any]) -> dict[str, Any]:
    """The typed proposal as plain data, certifications in one order (the form lists them in
    the rulebook's order)."""
    data = validate_proposal(document).model_dump(mode="json")
    data["commitments"]["wlb_certifications"].sort()
    return data


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_c3p_example_survives_the_form_unchanged(path) -> None:
    document = _example(path)
    data, dropped = c3p_editor.document_to_data(document, load_rulebook(BOOK))
    assert dropped == []
    ed = _editor(data)
    assert ed.is_valid(), ed.error_list()
    back = ed.to_document(document)
    assert _model(back) == _model(document)
    before = assess_proposal(validate_proposal(document)).to_dict("en")
    after = assess_proposal(validate_proposal(back)).to_dict("en")
    assert after["figures"] == before["figures"] and after["status"] == before["status"]
    # keys the form does not own come from the stored document, in the schema's order
    assert back["documents_submitted"] == document["documents_submitted"]
    assert list(back)[:2] == ["call", "title"]


def test_what_the_form_cannot_show_is_named_not_lost_silently() -> None:
    document = _example(NEW)
    document["commitments"]["wlb_certifications"].append("gold_star")
    document["cost_plan"]["personnel_jpy"] = {"year1": 5}
    _data, dropped = c3p_editor.document_to_data(document, load_rulebook(BOOK))
    assert "commitments.wlb_certifications[2]" in dropped
    assert "cost_plan.personnel_jpy" in dropped


def test_wrong_forms_are_refused_with_what_would_be_right() -> None:
    data, _ = c3p_editor.document_to_data(_example(NEW), load_rulebook(BOOK))
    data["cost-personnel_jpy"] = "６５０万"
    data["estimates-ghg_reduction_tco2_per_year"] = "1.2e+4x"
    data["project-phase"] = "4"
    data["partner-country"] = "US"  # typed on the YAML tab: not a Table 3 country
    ed = _editor(data, "en")
    assert not ed.is_valid()
    errors = {where: message for where, _id, message in ed.error_list()}
    assert "Enter whole yen in digits" in errors["Personnel costs"]
    assert "Enter a number, e.g. 12000." in errors["Expected GHG reduction (tCO2 per year)"]
    assert "Select a valid choice" in errors["Phase (2.1)"]
    assert "US is not a country of Table 3" in errors["Country"]


def test_a_ticked_certification_and_a_new_equipment_row_reach_the_document() -> None:
    data, _ = c3p_editor.document_to_data(_example(NEW), load_rulebook(BOOK))
    data["commitments-wlb_youth_yell"] = "on"
    data.pop("commitments-wlb_eruboshi_2")
    data, focus = c3p_editor.apply_action(data, "add:equipment")
    assert focus == "equipment-0"
    data.update({"equipment-0-name": "Power analyser", "equipment-0-unit_price_jpy": "450,000"})
    data["equipment-0-quantity"] = "2"
    ed = _editor(data)
    assert ed.is_valid(), ed.error_list()
    document = ed.to_document({"call": BOOK})
    assert document["commitments"]["wlb_certifications"] == ["kurumin_new", "youth_yell"]
    assert document["cost_plan"]["equipment"] == [
        {"name": "Power analyser", "unit_price_jpy": 450000, "quantity": 2}
    ]
    result = assess_proposal(validate_proposal(document)).to_dict("en")
    assert result["figures"]["contract_pre_tax_jpy"] == 17_980_000 + 900_000
    with pytest.raises(ValueError):
        c3p_editor.apply_action(data, "add:sites")  # a JCM list, not on this form


# --- the page --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clock(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"


@pytest.fixture
def draft(applicant) -> Proposal:
    call = Call.objects.create(
        rulebook_id=BOOK,
        program=Program.C3P,
        title_ja="令和7年度 都市間連携事業",
        title_en="C3P FY2025",
        opens_at=jst("2025-02-10T00:00"),
        closes_at=jst("2026-03-31T12:00"),
    )
    round_ = Round.objects.create(
        call=call, code="first", name_ja="第1回", name_en="First", deadline=jst("2025-03-03T12:00")
    )
    return services.proposal_create(actor=applicant, round=round_, title="C3P", country="VN")


def _client(user, lang: str = "ja") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    client.cookies["django_language"] = lang
    return client


def _form_data(document: dict[str, Any]) -> dict[str, str]:
    data, dropped = c3p_editor.document_to_data(document, load_rulebook(BOOK))
    assert dropped == []
    return data


def test_the_page_shows_the_c3p_calls_fields_in_japanese_and_english(applicant, draft) -> None:
    url = reverse("proposals:edit", args=[draft.pk])
    page = _client(applicant).get(url).content.decode()
    assert 'name="editor" value="c3p"' in page
    for label in ("パートナー都市", "都市間連携協定", "外注費", "えるぼし認定(2段階目)"):
        assert label in page, label
    assert 'name="partner-country"' in page and '<option value="VN" selected>' in page
    assert f'href="{reverse("proposals:edit_yaml", args=[draft.pk])}"' in page  # YAML tab
    english = _client(applicant, "en").get(url).content.decode()
    for label in ("Partner city (English)", "Outsourcing costs", '"Eruboshi" Level 2'):
        assert label in english.replace("&quot;", '"'), label


def test_saving_the_form_stores_the_document_and_the_panel_follows(applicant, draft) -> None:
    document = _example(NEW)
    url = reverse("proposals:edit", args=[draft.pk])
    client = _client(applicant)
    response = client.post(url, _form_data(document))
    assert response.status_code == 302 and response["Location"] == url
    draft.refresh_from_db()
    assert draft.document["partner_city"]["name"] == "Ben Tre Province"
    assert draft.document["cost_plan"]["joint_implementation_jpy"] == 2_800_000
    assert draft.document["call"] == BOOK  # kept from the stored document
    page = client.get(url).content.decode()
    assert "19,778,000" in page and "20,000,000" in page  # contract incl. tax against the cap
    assert "17,980,000" in page  # the total as typed, before tax
    # the live panel answers for what is typed, without saving it
    data = _form_data(document)
    data["editor"] = "c3p"
    data["cost-outsourcing_jpy"] = "3,200,000"
    panel = client.post(reverse("proposals:assessment", args=[draft.pk]), data).content.decode()
    assert "21,978,000" in panel  # (17,980,000 + 2,000,000) × 1.1: over the cap
    draft.refresh_from_db()
    assert draft.document["cost_plan"]["outsourcing_jpy"] == 1_200_000


def test_a_wrong_value_is_not_saved_and_nothing_typed_is_lost(applicant, draft) -> None:
    before = copy.deepcopy(draft.document)
    data = _form_data(_example(NEW))
    data["cost-personnel_jpy"] = "six million"
    data["partner-name"] = "Typed city"
    response = _client(applicant).post(reverse("proposals:edit", args=[draft.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="six million"' in page and 'value="Typed city"' in page
    assert "円単位の整数を数字で入力してください" in page  # "Enter whole yen in digits"
    draft.refresh_from_db()
    assert draft.document == before


def test_adding_and_removing_a_target_keeps_what_was_typed(applicant, draft) -> None:
    url = reverse("proposals:edit", args=[draft.pk])
    data = _form_data(_example(NEW))
    data["project-title_en"] = "typed, not saved"
    data["editor_action"] = "add:targets"
    page = _client(applicant).post(url, data).content.decode()
    assert 'name="targets-1-description"' in page and "typed, not saved" in page
    data = {k: v for k, v in data.items() if k != "editor_action"}
    data.update({"targets-TOTAL_FORMS": "2", "targets-1-description": "RE100 by 2040"})
    data["editor_action"] = "remove:targets-0"
    page = _client(applicant).post(url, data).content.decode()
    assert 'name="targets-1-description"' not in page and "RE100 by 2040" in page
    draft.refresh_from_db()
    assert draft.document.get("project", {}).get("title_en") != "typed, not saved"
