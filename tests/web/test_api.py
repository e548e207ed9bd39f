"""The REST API: every endpoint's happy path and refusals, and every role × every operation.

Like the pages, the API answers 404 for a proposal the caller may not see (never revealing that
it exists), 403 for a visible proposal the caller may not act on, 401 without a session, and 422
when the rules or the workflow refuse, always with the body ``{"detail", "errors"}``.
"""

from __future__ import annotations

import decimal
import hashlib
import json
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from webfactories import jst, link_partner

from renkei.accounts.models import Notice
from renkei.api import api
from renkei.calls.models import Call, Program, Round
from renkei.proposals import services
from renkei.proposals.models import PreRegistration, Proposal, ProposalState, ProposalVersion
from renkei.rules import assess_proposal, load_rulebook, validate_proposal

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"x" * 100
REQUIRED = [  # the documents every JCM proposal attaches (5.(3)), from the rulebook itself
    d.id
    for d in load_rulebook("jcm-model-project/fy2024").required_documents.documents
    if d.required == "always"
]
IN_ROUND = "2024-05-10T09:00:00+09:00"  # the first round (deadline 2024-05-13 12:00) is open


@pytest.fixture(autouse=True)
def _in_round(settings) -> None:
    settings.RENKEI_DEMO_NOW = IN_ROUND
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only


# --- helpers -----------------------------------------------------------------------------------
def _no_float(text: str) -> Any:
    raise AssertionError(f"a float in a response: {text}")


def body(response) -> Any:
    """The JSON body; fails on any float (money is integer yen, decimals are strings)."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return json.loads(response.content, parse_float=_no_float)


def error(response, status: int) -> dict[str, Any]:
    """An error response: the expected status and the one error body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    data = body(response)
    assert set(data) == {"detail", "errors"}
    assert isinstance(data["detail"], str) and data["detail"]
    assert all(isinstance(e, str) for e in data["errors"])
    return data


def client_for(user, **kwargs: Any) -> Client:
    """A client logged in as ``user`` (None: anonymous), reading messages in English."""
    client = Client(headers={"Accept-Language": "en"}, **kwargs)
    if user is not None:
        client.force_login(user)
    return client


def put_json(client: Client, url: str, data: Any):
    return client.put(url, json.dumps(data, cls=DjangoJSONEncoder), content_type="application/json")


def post_json(client: Client, url: str, data: Any, **kwargs: Any):
    return client.post(
        url, json.dumps(data, cls=DjangoJSONEncoder), content_type="application/json", **kwargs
    )


