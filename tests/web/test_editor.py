"""The structured proposal editor (issue 3, applicant path point 4): a JCM proposal in form 4's
structure, converted both ways between the document and the forms, saved through the service,
with the rules core's assessment following the form as it is edited.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import translation
from webfactories import ROOT, UserFactory

from renkei.accounts.models import Role
from renkei.audit.models import AuditEvent
from renkei.calls.models import Call, Program, Round
from renkei.proposals import editor, services
from renkei.proposals.models import Proposal
from renkei.rules import load_rulebook, validate_proposal

BOOK = "jcm-model-project/fy2024"
EXAMPLES = sorted((ROOT / "examples").glob("jcm-*.yaml"))


def _example(path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text("utf-8"))


def _editor(data: dict[str, str], **kwargs: Any) -> editor.ProposalEditor:
    return editor.ProposalEditor(data, book=load_rulebook(BOOK), lang="en", **kwargs)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The same proposal as the rules core reads it (1200 and "1200", 0.225 and "0.225")."""
    return validate_proposal(a).model_dump() == validate_proposal(b).model_dump()


def _battery_document() -> dict[str, Any]:
    """A proposal using every part of the form the samples leave out."""
    doc = _example(ROOT / "examples" / "jcm-multi-site-pass.yaml")
    doc["deferred_payment"] = True
    doc["deferred_payment_benefit_documented"] = False
    doc["lease"] = {"lease_years": 8}
    doc["methodology"] = {"approved": ["KE_AM002", "VN_AM012"], "proposed": True}
    doc["targets"]["co_innovation_or_hydrogen_project"] = True
    doc["declarations"]["fossil_fired_power"] = True
    doc["declarations"]["fossil_exception"] = None
    line = doc["sites"][1]["technologies"][0]
    line["focus_area"] = "renewable_energy"
    line["solar"]["special_use"] = True
    line["battery"] = {
        "capacity_mwh": "2.5",
        "charges_only_from_renewables": True,
        "output_measurable": False,
        "need": "surplus_curtailment",
        "max_daily_surplus_mwh": 1.75,
        "curtailment_justified": True,
    }
    line["costs"].append(
        {
            "fiscal_year": 2025,
            "item": "equipment",
            "description": "own-make inverters",
            "amount_jpy": 12000000,
            "own_product": True,
            "cost_price_jpy": 9000000,
        }
    )
    return doc


# --- document ⇄ forms --------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_bundled_jcm_example_round_trips_through_the_forms(path) -> None:
    document = _example(path)
    data, dropped = editor.document_to_data(document)
    assert dropped == []
    form = _editor(data)
    assert form.is_valid(), form.error_list()
    back = form.to_document(document)
    assert _same(back, document)
    assert set(back) == set(document)  # no key added or lost
    assert editor.document_to_data(back) == (data, [])  # and the forms again: a fixed point


def test_solar_battery_lease_own_products_and_tri_states_round_trip() -> None:
    document = _battery_document()
    data, dropped = editor.document_to_data(document)
    assert dropped == []
    assert data["sites-1-lines-0-battery_need"] == "surplus_curtailment"
    assert data["sites-1-lines-0-battery_output_measurable"] == "false"  # an answered "no"
    assert "decl-fossil_exception" not in data  # not answered yet
    assert data["sites-1-lines-0-battery_max_daily_surplus_mwh"] == "1.75"  # a YAML float
    assert data["sites-0-lines-0-costs-0-amount_jpy"] == "90,000,000"
    assert data["meth-approved"] == "KE_AM002, VN_AM012"
    form = _editor(data)
    assert form.is_valid(), form.error_list()
    back = form.to_document(document)
    assert _same(back, document)
    battery = back["sites"][1]["technologies"][0]["battery"]
    assert battery["output_measurable"] is False
    assert battery["max_daily_surplus_mwh"] == "1.75"  # decimals as text, never a float
    assert battery["capacity_mwh"] == "2.5"
    assert back["sites"][1]["technologies"][0]["costs"][-1]["cost_price_jpy"] == 9_000_000


