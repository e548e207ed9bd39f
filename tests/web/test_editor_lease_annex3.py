"""The form editor's fields for issue 12, points 20 and 21: a technology outside annex 3 (2.(9))
and a lease that ends before the useful life (2.(6)①: continued, or the equipment transferred
to a partner participant). Before them the editor named these values as parts it "will remove"
on saving, and refused any technology name annex 3 does not list.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import translation
from webfactories import ROOT

from renkei.proposals import editor, services
from renkei.proposals.models import Proposal
from renkei.rules import load_rulebook, validate_proposal

BOOK = "jcm-model-project/fy2024"
PARTNER = "Sample Highlands Tea Ltd."


def _base() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "examples" / "jcm-multi-site-pass.yaml").read_text("utf-8"))


def _new_technology(doc: dict[str, Any]) -> dict[str, Any]:
    line = doc["sites"][0]["technologies"][1]  # ヒートポンプ at kericho-factory
    line["technology"] = "地熱発電"  # annex 3 lists only 地熱発電(バイナリー) and (フラッシュ)
    line["outside_annex3"] = True
    return doc


def _transfer() -> dict[str, Any]:
    """A lease ending before the 17-year life of the solar line, the equipment transferred."""
    doc = _new_technology(_base())
    doc["lease"] = {
        "lease_years": 10,
        "fee_reduction_documented": True,
        "ends_on": dt.date(2036, 1, 31),  # as YAML reads it
        "after_lease": "transfer",
        "transfer_to": PARTNER,
    }
    return doc


def _continued() -> dict[str, Any]:
    doc = _base()
    doc["lease"] = {"lease_years": 12, "ends_on": "2038-01-31", "after_lease": "continue"}
    return doc


def _eco_lease() -> dict[str, Any]:
    doc = yaml.safe_load((ROOT / "examples" / "jcm-eco-lease.yaml").read_text("utf-8"))
    doc["lease"]["ends_on"] = "2031-03-31"
    return doc


def _declared_false() -> dict[str, Any]:
    doc = _base()
    doc["sites"][0]["technologies"][0]["outside_annex3"] = False  # stated, and so the default
    doc["lease"] = {"lease_years": 20}
    return doc


DOCUMENTS = {
    "outside-annex3-and-transfer": _transfer,
    "lease-continued": _continued,
    "eco-lease-with-end-date": _eco_lease,
    "outside-annex3-false": _declared_false,
}


def _editor(data: dict[str, str], lang: str = "en") -> editor.ProposalEditor:
    return editor.ProposalEditor(data, book=load_rulebook(BOOK), lang=lang)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return validate_proposal(a).model_dump() == validate_proposal(b).model_dump()


# --- document ⇄ forms ------------------------------------------------------------------------


@pytest.mark.parametrize("make", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_the_new_fields_round_trip_through_the_forms(make) -> None:
    document = make()
    data, dropped = editor.document_to_data(document)
    assert dropped == []  # nothing the page would warn about removing
    form = _editor(data)
    assert form.is_valid(), form.error_list()
    back = form.to_document(document)
    assert _same(back, document)
    assert set(back) == set(document)
    assert editor.document_to_data(back) == (data, [])  # a fixed point


def test_the_fields_carry_the_values_both_ways() -> None:
    document = _transfer()
    data, _ = editor.document_to_data(document)
    assert data["sites-0-lines-1-technology"] == "地熱発電"
    assert data["sites-0-lines-1-outside_annex3"] == "on"
    assert "sites-0-lines-0-outside_annex3" not in data  # an annex-3 line stays unticked
    assert data["lease-ends_on"] == "2036-01-31"
    assert data["lease-after_lease"] == "transfer"
    assert data["lease-transfer_to"] == PARTNER
    form = _editor(data)
    assert form.is_valid()
    back = form.to_document(document)
    assert back["sites"][0]["technologies"][1]["outside_annex3"] is True
    assert "outside_annex3" not in back["sites"][0]["technologies"][0]
    assert back["lease"] == {
        "lease_years": 10,
        "ends_on": "2036-01-31",
        "fee_reduction_documented": True,
        "after_lease": "transfer",
        "transfer_to": PARTNER,
    }


# --- what the rules core refuses is refused at the field, in the page's language --------------


def _errors(data: dict[str, str], lang: str) -> list[tuple[str, str, str]]:
    with translation.override(lang):
        form = _editor(data, lang)
        assert not form.is_valid()
        return [(w, anchor, str(m)) for w, anchor, m in form.error_list()]


@pytest.mark.parametrize(
    ("change", "anchor", "english", "japanese"),
    [
        (  # an unknown name on an unticked line: the rules core's close names and the way out
            {"sites-0-lines-1-outside_annex3": ""},
            "id_sites-0-lines-1-technology",
            "did you mean 地熱発電(バイナリー) (geothermal_binary) / 地熱発電(フラッシュ) "
            "(geothermal_flash)? For a technology annex 3 does not list, tick “Not in annex 3",
            "「地熱発電」は別添3の技術ではありません。地熱発電(バイナリー) (geothermal_binary) / ",
        ),
        (  # an annex-3 technology marked outside it
            {"sites-0-lines-0-outside_annex3": "on"},
            "id_sites-0-lines-0-outside_annex3",
            "“ボイラ” is annex 3's ボイラ (boiler): untick “Not in annex 3 (a new technology)”.",
            "「ボイラ」は別添3の ボイラ (boiler) です。",
        ),
        (
            {"lease-after_lease": "sell"},
            "id_lease-after_lease",
            "“sell” is not one of the choices",
            "「sell」は選択肢にありません",
        ),
        (  # the schema's rule: a receiving partner only for a transfer
            {"lease-after_lease": "continue"},
            "id_lease-transfer_to",
            "A partner receives the equipment only when it is transferred",
            "共同事業者への譲渡",
        ),
        (
            {"lease-ends_on": "31/01/2036"},
            "id_lease-ends_on",
            "Enter a date as year-month-day",
            "2024-05-13",
        ),
        (
            {"sites-0-lines-1-technology": "x" * 61},
            "id_sites-0-lines-1-technology",
            "at most 60 characters",
            "60",
        ),
    ],
)
def test_a_wrong_value_is_refused_at_its_field_in_both_languages(
    change, anchor, english, japanese
) -> None:
    data, _ = editor.document_to_data(_transfer())
    data.update(change)
    for lang, expected in (("en", english), ("ja", japanese)):
        errors = _errors(data, lang)
        assert len(errors) == 1, errors
        _where, at, message = errors[0]
        assert at == anchor
        assert expected in message, message


def test_the_close_names_are_the_rules_cores() -> None:
    """The form names the listed technologies the CLI names for an unknown technology."""
    from renkei.rules.jcm import reconstructed_table

    data, _ = editor.document_to_data(_base())
    data["sites-0-lines-0-technology"] = "Boiler"
    (_w, _a, message), *_rest = _errors(data, "en")
    similar = reconstructed_table(BOOK).lookup("Boiler").similar
    assert similar and " / ".join(similar[:3]) in message


@pytest.mark.parametrize(
    ("named", "english", "japanese"),
    [
        ("Some Bank", "“Some Bank” is not a partner participant of this proposal", "Some Bank"),
        ("", "Name the partner participant that receives the equipment", "譲渡先"),
    ],
)
def test_a_transfer_outside_the_consortium_is_remarked_at_the_field_not_refused(
    named, english, japanese
) -> None:
    data, _ = editor.document_to_data(_transfer())
    data["lease-transfer_to"] = named
    for lang, expected in (("en", english), ("ja", japanese)):
        with translation.override(lang):
            form = _editor(data, lang)
            assert form.is_valid()  # a draft may say it; the assessment fails it (2.(6)①)
            assert expected in form.lease.issues["transfer_to"]
            assert expected in str(form.lease["transfer_to"].block)
    data["lease-transfer_to"] = PARTNER
    form = _editor(data)
    assert form.is_valid() and form.lease.issues == {}


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def proposal(applicant, first_round) -> Proposal:
    document = _transfer()
    document.pop("documents")
    document.pop("reviewer_scores")
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="draft", country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    proposal.refresh_from_db()
    return proposal


def _client(user, lang: str) -> Client:
    client = Client(headers={"accept-language": lang})
    client.force_login(user)
    return client


def _value(page: str, name: str) -> str | None:
    match = re.search(rf'name="{re.escape(name)}"(?: value="([^"]*)")?', page)
    return None if match is None else (match.group(1) or "")


def _data(proposal: Proposal) -> dict[str, str]:
    data, dropped = editor.document_to_data(proposal.document)
    assert dropped == []
    return {**data, "editor": "jcm"}


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            (
                "Not in annex 3 (a new technology)",
                "Lease contract ends on",
                "The equipment is transferred to a partner participant",
                "Partner participant receiving the equipment",
                "not in annex 3: assessed at 0 similar-technology adoptions (2.(9))",
            ),
        ),
        (
            "ja",
            (
                "別添3にない技術(新しい技術)",
                "リース契約の終了日",
                "取得財産を共同事業者へ譲渡する",
                "設備の譲渡先の共同事業者",
                "別添3にない技術:類似技術の採択実績0件として評価(2.(9))",
            ),
        ),
    ],
)
def test_the_editor_shows_the_fields_in_both_languages(applicant, proposal, lang, words) -> None:
    page = _client(applicant, lang).get(reverse("proposals:edit", args=[proposal.pk]))
    text = page.content.decode()
    assert f'<html lang="{lang}">' in text
    for word in words:
        assert word in text, word
    # no "will be removed when you save it here" warning for these values
    assert 'class="card warn"' not in text
    assert _value(text, "sites-0-lines-1-technology") == "地熱発電"
    assert re.search(r'name="sites-0-lines-1-outside_annex3" checked', text)
    assert not re.search(r'name="sites-0-lines-0-outside_annex3" checked', text)
    assert _value(text, "lease-ends_on") == "2036-01-31"
    assert '<option value="transfer" selected>' in text
    assert _value(text, "lease-transfer_to") == PARTNER
    assert f'<datalist id="lease-partners"><option value="{PARTNER}">' in text
    assert '<details id="sec-lease" open>' in text


def test_the_warning_named_these_values_before(applicant, proposal) -> None:
    """What the page used to say (the fields the form had no place for); a stored key the form
    still cannot show is named as before."""
    document = copy.deepcopy(proposal.document)
    document["lease"]["guarantor"] = "someone"
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    page = _client(applicant, "en").get(reverse("proposals:edit", args=[proposal.pk]))
    text = page.content.decode()
    assert "will be removed when you save it here" in text
    warning = text[text.index('class="card warn"') :][:600]
    assert "<code>lease.guarantor</code>" in warning
    for kept in ("ends_on", "after_lease", "transfer_to", "outside_annex3"):
        assert kept not in warning


def test_saving_through_the_page_keeps_the_new_fields(applicant, proposal) -> None:
    data = _data(proposal)
    data["lease-after_lease"] = "continue"
    data["lease-transfer_to"] = ""
    data["lease-ends_on"] = "2037-01-31"
    data["sites-0-lines-1-technology"] = "アンモニア混焼バーナー"
    response = _client(applicant, "ja").post(reverse("proposals:edit", args=[proposal.pk]), data)
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.document["lease"] == {
        "lease_years": 10,
        "ends_on": "2037-01-31",
        "fee_reduction_documented": True,
        "after_lease": "continue",
    }
    line = proposal.document["sites"][0]["technologies"][1]
    assert line["technology"] == "アンモニア混焼バーナー" and line["outside_annex3"] is True


def test_a_wrong_value_is_kept_and_marked_and_nothing_is_saved(applicant, proposal) -> None:
    before = copy.deepcopy(proposal.document)
    data = _data(proposal)
    data["lease-after_lease"] = "continue"  # the receiving partner is left typed
    data["sites-0-lines-1-outside_annex3"] = ""  # the new technology now unticked
    data["lease-ends_on"] = "2036-01-31"
    response = _client(applicant, "ja").post(reverse("proposals:edit", args=[proposal.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert _value(page, "lease-transfer_to") == PARTNER  # nothing typed is lost
    assert _value(page, "sites-0-lines-1-technology") == "地熱発電"
    assert '<option value="continue" selected>' in page
    err = page.index('id="id_lease-transfer_to-err"')
    assert "共同事業者への譲渡" in page[err:][:300]
    err = page.index('id="id_sites-0-lines-1-technology-err"')
    assert "「地熱発電」は別添3の技術ではありません" in page[err:][:400]
    assert '<a href="#id_lease-transfer_to">' in page and '<details id="sec-lease" open>' in page
    proposal.refresh_from_db()
    assert proposal.document == before


@pytest.mark.parametrize(
    ("lang", "cap", "short", "not_partner"),
    [
        (
            "en",
            "地熱発電 in KE: a technology annex 3 does not list, assessed at 0 similar-technology "
            "adoptions, so the subsidy-rate cap is 50%",
            "the equipment is to be transferred to the partner participant "
            "&#x27;Sample Highlands Tea Ltd.&#x27;",
            "&#x27;Some Bank&#x27;, who is to receive the equipment, is not a partner participant",
        ),
        (
            "ja",
            "地熱発電(KE):別添3にない技術のため、類似技術の採択実績0件として補助率の上限を50%",
            "取得財産を共同事業者「Sample Highlands Tea Ltd.」へ譲渡して稼動を継続する",
            "譲渡先「Some Bank」は国際コンソーシアムの共同事業者ではありません",
        ),
    ],
)
def test_the_live_assessment_shows_the_new_findings(
    applicant, proposal, lang, cap, short, not_partner
) -> None:
    client = _client(applicant, lang)
    url = reverse("proposals:assessment", args=[proposal.pk])
    data = _data(proposal)
    panel = client.post(url, data).content.decode()
    assert cap in panel  # 2.(9): outside annex 3, 0 adoptions
    assert short in panel  # 2.(6)①: the lease ends 2036-01-31, the solar line's life 2043
    assert "2036-01-31" in panel and "2043-01-31" in panel
    data["lease-transfer_to"] = "Some Bank"
    panel = client.post(url, data).content.decode()
    failures = panel[panel.index('class="failures"') :]
    assert not_partner in failures[: failures.index("</section>")]
    data["lease-lease_years"] = "20"  # a lease covering the life: nothing to say about after
    data["lease-ends_on"] = ""
    data["lease-transfer_to"] = PARTNER
    panel = client.post(url, data).content.decode()
    assert not_partner not in panel and short not in panel


def test_a_lease_without_its_years_is_marked_where_they_are_typed() -> None:
    """The rules core needs lease_years for any lease: an end date alone is placed at the field
    that is missing, in the page's language, and the draft is not refused."""
    data, _ = editor.document_to_data(_transfer())
    data["lease-lease_years"] = ""
    with translation.override("ja"):
        form = _editor(data, "ja")
        assert form.is_valid()
        issues = form.attach_issues(form.to_document(_transfer()))
    assert ("リース期間(年)", "id_lease-lease_years", "提案書の提出には入力が必要です。") in issues
    assert form.lease.issues["lease_years"] == "提案書の提出には入力が必要です。"
    assert form.lease_open()