def submit(client: Client, pk: int, key: str | None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/proposals/{pk}/submit", headers=headers)


def upload(client: Client, pk: int, document_id: str, name: str = "a.pdf", content: bytes = PDF):
    return client.post(
        f"/api/proposals/{pk}/attachments",
        {"document_id": document_id, "file": SimpleUploadedFile(name, content)},
    )


def rules_core_assessment(pk: int, lang: str) -> dict[str, Any]:
    """What the rules core says of the saved document, as the JSON the API should send."""
    document = Proposal.objects.get(pk=pk).document
    result = assess_proposal(validate_proposal(document)).to_dict(lang)
    result = json.loads(json.dumps(result, cls=DjangoJSONEncoder))
    for section in result["sections"]:
        for finding in section["findings"]:  # the API always sends these keys, null if unset
            for key in ("subject", "values", "notes"):
                finding.setdefault(key, None)
    return result


def ready_proposal(applicant, round, document, title: str = "") -> Proposal:
    """A complete draft, made through the services (the API's own path is tested below)."""
    document = {**document, "title": title or document["title"]}
    proposal = services.proposal_create(
        actor=applicant, round=round, title=document["title"], country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    for doc_id in REQUIRED:
        services.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id=doc_id,
            upload=SimpleUploadedFile(f"{doc_id}.pdf", PDF),
        )
    return proposal


# --- public endpoints --------------------------------------------------------------------------
def test_health_and_the_openapi_description_are_public() -> None:
    client = client_for(None)
    assert body(client.get("/api/health")) == {"status": "ok"}
    schema = body(client.get("/api/openapi.json"))
    assert schema["info"]["title"] == "Renkei API"
    assert "/api/proposals/{proposal_id}/submit" in schema["paths"]


def test_calls_are_public_with_deadlines_in_jst(first_round, settings) -> None:
    data = body(client_for(None).get("/api/calls"))
    assert len(data) == 1
    call = data[0]
    assert call["rulebook_id"] == "jcm-model-project/fy2024"
    assert call["budget_jpy"] == 12_800_000_000 and isinstance(call["budget_jpy"], int)
    assert call["opens_at"] == "2024-04-05T00:00:00+09:00"
    assert call["closes_at"] == "2024-11-29T12:00:00+09:00"
    assert call["is_open"] is True
    # the rounds come from the rulebook: the two dated deadlines of 2.(11) / 5.(2)
    assert call["rounds"][0] == {
        "id": first_round.pk,
        "code": "first",
        "name_ja": "一次採択審査分",
        "name_en": "first-round review",
        "deadline": "2024-05-13T12:00:00+09:00",
        "budget_jpy": None,
        "accepting_proposals": True,
    }
    assert [(r["code"], r["deadline"]) for r in call["rounds"]] == [
        ("first", "2024-05-13T12:00:00+09:00"),
        ("final", "2024-11-29T12:00:00+09:00"),
    ]
    settings.RENKEI_DEMO_NOW = "2024-05-13T12:00:00+09:00"
    later = body(client_for(None).get("/api/calls"))
    assert [r["accepting_proposals"] for r in later[0]["rounds"]] == [False, True]
    settings.RENKEI_DEMO_NOW = "2024-11-29T12:00:00+09:00"
    assert body(client_for(None).get("/api/calls?open_only=true")) == []


def _preregistration(round_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "round_id": round_id,
        "organisation_name": "サンプル株式会社",
        "contact_name": "山田 太郎",
        "email": "yamada@example.org",
        "title": "ケニア茶工場の高効率ボイラ",
        "country": "ke",
        "technologies": ["boiler", "solar_pv"],
        "needs_account": True,
        **overrides,
    }


def test_preregistration_is_public_until_two_weeks_before_the_deadline(
    first_round, settings
) -> None:
    settings.RENKEI_DEMO_NOW = "2024-04-29T23:59:59+09:00"
    response = post_json(
        client_for(None), "/api/preregistrations", _preregistration(first_round.pk)
    )
    assert response.status_code == 201, response.content
    data = body(response)
    assert data["round_id"] == first_round.pk
    assert data["account_request_url"] == "/accounts/request/"
    reg = PreRegistration.objects.get(pk=data["id"])
    assert (reg.country, reg.technologies) == ("KE", ["boiler", "solar_pv"])

    settings.RENKEI_DEMO_NOW = "2024-04-30T00:00:00+09:00"
    response = post_json(
        client_for(None), "/api/preregistrations", _preregistration(first_round.pk)
    )
    refused = error(response, 422)
    assert "2024-04-29" in refused["detail"]  # the service's message: when it closed
    assert PreRegistration.objects.count() == 1


def test_preregistration_refusals_say_what_was_wrong(first_round, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-04-20T09:00:00+09:00"
    client = client_for(None)
    unknown = error(post_json(client, "/api/preregistrations", _preregistration(999_999)), 422)
    assert "999999" in unknown["detail"]
    bad = _preregistration(first_round.pk, email="not-an-email", country="Kenya", title=" ")
    del bad["contact_name"]
    invalid = error(post_json(client, "/api/preregistrations", bad), 422)
    fields = {line.split(":")[0] for line in invalid["errors"]}
    assert fields == {"body.email", "body.country", "body.title", "body.contact_name"}
    assert any("not a valid email" in line for line in invalid["errors"])
    assert PreRegistration.objects.count() == 0


def test_a_preregistration_outside_the_calls_countries_is_refused_alike_by_the_api_and_page(
    first_round, settings
) -> None:
    """preregistration_create checks the host country as proposal_create does (issue 12,
    point 7): the API accepted a pre-registration for a country outside JCM 2.(3)."""
    from django.urls import reverse

    from renkei.services import ServiceError

    settings.RENKEI_DEMO_NOW = "2024-04-20T09:00:00+09:00"  # pre-registration is still open
    client = client_for(None)
    payload = _preregistration(first_round.pk, country="us")
    refused = error(post_json(client, "/api/preregistrations", payload), 422)
    assert refused["detail"].startswith("US is not a country of this call; choose one of: ")
    assert "KE" in refused["detail"] and "VN" in refused["detail"]
    assert refused["errors"] == [f"country: {refused['detail']}"]
    form = {**payload, "round": first_round.pk, "technologies": "boiler"}
    page = client.post(reverse("proposals:preregister"), form)
    text = page.content.decode().replace("&#x27;", "'")
    assert page.status_code == 200 and refused["detail"] in text
    assert 'value="ケニア茶工場の高効率ボイラ"' in text  # nothing typed is lost
    with pytest.raises(ServiceError) as raised:  # any other caller of the service
        services.preregistration_create(
            actor=None,
            round=first_round,
            organisation_name="x",
            contact_name="x",
            email="x@example.org",
            title="x",
            country="US",
            technologies=[],
            needs_account=False,
        )
    assert str(raised.value) == refused["detail"]
    assert not PreRegistration.objects.exists()
    made = post_json(client, "/api/preregistrations", {**payload, "country": "vn"})
    assert made.status_code == 201, made.content


def test_preregistration_is_refused_for_a_call_without_that_step(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2025-04-20T09:00:00+09:00"
    c3p = Call.objects.create(
        rulebook_id="c3p/fy2025",
        program=Program.C3P,
        title_ja="C3P",
        title_en="C3P",
        opens_at=jst("2025-04-01T00:00"),
        closes_at=jst("2025-12-01T12:00"),
    )
    round = Round.objects.create(
        call=c3p, code="first", name_ja="一次", name_en="First", deadline=jst("2025-06-02T12:00")
    )
    response = post_json(client_for(None), "/api/preregistrations", _preregistration(round.pk))
    assert "c3p/fy2025" in error(response, 422)["detail"]
    assert not PreRegistration.objects.exists()


def test_malformed_bodies_are_400_with_the_error_body(applicant, first_round) -> None:
    client = client_for(None)
    for raw in (b"{not json", b'{"round_id": NaN}', b'{"round_id": Infinity}'):
        response = client.post("/api/preregistrations", raw, content_type="application/json")
        assert "not valid JSON" in error(response, 400)["detail"]
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    broken = client_for(applicant).post(
        f"/api/proposals/{proposal.pk}/attachments", b"garbage", content_type="multipart/form-data"
    )
    assert "multipart" in error(broken, 400)["detail"]


# --- the applicant path, end to end ------------------------------------------------------------
def test_applicant_path_create_edit_assess_attach_submit(
    applicant, first_round, sample_document
) -> None:
    client = client_for(applicant)
    created = post_json(
        client, "/api/proposals", {"round_id": first_round.pk, "title": "T", "country": "ke"}
    )
    assert created.status_code == 201, created.content
    draft = body(created)
    pk = draft["id"]
    assert (draft["state"], draft["country"], draft["receipt_number"]) == ("draft", "KE", None)
    assert draft["allowed"] == {
        "edit": True,
        "attach": True,
        "submit": True,
        "open_revision": False,
        "manage_partners": True,
    }
    assert draft["partners"] == []

    saved = body(put_json(client, f"/api/proposals/{pk}/document", sample_document))
    assert saved == {"valid": True, "errors": []}
    detail = body(client.get(f"/api/proposals/{pk}"))
    assert detail["title"] == sample_document["title"]
    sent = json.dumps(sample_document, cls=DjangoJSONEncoder)
    assert detail["document"] == json.loads(sent, parse_float=str)  # decimals come back as text

    assessed = body(client.get(f"/api/proposals/{pk}/assessment?lang=en"))
    assert (assessed["lang"], assessed["valid"], assessed["errors"]) == ("en", True, [])
    assert assessed["assessment"] == rules_core_assessment(pk, "en")
    assert isinstance(assessed["assessment"]["figures"]["subsidy_jpy"], int)  # integer yen
    in_japanese = body(client.get(f"/api/proposals/{pk}/assessment?lang=ja"))
    assert in_japanese["assessment"] == rules_core_assessment(pk, "ja")
    assert in_japanese["assessment"] != assessed["assessment"]

    for doc_id in REQUIRED:
        response = upload(client, pk, doc_id, name=f"{doc_id}.pdf")
        assert response.status_code == 201, response.content
        att = body(response)
        assert att["sha256"] == hashlib.sha256(PDF).hexdigest()
        assert (att["size"], att["document_id"], att["version"]) == (len(PDF), doc_id, None)

    response = submit(client, pk, "key-1")
    assert response.status_code == 200, response.content
    receipt = body(response)
    assert receipt["receipt_number"] == "JCM-20240510-0001"
    assert receipt["version"] == 1
    assert receipt["submitted_at"] == "2024-05-10T09:00:00+09:00"
    assert receipt["rulebook_id"] == "jcm-model-project/fy2024"

    after = body(client.get(f"/api/proposals/{pk}"))
    assert after["state"] == "submitted"
    assert after["receipt_number"] == "JCM-20240510-0001"
    assert [v["number"] for v in after["versions"]] == [1]
    assert {a["version"] for a in after["attachments"]} == {1}
    assert not any(after["allowed"].values())


def test_proposals_are_created_only_for_open_rounds(applicant, first_round, settings) -> None:
    client = client_for(applicant)
    settings.RENKEI_DEMO_NOW = "2024-05-13T12:00:00+09:00"
    payload = {"round_id": first_round.pk, "title": "T", "country": "KE"}
    refused = error(post_json(client, "/api/proposals", payload), 422)
    assert str(first_round.pk) in refused["detail"]
    invalid = error(post_json(client, "/api/proposals", {"round_id": "x", "country": "Kenya"}), 422)
    assert {line.split(":")[0] for line in invalid["errors"]} == {
        "body.round_id",
        "body.title",
        "body.country",
    }
    assert not Proposal.objects.exists()


def test_a_country_outside_the_call_is_refused_alike_by_the_api_and_the_page(
    applicant, first_round
) -> None:
    """One validation path (proposal_create): the API used to accept a country the page refused
    (issue 12, point 7). Both now answer with the same message naming the codes of JCM 2.(3)."""
    from django.urls import reverse

    from renkei.services import ServiceError

    client = client_for(applicant)
    payload = {"round_id": first_round.pk, "title": "Somewhere else", "country": "us"}
    refused = error(post_json(client, "/api/proposals", payload), 422)
    assert refused["detail"].startswith("US is not a country of this call; choose one of: ")
    assert "KE" in refused["detail"] and "VN" in refused["detail"]
    assert refused["errors"] == [f"country: {refused['detail']}"]
    page = client.post(
        reverse("proposals:create"),
        {"round": first_round.pk, "title": "Somewhere else", "country": "us"},
    )
    text = page.content.decode()
    assert page.status_code == 200 and 'value="Somewhere else"' in text  # nothing typed lost
    assert refused["detail"] in text.replace("&#x27;", "'")
    with pytest.raises(ServiceError) as raised:  # any other caller of the service
        services.proposal_create(actor=applicant, round=first_round, title="x", country="US")
    assert str(raised.value) == refused["detail"]
    assert not Proposal.objects.exists()
    made = body(post_json(client, "/api/proposals", {**payload, "country": "ke"}))
    assert made["country"] == "KE"


def test_a_draft_is_saved_as_given_with_its_errors(applicant, first_round) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    client = client_for(applicant)
    response = put_json(
        client, f"/api/proposals/{proposal.pk}/document", {"title": "T", "country": "Kenya"}
    )
    saved = body(response)
    assert response.status_code == 200 and saved["valid"] is False
    assert any(e.startswith("country") for e in saved["errors"])
    proposal.refresh_from_db()
    assert proposal.document["country"] == "Kenya"  # nothing typed is lost
    assessed = body(client.get(f"/api/proposals/{proposal.pk}/assessment"))
    assert (assessed["valid"], assessed["assessment"]) == (False, None)
    assert assessed["errors"] == saved["errors"]
    assert assessed["lang"] == "en"  # the request's language
    in_japanese = Client()
    in_japanese.force_login(applicant)
    assert body(in_japanese.get(f"/api/proposals/{proposal.pk}/assessment"))["lang"] == "ja"
    not_an_object = error(put_json(client, f"/api/proposals/{proposal.pk}/document", [1]), 422)
    assert not_an_object["errors"]


@pytest.mark.parametrize(
    ("text", "message", "status"),
    [
        ("a\x00b", "NUL", 400),  # refused before the API for every request (input_guard)
        ("\ud800", "not valid Unicode", 422),
    ],
)
def test_text_the_database_cannot_store_is_refused(
    applicant, first_round, text, message, status
) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    raw = json.dumps({"title": "T", "notes": {"k": [text]}})  # escaped: \\u0000, \\ud800
    response = client_for(applicant).put(
        f"/api/proposals/{proposal.pk}/document", raw, content_type="application/json"
    )
    assert message in error(response, status)["detail"]
    proposal.refresh_from_db()
    assert "notes" not in proposal.document


def test_a_figure_the_rules_cannot_compute_with_is_refused_not_a_crash(
    applicant, first_round, sample_document, monkeypatch
) -> None:
    """e.g. 1e-400 tCO2 passes validation but overflows the cost-effectiveness quantize."""

    def overflow(*args: Any, **kwargs: Any) -> Any:
        raise decimal.InvalidOperation([decimal.InvalidOperation])

    proposal = ready_proposal(applicant, first_round, sample_document)
    client = client_for(applicant)
    monkeypatch.setattr("renkei.proposals.api.assess_proposal", overflow)
    monkeypatch.setattr("renkei.proposals.services.assess_proposal", overflow)
    assessed = body(client.get(f"/api/proposals/{proposal.pk}/assessment"))
    assert (assessed["valid"], assessed["assessment"]) == (False, None)
    assert "could not compute" in assessed["errors"][0]
    assert "could not compute" in error(submit(client, proposal.pk, "k"), 422)["detail"]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT


def test_floats_saved_by_a_page_come_back_as_decimal_strings(
    applicant, first_round, sample_document
) -> None:
    """The edit page stores what yaml.safe_load returns (floats); the API never sends one."""
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    services.proposal_update_document(
        actor=applicant, proposal=proposal, document={**sample_document, "x": 0.1}
    )
    detail = body(client_for(applicant).get(f"/api/proposals/{proposal.pk}"))
    assert detail["document"]["x"] == "0.1"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ....", "not accepted"),
        ("fake.pdf", b"<html>", "does not look like a .pdf"),
    ],
)
def test_uploads_outside_the_allowlist_are_refused(
    applicant, first_round, name, content, message
) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    client = client_for(applicant)
    refused = error(upload(client, proposal.pk, "form1", name=name, content=content), 422)
    assert message in refused["detail"]
    assert not proposal.attachments.exists()


def test_upload_without_a_file_or_with_a_bad_document_id_is_refused(applicant, first_round) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    client = client_for(applicant)
    missing = client.post(f"/api/proposals/{proposal.pk}/attachments", {"document_id": "form1"})
    assert any(line.startswith("file.file") for line in error(missing, 422)["errors"])
    bad_id = error(upload(client, proposal.pk, "../form1"), 422)
    assert any("document_id" in line for line in bad_id["errors"])
    assert not proposal.attachments.exists()


# --- submit: the key, the deadline, idempotency ------------------------------------------------
def test_submit_needs_an_idempotency_key(applicant, first_round, sample_document) -> None:
    proposal = ready_proposal(applicant, first_round, sample_document)
    client = client_for(applicant)
    for key in (None, "", "   ", "x" * 81):
        assert "Idempotency-Key" in error(submit(client, proposal.pk, key), 400)["detail"]
    assert not ProposalVersion.objects.exists()


def test_submit_one_second_before_noon_is_accepted_and_at_noon_refused(
    applicant, first_round, sample_document, settings
) -> None:
    early = ready_proposal(applicant, first_round, sample_document)
    late = ready_proposal(applicant, first_round, sample_document, title="late")
    client = client_for(applicant)
    settings.RENKEI_DEMO_NOW = "2024-05-13T11:59:59+09:00"
    accepted = submit(client, early.pk, "early")
    assert accepted.status_code == 200, accepted.content
    assert body(accepted)["receipt_number"].startswith("JCM-20240513-")
    settings.RENKEI_DEMO_NOW = "2024-05-13T12:00:00+09:00"
    refused = error(submit(client, late.pk, "late"), 422)
    assert "2024-05-13 12:00" in refused["detail"]
    late.refresh_from_db()
    assert late.state == ProposalState.DRAFT and late.receipt_number is None
    # a repeat of the accepted submission still answers with its result after the deadline
    assert body(submit(client, early.pk, "early")) == body(accepted)


def test_repeated_submit_returns_the_same_result_and_one_version(
    applicant, first_round, sample_document, django_capture_on_commit_callbacks
) -> None:
    proposal = ready_proposal(applicant, first_round, sample_document)
    client = client_for(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(client, proposal.pk, "same")
        again = submit(client, proposal.pk, "same")
    assert first.status_code == again.status_code == 200
    assert body(first) == body(again)
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1
    assert Notice.objects.filter(recipient=applicant).count() == 1
    assert len(mail.outbox) == 1
    # a new key on a submitted proposal is a new submission, which the lock refuses
    assert error(submit(client, proposal.pk, "other"), 403)
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1


def test_a_key_is_the_proposals_own(applicant, first_round, sample_document) -> None:
    """Keys are scoped to the proposal (issue 12, 7): the same key on another proposal is that
    proposal's own submission, never an answer about the first one."""
    one = ready_proposal(applicant, first_round, sample_document)
    two = ready_proposal(applicant, first_round, sample_document, title="two")
    client = client_for(applicant)
    first = body(submit(client, one.pk, "k"))
    second = body(submit(client, two.pk, "k"))
    assert (first["proposal_id"], second["proposal_id"]) == (one.pk, two.pk)
    assert first["receipt_number"] != second["receipt_number"]
    assert body(submit(client, one.pk, "k")) == first  # a retry answers with the same version


def test_incomplete_submit_lists_every_error(applicant, first_round) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    refused = error(submit(client_for(applicant), proposal.pk, "z"), 422)
    assert any("consortium" in e for e in refused["errors"])
    assert any("sites" in e for e in refused["errors"])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT


# --- revision (office) ---------------------------------------------------------------------------
def test_only_the_office_reopens_with_a_reason_and_the_next_submit_is_version_two(
    users, first_round, sample_document
) -> None:
    applicant, office = users["applicant"], users["office"]
    proposal = ready_proposal(applicant, first_round, sample_document)
    mine, staff = client_for(applicant), client_for(office)
    assert submit(mine, proposal.pk, "v1").status_code == 200
    url = f"/api/proposals/{proposal.pk}/revision"
    assert error(post_json(mine, url, {"reason": "x"}), 403)
    assert "reason" in error(post_json(staff, url, {"reason": "  "}), 422)["detail"]
    assert error(post_json(staff, url, {}), 422)["errors"] == ["body.reason: Field required"]
    reopened = body(post_json(staff, url, {"reason": "typo in form 4"}))
    assert reopened["state"] == "revision_open"
    assert reopened["allowed"]["open_revision"] is False
    assert error(post_json(staff, url, {"reason": "again"}), 403)  # not submitted any more

    saved = put_json(
        mine, f"/api/proposals/{proposal.pk}/document", {**sample_document, "title": "revised"}
    )
    assert body(saved)["valid"] is True
    second = body(submit(mine, proposal.pk, "v2"))
    assert second["version"] == 2
    assert (
        second["receipt_number"]
        == body(mine.get(f"/api/proposals/{proposal.pk}"))["receipt_number"]
    )


# --- visibility ----------------------------------------------------------------------------------
def test_lists_show_only_what_the_access_policy_returns(users, first_round, sample_document):
    applicant = users["applicant"]
    services.proposal_create(actor=applicant, round=first_round, title="draft", country="KE")
    sent = ready_proposal(applicant, first_round, sample_document, title="sent")
    services.proposal_submit(
        actor=applicant, proposal=sent, idempotency_key="s", now=jst("2024-05-10T09:00")
    )
    expected = {
        "applicant": ["sent", "draft"],
        "other_applicant": [],
        "office": ["sent"],
        "reviewer": [],
        "secretariat": [],
        "joint_committee": [],
    }
    for role, titles in expected.items():
        listed = body(client_for(users[role]).get("/api/proposals"))
        assert [p["title"] for p in listed] == titles, role
    only_drafts = body(client_for(applicant).get("/api/proposals?state=draft"))
    assert [p["title"] for p in only_drafts] == ["draft"]
    assert error(client_for(applicant).get("/api/proposals?state=lost"), 422)


def test_a_hidden_proposal_is_indistinguishable_from_a_missing_one(
    users, first_round, sample_document
) -> None:
    proposal = services.proposal_create(
        actor=users["applicant"], round=first_round, title="secret", country="KE"
    )
    missing = proposal.pk + 1000
    client = client_for(users["other_applicant"])
    for suffix, method in [
        ("", "get"),
        ("/assessment", "get"),
        ("/attachments", "post"),
        ("/submit", "post"),
        ("/revision", "post"),
    ]:
        answers = []
        for pk in (proposal.pk, missing):
            url = f"/api/proposals/{pk}{suffix}"
            if suffix == "/submit":
                response = submit(client, pk, "k")
            elif suffix == "/revision":
                response = post_json(client, url, {"reason": "r"})
            elif suffix == "/attachments":
                response = upload(client, pk, "form1")
            else:
                response = getattr(client, method)(url)
            answers.append((response.status_code, body(response)))
        assert answers[0] == answers[1] == (404, {"detail": "Not found.", "errors": []}), suffix
    hidden = put_json(client, f"/api/proposals/{proposal.pk}/document", {"title": "x"})
    assert error(hidden, 404)
    proposal.refresh_from_db()
    assert proposal.title == "secret"


def test_anonymous_callers_are_asked_to_log_in(first_round) -> None:
    data = error(client_for(None).get("/api/proposals"), 401)
    assert "Log in" in data["detail"] or "ログイン" in data["detail"]


def test_session_auth_enforces_csrf_on_unsafe_methods(applicant, first_round, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-04-20T09:00:00+09:00"  # pre-registration is still open
    client = client_for(applicant, enforce_csrf_checks=True)
    payload = {"round_id": first_round.pk, "title": "T", "country": "KE"}
    refused = error(post_json(client, "/api/proposals", payload), 403)
    assert "CSRF" in refused["detail"]
    assert client.get("/api/proposals").status_code == 200  # safe methods need no token
    token = "a" * 32
    client.cookies["csrftoken"] = token
    created = post_json(client, "/api/proposals", payload, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.content
    # without a session there is nothing to protect: the answer is "log in", not "CSRF"
    anonymous_post = post_json(
        client_for(None, enforce_csrf_checks=True), "/api/proposals", payload
    )
    assert error(anonymous_post, 401)
    # the public form needs no session, but when one is sent its token must come with it
    logged_in = post_json(client, "/api/preregistrations", _preregistration(first_round.pk))
    assert "CSRF" in error(logged_in, 403)["detail"]
    with_token = post_json(
        client,
        "/api/preregistrations",
        _preregistration(first_round.pk),
        headers={"X-CSRFToken": token},
    )
    assert with_token.status_code == 201, with_token.content
    anonymous = client_for(None, enforce_csrf_checks=True)
    public = post_json(anonymous, "/api/preregistrations", _preregistration(first_round.pk))
    assert public.status_code == 201, public.content


# --- every role × every operation ----------------------------------------------------------------
ROLES = [
    "anonymous",
    "applicant",
    "other_applicant",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
    "partner",  # an applicant of a partner participant linked to every proposal below
]

# (method, path, object) -> expected status per role, in ROLES order. Rows run in this order for
# each role; the ones that change state (submit "ready", open a revision) come after the reads.
# "draft" is incomplete, "ready" is a complete draft, "submitted" has been submitted.
P = "/api/proposals/{proposal_id}"
MATRIX = {
    ("GET", "/api/health", None): [200, 200, 200, 200, 200, 200, 200, 200],
    ("GET", "/api/ready", None): [200, 200, 200, 200, 200, 200, 200, 200],
    ("GET", "/api/calls", None): [200, 200, 200, 200, 200, 200, 200, 200],
    ("POST", "/api/preregistrations", None): [201, 201, 201, 201, 201, 201, 201, 201],
    ("POST", "/api/account-requests", None): [201, 201, 201, 201, 201, 201, 201, 201],
    ("GET", "/api/proposals", None): [401, 200, 200, 200, 200, 200, 200, 200],
    ("POST", "/api/proposals", None): [401, 201, 201, 403, 403, 403, 403, 201],
    ("GET", P, "draft"): [401, 200, 404, 404, 404, 404, 404, 200],
    ("GET", P, "submitted"): [401, 200, 404, 200, 404, 404, 404, 200],
    ("GET", P + "/assessment", "draft"): [401, 200, 404, 404, 404, 404, 404, 200],
    ("GET", P + "/assessment", "submitted"): [401, 200, 404, 200, 404, 404, 404, 200],
    ("PUT", P + "/document", "draft"): [401, 200, 404, 404, 404, 404, 404, 403],
    ("PUT", P + "/document", "submitted"): [401, 403, 404, 403, 404, 404, 404, 403],
    ("POST", P + "/attachments", "draft"): [401, 201, 404, 404, 404, 404, 404, 403],
    ("POST", P + "/attachments", "submitted"): [401, 403, 404, 403, 404, 404, 404, 403],
    ("POST", P + "/submit", "draft"): [401, 422, 404, 404, 404, 404, 404, 403],
    ("POST", P + "/submit", "submitted"): [401, 403, 404, 403, 404, 404, 404, 403],
    ("POST", P + "/submit", "ready"): [401, 200, 404, 404, 404, 404, 404, 403],
    # selection (docs/selection.md): the office's operations on a submitted, unscreened proposal
    ("GET", P + "/selection", "submitted"): [401, 404, 404, 200, 404, 404, 404, 404],
    ("POST", P + "/hearing", "submitted"): [401, 404, 404, 403, 404, 404, 404, 404],
    ("POST", P + "/hearing/record", "submitted"): [401, 404, 404, 422, 404, 404, 404, 404],
    ("POST", P + "/candidate", "submitted"): [401, 404, 404, 403, 404, 404, 404, 404],
    ("POST", P + "/pin", "submitted"): [401, 404, 404, 422, 404, 404, 404, 404],
    ("POST", P + "/naiji", "submitted"): [401, 404, 404, 422, 404, 404, 404, 404],
    ("GET", "/api/pins", None): [401, 200, 200, 200, 200, 200, 200, 200],
    ("GET", "/api/pins/{pin_id}", "no_pin"): [401, 404, 404, 404, 404, 404, 404, 404],
    ("POST", "/api/pins/{pin_id}/forward", "no_pin"): [401, 404, 404, 404, 404, 404, 404, 404],
    ("POST", "/api/pins/{pin_id}/answer", "no_pin"): [401, 404, 404, 404, 404, 404, 404, 404],
    ("GET", "/api/pins/{pin_id}/queries", "no_pin"): [401, 404, 404, 404, 404, 404, 404, 404],
    ("POST", "/api/pins/{pin_id}/queries", "no_pin"): [401, 404, 404, 404, 404, 404, 404, 404],
    ("POST", "/api/pins/{pin_id}/queries/{query_id}/answer", "no_pin"): [401] + [404] * 7,
    ("GET", "/api/adopted", None): [200, 200, 200, 200, 200, 200, 200, 200],
    ("POST", P + "/not-adopted", "submitted"): [401, 404, 404, 200, 404, 404, 404, 404],
    ("POST", P + "/revision", "draft"): [401, 403, 404, 404, 404, 404, 404, 403],
    ("POST", P + "/revision", "submitted"): [401, 403, 404, 200, 404, 404, 404, 403],
    # the consortium: the representative invites partners (200 whether or not an account has
    # the address: the answer tells nothing about who has an account);
    # the unlink row comes last, as the representative's run unlinks
    ("POST", P + "/partners", "draft"): [401, 200, 404, 404, 404, 404, 404, 403],
    ("DELETE", P + "/partners/{partner_id}", "draft"): [401, 200, 404, 404, 404, 404, 404, 403],
    # a draft's attachment: replaced (201) or removed by the representative only; the
    # partner sees it and is refused (403)
    ("POST", P + "/attachments/{attachment_id}/replace", "draft"): [401, 201, *[404] * 5, 403],
    ("DELETE", P + "/attachments/{attachment_id}", "draft"): [401, 200, *[404] * 5, 403],
    # an invitation (to other_applicant's address) is only the invited account's to answer;
    # once declined it cannot be accepted (422)
    ("POST", "/api/partner-invitations/{invitation_id}/decline", None): [
        *[401, 404, 200, 404, 404, 404, 404, 404]
    ],
    ("POST", "/api/partner-invitations/{invitation_id}/accept", None): [
        *[401, 404, 422, 404, 404, 404, 404, 404]
    ],
    # the representative withdraws the invitation (still pending in its run); the partner sees
    # the draft but may not manage partners (403)
    ("DELETE", P + "/invitations/{invitation_id}", "draft"): [401, 200, *[404] * 5, 403],
    # the formal 内示 notice: none before the 内示 (after it: test_api_selection.py)
    ("GET", P + "/naiji.docx", "submitted"): [401, *[404] * 7],
}

# what each role's list shows, by title ("draft", "ready", "submitted")
LISTED = {
    "applicant": {"draft", "ready", "submitted"},
    "other_applicant": set(),
    "office": {"submitted"},
    "reviewer": set(),
    "secretariat": set(),
    "joint_committee": set(),
    "partner": {"draft", "ready", "submitted"},
}


@pytest.fixture
def objects(users, first_round, sample_document) -> dict[str, int]:
    applicant = users["applicant"]
    draft = services.proposal_create(
        actor=applicant, round=first_round, title="draft", country="KE"
    )
    ready = ready_proposal(applicant, first_round, sample_document, title="ready")
    submitted = ready_proposal(applicant, first_round, sample_document, title="submitted")
    link_partner(applicant, submitted, users["partner"])
    services.proposal_submit(
        actor=applicant, proposal=submitted, idempotency_key="m", now=jst("2024-04-20T09:00")
    )
    links = {p.title: link_partner(applicant, p, users["partner"]) for p in (draft, ready)}
    to_replace, to_remove = (
        services.attachment_add(
            actor=applicant,
            proposal=draft,
            document_id="form1",
            upload=SimpleUploadedFile(f"1_{n}.pdf", PDF + n.encode()),
        )
        for n in ("a", "b")
    )
    invitation = services.partner_add(
        actor=applicant, proposal=draft, email=users["other_applicant"].email
    )
    return {
        "attachment_to_replace": to_replace.pk,
        "attachment_to_remove": to_remove.pk,
        "invitation": invitation.pk,
        "draft": draft.pk,
        "ready": ready.pk,
        "submitted": submitted.pk,
        "no_pin": 999_999,
        "partner_link": links["draft"].pk,
    }


def _call(client: Client, method: str, url: str, role: str, round_id: int):
    if url == "/api/preregistrations":
        return post_json(client, url, _preregistration(round_id))
    if url == "/api/account-requests":
        request = {"organisation_name": "O", "contact_name": "C", "email": f"{role}@example.org"}
        return post_json(client, url, request)
    if url == "/api/proposals" and method == "POST":
        return post_json(client, url, {"round_id": round_id, "title": "new", "country": "KE"})
    if url.endswith("/document"):
        return put_json(client, url, {"title": "draft"})
    if url.endswith("/replace"):
        return client.post(url, {"file": SimpleUploadedFile("1_new.pdf", PDF + b"new")})
    if url.endswith("/attachments"):
        return client.post(url, {"document_id": "form1", "file": SimpleUploadedFile("1.pdf", PDF)})
    if url.endswith("/submit"):
        return client.post(url, headers={"Idempotency-Key": f"k-{role}-{url}"})
    if url.endswith("/revision") or url.endswith("/not-adopted"):
        return post_json(client, url, {"reason": "r"})
    if url.endswith("/hearing"):
        return post_json(client, url, {"at": "2024-05-20T10:00:00+09:00", "place": "東京"})
    if url.endswith("/hearing/record"):
        return post_json(client, url, {"record": "held"})
    if url.endswith("/answer"):
        return post_json(client, url, {"answer": "no_objection"})
    if url.endswith("/partners"):
        return post_json(client, url, {"email": "nobody@example.org"})
    if url.endswith("/queries") and method == "POST":
        return post_json(client, url, {"question": "q"})
    return client.generic(method, url)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_operation(role, users, objects, first_round, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-04-20T09:00:00+09:00"  # pre-registration is still open
    client = client_for(users[role])
    got, want = {}, {}
    for (method, path, obj), expected in MATRIX.items():
        key = "{pin_id}" if "{pin_id}" in path else "{proposal_id}"
        url = path.replace(key, str(objects[obj])) if obj else path
        url = url.replace("{query_id}", "1")
        url = url.replace("{partner_id}", str(objects["partner_link"]))
        url = url.replace("{invitation_id}", str(objects["invitation"]))
        which = "attachment_to_remove" if method == "DELETE" else "attachment_to_replace"
        url = url.replace("{attachment_id}", str(objects[which]))
        response = _call(client, method, url, role, first_round.pk)
        label = f"{method} {path} {obj or ''}".strip()
        got[label] = response.status_code
        want[label] = expected[ROLES.index(role)]
        if response.status_code >= 400:
            error(response, response.status_code)
        else:
            body(response)
    assert got == want
    if role != "anonymous":
        listed = {p["title"] for p in body(client.get("/api/proposals"))} - {"new"}
        assert listed == LISTED[role]


# the grant stage's matrices, one per part (each also checks that it covers its own part)
GRANT_MATRICES = (
    "test_grants_core_matrix",
    "test_grants_award_matrix",
    "test_grants_closing_matrix",
    "test_grants_schedule_matrix",
    "test_grants_portfolio",
)
MONITORING_MATRICES = (
    "test_monitoring_plan_matrix",
    "test_monitoring_intake_matrix",
    "test_monitoring_period_matrix",
    "test_monitoring_verification_matrix",
    "test_monitoring_annual_matrix",
)
# the credits stage (issue 10), the selection board's optimiser (issue 13) and the C3P stage
# (issue 11): one matrix module per part
CREDITS_MATRICES = (
    "test_credits_cycle_matrix",
    "test_credits_issuance_matrix",
    "test_credits_registry_matrix",
    "test_credits_portfolio_matrix",
)
SELECTION_MATRICES = ("test_selection_board_matrix",)
C3P_MATRICES = (
    "test_c3p_partnership_matrix",
    "test_c3p_project_matrix",
    "test_c3p_matching_matrix",
    "test_c3p_exit_matrix",
    "test_c3p_activity_matrix",
)


def _operation(method: str, path: str) -> tuple[str, str]:
    """An operation with its path parameters unnamed (the matrices name them their own way)."""
    return method.upper(), re.sub(r"\{[^}]*\}", "{}", path)


def test_the_matrix_covers_every_operation() -> None:
    """This matrix, the office's and reviewers' one (test_api_office_matrix.py), the grant
    stage's (GRANT_MATRICES) and the monitoring stage's (MONITORING_MATRICES) together hold
    every operation of the API, each once."""
    import importlib

    from test_api_office_matrix import MATRIX as OFFICE_MATRIX

    schema = api.get_openapi_schema()
    operations = {
        _operation(method, path) for path, item in schema["paths"].items() for method in item
    }
    tables = [
        {_operation(method, path) for method, path, _ in MATRIX},
        {_operation(method, path) for method, path, _ in OFFICE_MATRIX},
        *(
            {_operation(key[0], key[1]) for key in importlib.import_module(name).API}
            for name in GRANT_MATRICES
            + MONITORING_MATRICES
            + CREDITS_MATRICES
            + SELECTION_MATRICES
            + C3P_MATRICES
        ),
    ]
    covered: set = set()
    for table in tables:
        assert not covered & table, sorted(covered & table)  # each operation in one matrix
        covered |= table
    assert operations == covered, sorted(operations ^ covered)


def test_no_response_schema_uses_a_float() -> None:
    """Money is integer yen and decimals are strings, so no response declares a number."""
    text = json.dumps(api.get_openapi_schema())
    assert '"type": "number"' not in text


@pytest.mark.parametrize("debug", [True, False])
def test_a_locked_database_is_a_503_with_the_middlewares_message_in_debug_too(
    debug, settings, monkeypatch, caplog
) -> None:
    """In debug mode django-ninja answered a database error with its traceback (500, text);
    the API answers as the middleware does outside debug: 503, Retry-After, the message."""
    from django.db import OperationalError
    from django.db.backends import utils

    settings.DEBUG = debug

    def locked(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(utils.CursorWrapper, "execute", locked)
    monkeypatch.setattr(utils.CursorDebugWrapper, "execute", locked)
    response = client_for(None).get("/api/calls")
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "10"
    data = body(response)
    assert data["code"] == "database_busy"
    assert (
        data["detail"].startswith("The database is busy")
        and "Nothing was changed" in (data["detail"])
    )
    assert "Traceback" not in response.content.decode()
    assert "database busy" in caplog.text  # logged, as the middleware logs it


def test_pending_invitations_are_listed_by_address_and_withdrawn(users, first_round) -> None:
    """ProposalOut lists the invitations still waiting (by address only, to the representative,
    as the page does) and the representative withdraws one; there was no API operation."""
    applicant, invited = users["applicant"], users["other_applicant"]
    draft = services.proposal_create(actor=applicant, round=first_round, title="d", country="KE")
    other = services.proposal_create(actor=applicant, round=first_round, title="o", country="KE")
    link_partner(applicant, draft, users["partner"])
    first = services.partner_add(actor=applicant, proposal=draft, email=invited.email)
    services.partner_add(actor=applicant, proposal=draft, email="nobody@example.org")
    elsewhere = services.partner_add(actor=applicant, proposal=other, email="x@example.org")
    client = client_for(applicant)
    url = f"/api/proposals/{draft.pk}"
    listed = body(client.get(url))["invitations"]
    assert listed[0]["id"] == first.pk
    assert [i["email"] for i in listed] == [invited.email.lower(), "nobody@example.org"]
    assert set(listed[0]) == {"id", "email", "invited_at"}  # nothing about whose address it is
    assert body(client_for(users["partner"]).get(url))["invitations"] == []
    refused = client_for(users["partner"]).delete(f"{url}/invitations/{first.pk}")
    error(refused, 403)
    error(client.delete(f"{url}/invitations/{elsewhere.pk}"), 404)  # another proposal's
    withdrawn = body(client.delete(f"{url}/invitations/{first.pk}"))
    assert [i["email"] for i in withdrawn["invitations"]] == ["nobody@example.org"]
    again = error(client.delete(f"{url}/invitations/{first.pk}"), 422)
    assert "no longer waiting" in again["detail"]
    late = post_json(client_for(invited), f"/api/partner-invitations/{first.pk}/accept", {})
    assert "withdrawn" in error(late, 422)["detail"]
    assert not draft.partners.filter(organisation=invited.organisation).exists()