def test_the_form_writes_the_document_the_rules_core_reads() -> None:
    data = {
        "basic-title": "  Solar for a mall ",
        "basic-kind": "model_project",
        "basic-country": "ke",
        "rep-name": "サンプル株式会社",
        "rep-country": "JP",
        "rep-entity_type": "private_company",
        "rep-antisocial_forces_pledge": "true",
        "rep-financial_soundness": "false",
        "partners-TOTAL_FORMS": "2",
        "partners-INITIAL_FORMS": "0",
        "partners-0-name": "",  # an empty row is left out
        "partners-1-name": "Mall Ltd.",
        "partners-1-country": "KE",
        "sites-TOTAL_FORMS": "1",
        "sites-INITIAL_FORMS": "0",
        "sites-0-id": "mall",
        "sites-0-lines-TOTAL_FORMS": "1",
        "sites-0-lines-INITIAL_FORMS": "0",
        "sites-0-lines-0-technology": "太陽光発電",
        "sites-0-lines-0-annual_reduction_tco2": "1,200.50",
        "sites-0-lines-0-useful_life_years": "１７",  # full-width digits
        "sites-0-lines-0-methodologies": "ke_am002、 KE_AM003",
        "sites-0-lines-0-solar_module_efficiency": "0.2250",
        "sites-0-lines-0-costs-TOTAL_FORMS": "2",
        "sites-0-lines-0-costs-INITIAL_FORMS": "0",
        "sites-0-lines-0-costs-0-fiscal_year": "2024",
        "sites-0-lines-0-costs-0-item": "equipment",
        "sites-0-lines-0-costs-0-amount_jpy": "45,000,000円",
        "sites-0-lines-0-costs-1-fiscal_year": "",
        "funding-TOTAL_FORMS": "0",
        "funding-INITIAL_FORMS": "0",
        "fin-payback_years_with_subsidy": "5.50",
        "targets-decokatsu_supporters": "on",
        "ms-naiji_on": "2024-07-16",
    }
    form = _editor(data)
    assert form.is_valid(), form.error_list()
    base = {"call": BOOK, "sample": True, "title": "old", "x-note": "kept", "declarations": {}}
    assert form.to_document(base) == {
        "call": BOOK,
        "sample": True,
        "title": "Solar for a mall",
        "kind": "model_project",
        "country": "KE",
        "consortium": {
            "representative": {
                "name": "サンプル株式会社",
                "country": "JP",
                "entity_type": "private_company",
                "antisocial_forces_pledge": True,
                "capability": {"financial_soundness": False},
            },
            "partners": [{"name": "Mall Ltd.", "country": "KE"}],
        },
        "sites": [
            {
                "id": "mall",
                "technologies": [
                    {
                        "technology": "太陽光発電",
                        "annual_reduction_tco2": "1200.5",
                        "useful_life_years": 17,
                        "methodologies": ["KE_AM002", "KE_AM003"],
                        "solar": {"module_efficiency": "0.225"},
                        "costs": [
                            {"fiscal_year": 2024, "item": "equipment", "amount_jpy": 45_000_000}
                        ],
                    }
                ],
            }
        ],
        "financing": {"payback_years_with_subsidy": "5.5"},
        "targets": {"decokatsu_supporters": True},
        "milestones": {"naiji_on": "2024-07-16"},
        "x-note": "kept",  # a key the form does not own stays as it was
    }


def test_parts_the_form_cannot_show_are_named_not_silently_lost() -> None:
    document = _example(ROOT / "examples" / "jcm-multi-site-pass.yaml")
    document["sites"][0]["operator"] = "someone"
    document["consortium"]["partners"] = "Sample Colombo Retail"
    document["targets"]["carbon_neutral_target"] = "yes"
    document["anything"] = 1  # unknown top-level keys are kept as they are, not dropped
    _data, dropped = editor.document_to_data(document)
    assert dropped == [
        "consortium.partners",
        "sites[0].operator",
        "targets.carbon_neutral_target",
    ]


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("sites-0-lines-0-costs-0-amount_jpy", "12.5", "Enter whole yen in digits"),
        ("sites-0-lines-0-costs-0-amount_jpy", "-3", "0 yen or more"),
        ("basic-country", "Kenya", "did you mean KE (Kenya)?"),
        ("sites-0-lines-0-technology", "boilr", "not a technology of annex 3"),
        ("sites-0-lines-0-technology", "Boiler", "did you mean ボイラ (boiler) / "),
        ("sites-1-lines-0-solar_module_efficiency", "22.5", "22.5% is written 0.225"),
        ("sites-0-lines-0-methodologies", "VN-AM006", "write ids like VN_AM006"),
        ("sites-0-lines-0-useful_life_years", "ten", "Enter a whole number, e.g. 17"),
        ("sites-0-lines-0-costs-0-fiscal_year", "2031", "FY2031 is not a fiscal year of this"),
        ("sites-0-lines-0-costs-0-item", "lunch", "“lunch” is not a cost item of form 4"),
        ("ms-naiji_on", "16/07/2024", "e.g. 2024-05-13"),
        ("sites-1-id", "kericho-factory", "is already used by site 1"),
    ],
)
def test_a_value_of_the_wrong_form_says_what_would_be_right(field, typed, message) -> None:
    with translation.override("en"):
        data, _ = editor.document_to_data(_example(ROOT / "examples" / "jcm-multi-site-pass.yaml"))
        data[field] = typed
        form = _editor(data)
        assert not form.is_valid()
        errors = form.error_list()
        assert len(errors) == 1
        _where, anchor, text = errors[0]
        assert message in str(text)  # lazy texts speak the language active when read
        assert anchor == f"id_{field}"


def test_add_and_remove_rows_keep_what_was_typed() -> None:
    data, _ = editor.document_to_data(_example(ROOT / "examples" / "jcm-multi-site-pass.yaml"))
    data["sites-1-name"] = "typed, not saved"
    added, focus = editor.apply_action(data, "add:sites")
    assert focus == "sites-2"
    assert added["sites-TOTAL_FORMS"] == "3"
    assert added["sites-2-lines-TOTAL_FORMS"] == "1"  # a new site comes with a line and a row
    assert added["sites-2-lines-0-costs-TOTAL_FORMS"] == "1"
    row, _ = editor.apply_action(data, "add:sites-0-lines-1-costs")
    assert row["sites-0-lines-1-costs-3-fiscal_year"] == "2025"  # continues the row above
    removed, _ = editor.apply_action(data, "remove:sites-0")
    assert removed["sites-TOTAL_FORMS"] == "1"
    assert removed["sites-0-id"] == "nandi-factory"
    assert removed["sites-0-name"] == "typed, not saved"
    assert removed["sites-0-lines-0-technology"] == "solar_pv"
    assert not any(k.startswith("sites-1-") for k in removed)
    cost, _ = editor.apply_action(data, "remove:sites-0-lines-0-costs-1")
    assert cost["sites-0-lines-0-costs-TOTAL_FORMS"] == "4"
    assert cost["sites-0-lines-0-costs-1-item"] == "survey_and_testing"
    shown, focus = editor.apply_action(data, "open:sites-0-lines-0-battery")
    assert shown["sites-0-lines-0-open_battery"] == "1"
    assert focus == "sites-0-lines-0-battery_capacity_mwh"
    for bad in ("add:documents", "remove:sites", "drop:sites-0", "remove:sites-0-x-1"):
        with pytest.raises(ValueError):
            editor.apply_action(data, bad)


# --- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def proposal(applicant, first_round, sample_document) -> Proposal:
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="draft", country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=sample_document)
    proposal.refresh_from_db()
    return proposal


def _client(user, lang: str = "en") -> Client:
    client = Client(headers={"accept-language": lang})
    client.force_login(user)
    return client


def _form_data(proposal: Proposal) -> dict[str, str]:
    data, dropped = editor.document_to_data(proposal.document)
    assert dropped == []
    return {**data, "editor": "jcm"}


def _updates(proposal: Proposal) -> int:
    return AuditEvent.objects.filter(
        action="proposal_update_document", object_id=str(proposal.pk)
    ).count()


def _value(page: str, name: str) -> str | None:
    match = re.search(rf'name="{re.escape(name)}"(?: value="([^"]*)")?', page)
    return None if match is None else (match.group(1) or "")


def test_the_editor_shows_the_proposal_in_form_4s_structure(applicant, proposal) -> None:
    page = _client(applicant).get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert _value(page, "sites-1-id") == "nandi-factory"
    assert _value(page, "sites-0-lines-1-technology") == "ヒートポンプ"
    assert _value(page, "sites-0-lines-0-costs-0-amount_jpy") == "90,000,000"
    assert '<option value="removal_of_existing" selected>' in page  # an ineligible item
    assert _value(page, "sites-1-lines-0-solar_module_efficiency") == "0.225"
    assert 'name="sites-0-lines-0-useful_life_reason"' in page and 'list="useful-lives"' in page
    assert '<option value="別表第二 31 電気業用設備 その他の設備 主として金属製のもの' in page
    # the assessment beside it: maximum subsidy, rate caps, cost-effectiveness against its limit
    assert "119,050,000" in page
    assert "3,750.00<br><small>(4,000)" in page and "2,483.66<br><small>(2,500)" in page
    assert "Administrative costs 9,500,000 JPY are within the cap" in page
    assert "E1a" in page  # computed score items
    # the YAML editor stays one click away
    assert reverse("proposals:edit_yaml", args=[proposal.pk]) in page


def test_the_editor_is_japanese_by_default(applicant, proposal) -> None:
    client = Client()
    client.force_login(applicant)
    page = client.get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert '<html lang="ja">' in page
    assert "補助金上限額" in page  # Maximum subsidy, from the catalogue
    assert "実施国(ISOコード)" in page  # Host country (ISO code)
    assert "本工事費" in page  # cost items as the call names them


def test_saving_a_change_goes_through_the_service(applicant, proposal) -> None:
    before = copy.deepcopy(proposal.document)
    data = _form_data(proposal)
    data["sites-0-lines-0-requested_subsidy_jpy"] = "50,000,000"
    data["basic-title"] = "Kericho boilers, revised"
    response = _client(applicant).post(reverse("proposals:edit", args=[proposal.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:edit", args=[proposal.pk])
    proposal.refresh_from_db()
    assert proposal.title == "Kericho boilers, revised"
    assert proposal.document["sites"][0]["technologies"][0]["requested_subsidy_jpy"] == 50_000_000
    # everything else is the document as it was
    expected = copy.deepcopy(before)
    expected["title"] = "Kericho boilers, revised"
    expected["sites"][0]["technologies"][0]["requested_subsidy_jpy"] = 50_000_000
    assert _same(proposal.document, expected)
    assert proposal.document["target_deadline"] == before["target_deadline"]
    assert _updates(proposal) == 2  # the fixture's save and this one


def test_a_wrong_value_is_shown_where_it_was_typed_and_nothing_is_saved(
    applicant, proposal
) -> None:
    before = copy.deepcopy(proposal.document)
    data = _form_data(proposal)
    data["sites-0-lines-0-costs-1-amount_jpy"] = "22,000,000.5"
    data["sites-1-location"] = "typed and kept"
    response = _client(applicant).post(reverse("proposals:edit", args=[proposal.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not saved: correct the fields marked below" in page
    field = 'name="sites-0-lines-0-costs-1-amount_jpy" value="22,000,000.5"'
    assert field in page
    assert 'aria-invalid="true"' in page[page.index(field) :][:300]
    error = page.index('id="id_sites-0-lines-0-costs-1-amount_jpy-err"')
    assert "Enter whole yen in digits, e.g. 45000000 or 45,000,000." in page[error:][:200]
    assert '<a href="#id_sites-0-lines-0-costs-1-amount_jpy">' in page  # the summary links it
    assert _value(page, "sites-1-location") == "typed and kept"
    proposal.refresh_from_db()
    assert proposal.document == before
    assert _updates(proposal) == 1


def test_sites_lines_and_cost_rows_are_added_and_removed(applicant, proposal) -> None:
    client = _client(applicant)
    url = reverse("proposals:edit", args=[proposal.pk])
    data = _form_data(proposal)
    page = client.post(url, {**data, "editor_action": "add:sites-0-lines-0-costs"}).content.decode()
    assert _value(page, "sites-0-lines-0-costs-TOTAL_FORMS") == "6"
    assert re.search(r'name="sites-0-lines-0-costs-5-amount_jpy"[^>]*aria-label="Amount', page)
    assert re.search(r'name="sites-0-lines-0-costs-5-fiscal_year"[^>]*autofocus', page)
    assert _updates(proposal) == 1  # a structural change is not a save

    data = {**data, "sites-TOTAL_FORMS": "3"}  # a site added, then filled in and saved
    data.update(
        {
            "sites-2-id": "eldoret-factory",
            "sites-2-lines-TOTAL_FORMS": "1",
            "sites-2-lines-0-technology": "heat_pump",
            "sites-2-lines-0-annual_reduction_tco2": "150",
            "sites-2-lines-0-useful_life_years": "10",
            "sites-2-lines-0-costs-TOTAL_FORMS": "1",
            "sites-2-lines-0-costs-0-fiscal_year": "2025",
            "sites-2-lines-0-costs-0-item": "equipment",
            "sites-2-lines-0-costs-0-amount_jpy": "10000000",
        }
    )
    page = client.post(url, {**data, "editor_action": "remove:sites-0"}).content.decode()
    assert _value(page, "sites-0-id") == "nandi-factory"
    assert _value(page, "sites-1-id") == "eldoret-factory"
    assert _value(page, "sites-2-id") is None
    removed, _ = editor.apply_action(editor.form_data(data), "remove:sites-0")
    removed, _ = editor.apply_action(removed, "remove:sites-0-lines-0-costs-2")
    assert client.post(url, removed).status_code == 302
    proposal.refresh_from_db()
    assert [s["id"] for s in proposal.document["sites"]] == ["nandi-factory", "eldoret-factory"]
    assert [c["item"] for c in proposal.document["sites"][0]["technologies"][0]["costs"]] == [
        "equipment",
        "main_works",
    ]
    assert proposal.document["sites"][1]["technologies"][0]["costs"][0]["amount_jpy"] == 10_000_000
    assert client.post(url, {**data, "editor_action": "remove:everything"}).status_code == 400


def test_the_live_assessment_follows_the_form_without_saving(applicant, proposal) -> None:
    client = _client(applicant)
    url = reverse("proposals:assessment", args=[proposal.pk])
    data = _form_data(proposal)
    panel = client.post(url, data).content.decode()
    assert "119,050,000" in panel and "3,750.00<br><small>(4,000)" in panel
    assert "50%" in panel and "30%" in panel  # rate caps per line

    data["sites-0-lines-0-requested_subsidy_jpy"] = "70,000,000"  # above its maximum
    panel = client.post(url, data).content.decode()
    assert "5,833.33<br><small>(4,000)" in panel  # cost-effectiveness over its limit
    assert 'class="status-fail"' in panel

    data["sites-0-lines-0-costs-3-amount_jpy"] = "30,000,000"  # 事務費 above its cap
    panel = client.post(url, data).content.decode()
    assert "Administrative costs 34,500,000 JPY exceed the cap of 14,145,000 JPY" in panel

    data["sites-0-lines-0-costs-0-amount_jpy"] = "ninety million"
    panel = client.post(url, data).content.decode()
    assert "Some values have the wrong form" in panel
    assert "Site 1, line 1, cost row 1: Amount (yen)" in panel

    data["sites-0-lines-0-costs-0-amount_jpy"] = ""  # incomplete: placed beside its field
    panel = client.post(url, data).content.decode()
    assert "The document is not complete yet" in panel
    assert '<a href="#id_sites-0-lines-0-costs-0-amount_jpy">' in panel
    assert "Required before the proposal can be submitted." in panel
    proposal.refresh_from_db()
    assert proposal.document["sites"][0]["technologies"][0]["requested_subsidy_jpy"] == 45_000_000


def test_missing_documents_follow_the_uploads(applicant, proposal) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(applicant)
    url = reverse("proposals:edit", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert "Every required document is uploaded." not in page
    services.attachment_add(
        actor=applicant,
        proposal=proposal,
        document_id="form1",
        upload=SimpleUploadedFile("1_公募提案書.pdf", b"%PDF-1.7 x"),
    )
    page = client.get(url).content.decode()
    assert "1_公募提案書.pdf" in page  # form 6's checklist shows it against its item
    assert 'class="done"' in page and 'class="missing"' in page


def test_a_new_draft_shows_what_is_still_needed_beside_the_fields(applicant, first_round) -> None:
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="new", country="KE"
    )
    page = _client(applicant).get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert "The document is not complete yet" in page
    assert '<p class="issue">Add at least one before the proposal can be submitted.</p>' in page
    assert _value(page, "basic-title") == "new"
    assert _value(page, "basic-country") == "KE"
    assert _value(page, "rep-country") == "JP"  # the representative is a Japanese corporation
    # form 4's structure is there to fill in: one site with one line and one cost row
    assert _value(page, "sites-0-lines-0-costs-0-amount_jpy") == ""
    assert _value(page, "sites-1-id") is None
    # what the rules core still needs is marked where it is typed
    name = page.index('name="rep-name"')
    assert "Required before the proposal can be submitted." in page[name : name + 200]


def test_a_twenty_site_proposal_is_saved_whole(applicant, proposal) -> None:
    """A large form 4 posts thousands of fields; none is refused or lost."""
    document = copy.deepcopy(proposal.document)
    site = document["sites"][0]
    document["sites"] = [{**site, "id": f"site-{i:02d}"} for i in range(20)]
    data = editor.document_to_data(document)[0]
    for form in _editor(data).forms():  # a browser posts every field, empty ones too
        for name in form.fields:
            data.setdefault(form.add_prefix(name), "")
    assert len(data) > 1000  # Django's default DATA_UPLOAD_MAX_NUMBER_FIELDS
    data["sites-19-lines-1-costs-2-amount_jpy"] = "1,500,000"
    response = _client(applicant).post(reverse("proposals:edit", args=[proposal.pk]), data)
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert [s["id"] for s in proposal.document["sites"]][-1] == "site-19"
    assert proposal.document["sites"][19]["technologies"][1]["costs"][2]["amount_jpy"] == 1_500_000


def test_the_yaml_editor_stays_for_power_users(applicant, proposal) -> None:
    client = _client(applicant)
    url = reverse("proposals:edit_yaml", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert '<textarea id="doc" class="doc" name="document"' in page
    assert "nandi-factory" in page
    document = copy.deepcopy(proposal.document)
    document["title"] = "edited as YAML"
    response = client.post(url, {"document": yaml.safe_dump(document, allow_unicode=True)})
    assert response.status_code == 302 and response["Location"] == url
    proposal.refresh_from_db()
    assert proposal.document["title"] == "edited as YAML"
    # the YAML live assessment still answers
    panel = client.post(
        reverse("proposals:assessment", args=[proposal.pk]),
        {"document": yaml.safe_dump(document)},
    ).content.decode()
    assert "119,050,000" in panel


def test_a_c3p_proposal_has_its_own_form_and_the_yaml_tab(applicant, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"
    call = Call.objects.create(
        rulebook_id="c3p/fy2025",
        program=Program.C3P,
        title_ja="C3P",
        title_en="C3P",
        opens_at="2025-02-10T00:00:00+09:00",
        closes_at="2026-03-31T12:00:00+09:00",
    )
    round_ = Round.objects.create(
        call=call, code="first", name_ja="第1回", name_en="First", deadline="2025-03-03T12:00+09:00"
    )
    proposal = services.proposal_create(actor=applicant, round=round_, title="c3p", country="VN")
    page = _client(applicant).get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert 'name="editor" value="c3p"' in page  # tests/web/test_c3p_editor.py
    assert 'name="editor" value="jcm"' not in page and 'name="sites-TOTAL_FORMS"' not in page
    page = _client(applicant).get(reverse("proposals:edit_yaml", args=[proposal.pk]))
    assert '<textarea id="doc" class="doc" name="document"' in page.content.decode()


def test_only_the_proposals_editors_reach_either_editor(users, proposal) -> None:
    for name in ("edit", "edit_yaml"):
        url = reverse(f"proposals:{name}", args=[proposal.pk])
        assert _client(users["other_applicant"]).get(url).status_code == 404
        assert _client(users["office"]).get(url).status_code == 404
        assert _client(users["applicant"]).get(url).status_code == 200
    stranger = UserFactory(role=Role.APPLICANT)
    data = _form_data(proposal)
    url = reverse("proposals:edit", args=[proposal.pk])
    assert _client(stranger).post(url, data).status_code == 404
    assert _updates(proposal) == 1


def test_decimal_figures_are_never_floats(applicant, proposal) -> None:
    data = _form_data(proposal)
    data["sites-1-lines-0-annual_reduction_tco2"] = "900.125"
    _client(applicant).post(reverse("proposals:edit", args=[proposal.pk]), data)
    proposal.refresh_from_db()
    value = proposal.document["sites"][1]["technologies"][0]["annual_reduction_tco2"]
    assert value == "900.125" and Decimal(value) == Decimal("900.125")
    assert proposal.document["financing"]["payback_years_with_subsidy"] == "5.5"


def test_a_stored_value_the_form_cannot_take_is_shown_with_its_correction(
    applicant, proposal
) -> None:
    document = copy.deepcopy(proposal.document)
    document["country"] = "Kenya"  # typed in the YAML editor
    document["sites"][0]["operator"] = "someone"  # a key the schema does not have
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    page = _client(applicant).get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert _value(page, "basic-country") == "Kenya"
    assert "did you mean KE (Kenya)?" in page
    assert "These values have the wrong form:" in page and "nothing was saved" not in page
    assert "<code>sites[0].operator</code>" in page  # named before a save would drop it


def test_enter_in_a_field_saves_rather_than_removing_a_row(applicant, proposal) -> None:
    page = _client(applicant).get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    form = page[page.index('<form id="proposal-form"') :]
    first_button = re.search(r"<button [^>]*>", form).group(0)
    assert 'type="submit"' in first_button and "editor_action" not in first_button
