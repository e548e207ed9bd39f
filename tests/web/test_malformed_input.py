"""Malformed input never gives a server error (issue 12, point 6): NUL characters anywhere, values
longer than their column, budgets beyond the column's range or written with '²', a C3P fiscal
year that cannot be dated, and query parameters that name nothing. Each is refused (or ignored
with a note) with a message, and nothing is stored wrongly or lost.

Runs on SQLite and, with DATABASE_URL set, on PostgreSQL (where NUL characters and over-long
values would otherwise reach the database as errors).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from webfactories import ROOT, jst

from renkei.accounts.models import AccountRequest
from renkei.calls.models import Call, Program, Round
from renkei.calls.services import BUDGET_MAX_JPY
from renkei.proposals import c3p_editor, services
from renkei.proposals.models import Attachment, PreRegistration, Proposal, ProposalVersion
from renkei.rules import load_rulebook

pytestmark = pytest.mark.django_db

NUL = "\x00"
NUL_MESSAGE = "contains a NUL character (U+0000)"
FORM = "application/x-www-form-urlencoded"
BEFORE_PREREGISTRATION_CLOSES = "2024-04-01T10:00:00+09:00"
IN_ROUND = "2024-05-10T09:00:00+09:00"


def _client(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def draft(applicant, first_round, sample_document) -> Proposal:
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="draft", country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=sample_document)
    return proposal


# --- NUL characters ------------------------------------------------------------------------------

QUERY_PAGES = [
    ("home", "anonymous"),
    ("adoption:public", "anonymous"),
    ("proposals:preregister", "anonymous"),
    ("reviews:intake", "office"),
    ("reviews:ranking", "office"),
    ("reviews:assign", "office"),
    ("adoption:board", "office"),
    ("accounts:requests", "office"),
]


@pytest.mark.parametrize("param", ["q", "round", "country", "state", "call", "page"])
@pytest.mark.parametrize(("page", "role"), QUERY_PAGES)
def test_nul_in_a_query_string_is_refused_with_a_message(users, jcm_call, page, role, param):
    answer = _client(users[role]).get(reverse(page), {param: f"KE{NUL}"})
    assert answer.status_code == 400
    assert NUL_MESSAGE in answer.content.decode()


def test_nul_in_a_query_string_of_the_api_gets_the_error_body(users, jcm_call) -> None:
    answer = _client(users["office"]).get("/api/calls", {"q": NUL})
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert NUL_MESSAGE in json.loads(answer.content)["detail"]


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
@pytest.mark.parametrize(
    "field", ["organisation_name", "contact_name", "email", "title", "technologies"]
)
def test_nul_in_a_form_field_is_refused_and_nothing_is_stored(
    settings, first_round, field, encoding
):
    """A urlencoded form is refused before the view; a multipart one (left to the view, which
    may stream an upload) gets the form's own message at the field."""
    settings.RENKEI_DEMO_NOW = BEFORE_PREREGISTRATION_CLOSES
    data = _preregistration(first_round)
    data[field] = data[field][:3] + NUL + data[field][3:]
    url = reverse("proposals:preregister")
    if encoding == "urlencoded":
        answer = _client().post(url, urlencode(data), content_type=FORM)
        assert answer.status_code == 400
        assert NUL_MESSAGE in answer.content.decode()
    else:
        answer = _client().post(url, data)
        assert answer.status_code == 200
        assert "Null characters are not allowed" in answer.content.decode()
    assert not PreRegistration.objects.exists()


def test_nul_in_a_c3p_list_field_is_refused_at_the_field() -> None:
    """The C3P editor's one-per-line fields check each line (their list slipped past Django's
    own NUL check, which reads the list's repr)."""
    data, _dropped = c3p_editor.document_to_data({}, load_rulebook("c3p/fy2025"))
    data["commitments-ems_certifications"] = f"ISO14001\nEco{NUL}Action 21"
    ed = c3p_editor.C3pEditor(data, book=load_rulebook("c3p/fy2025"), lang="en")
    assert not ed.is_valid()
    assert any("Null characters are not allowed" in m for _w, _i, m in ed.error_list())


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("put", "/api/proposals/{pk}/document", {"title": f"a{NUL}b"}),
        ("put", "/api/proposals/{pk}/document", {f"k{NUL}": "v"}),
        ("post", "/api/proposals/{pk}/partners", {"email": f"x{NUL}@example.org"}),
    ],
)
def test_nul_in_a_json_body_is_refused_and_nothing_is_stored(
    applicant, draft, method, url, payload
):
    before = Proposal.objects.get(pk=draft.pk).document
    client = _client(applicant)
    answer = getattr(client, method)(
        url.format(pk=draft.pk), json.dumps(payload), content_type="application/json"
    )
    assert answer.status_code == 400
    assert NUL_MESSAGE in json.loads(answer.content)["detail"]
    assert Proposal.objects.get(pk=draft.pk).document == before


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(applicant, draft) -> None:
    """``\\\\u0000`` in JSON is the six characters \\u0000, which a document may hold."""
    client = _client(applicant)
    text = "C:\\u0000dir"
    answer = client.put(
        f"/api/proposals/{draft.pk}/document",
        json.dumps({**Proposal.objects.get(pk=draft.pk).document, "title": text}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content[:300]
    assert Proposal.objects.get(pk=draft.pk).document["title"] == text


# --- over-long values ----------------------------------------------------------------------------


def _preregistration(round_: Round) -> dict[str, Any]:
    return {
        "round": round_.pk,
        "organisation_name": "サンプル株式会社",
        "contact_name": "山田 花子",
        "email": "hanako@example.org",
        "title": "Solar PV for a tea factory",
        "country": "KE",
        "technologies": "solar_pv",
        "needs_account": "on",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organisation_name", "会" * 201, "at most 200 characters"),
        ("contact_name", "名" * 201, "at most 200 characters"),
        ("email", "a" * 64 + "@" + "b" * 190 + ".org", "at most 254 characters"),
        ("title", "題" * 301, "at most 300 characters"),
        ("technologies", "solar_pv," * 120, "at most 1000 characters"),
    ],
)
def test_an_over_long_preregistration_value_is_refused_and_kept(
    settings, first_round, field, value, message
) -> None:
    settings.RENKEI_DEMO_NOW = BEFORE_PREREGISTRATION_CLOSES
    data = {**_preregistration(first_round), field: value}
    answer = _client().post(reverse("proposals:preregister"), data)
    text = answer.content.decode()
    assert answer.status_code == 200 and message in text
    assert value[:50] in text  # what was typed is shown again
    assert not PreRegistration.objects.exists()


def test_the_preregistration_service_refuses_what_its_columns_cannot_hold(
    settings, applicant, first_round
) -> None:
    """The API and the CLI reach the same service: the same limits, the same message."""
    settings.RENKEI_DEMO_NOW = BEFORE_PREREGISTRATION_CLOSES
    with pytest.raises(services.ServiceError, match="201 characters long; at most 200"):
        services.preregistration_create(
            actor=applicant,
            round=first_round,
            organisation_name="会" * 201,
            contact_name="x",
            email="x@example.org",
            title="t",
            country="KE",
            technologies=[],
            needs_account=False,
        )
    assert not PreRegistration.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organisation_name", "会" * 201, "at most 200 characters"),
        ("contact_name", "名" * 201, "at most 200 characters"),
        # the address becomes the login: at most 150 characters (User.username)
        ("email", "a" * 60 + "@" + "b" * 90 + ".org", "at most 150 characters"),
    ],
)
def test_an_over_long_account_request_is_refused_and_kept(db, field, value, message) -> None:
    data = {
        "organisation_name": "Sample Co.",
        "organisation_country": "JP",
        "contact_name": "Taro",
        "email": "taro@example.org",
        field: value,
    }
    answer = _client().post(reverse("accounts:request"), data)
    text = answer.content.decode()
    assert answer.status_code == 200 and message in text
    assert value[:40] in text
    assert not AccountRequest.objects.exists()


def test_an_over_long_submit_key_is_refused_with_a_message(settings, applicant, draft) -> None:
    settings.RENKEI_DEMO_NOW = IN_ROUND
    answer = _client(applicant).post(
        reverse("proposals:submit", args=[draft.pk]), {"key": "k" * 81}, follow=True
    )
    assert answer.status_code == 200
    assert "The submission key is 81 characters long" in answer.content.decode()
    assert not ProposalVersion.objects.exists()


@pytest.mark.parametrize(
    ("document_id", "message"),
    [("d" * 41, "41 characters long; at most 40"), (f"form{NUL}1", "NUL character")],
)
def test_an_over_long_document_id_is_refused_and_no_file_is_kept(
    applicant, draft, document_id, message
) -> None:
    answer = _client(applicant).post(
        reverse("proposals:attach", args=[draft.pk]),
        {"document_id": document_id, "file": SimpleUploadedFile("1_a.pdf", b"%PDF-1.7 x")},
        follow=True,
    )
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not Attachment.objects.exists()


# --- the round budget ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("²", "Give the budget as whole yen"),
        ("12³", "Give the budget as whole yen"),
        ("abc", "Give the budget as whole yen"),
        ("-5", "Give the budget as whole yen"),
        ("1.5", "Give the budget as whole yen"),
        (str(BUDGET_MAX_JPY + 1), "at most 9,223,372,036,854,775,807 yen"),
        ("9" * 40, "at most 9,223,372,036,854,775,807 yen"),
        ("9" * 5000, "at most 9,223,372,036,854,775,807 yen"),
    ],
)
def test_a_round_budget_out_of_range_is_refused_and_kept(users, first_round, typed, message):
    first_round.budget_jpy = 100_000_000
    first_round.save()
    answer = _client(users["office"]).post(
        reverse("adoption:round_budget", args=[first_round.pk]),
        {"budget_jpy": typed},
        follow=True,
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and message in text
    assert f'value="{typed[:100]}' in text  # the form shows what was typed
    first_round.refresh_from_db()
    assert first_round.budget_jpy == 100_000_000


@pytest.mark.parametrize(
    ("typed", "stored"),
    [(str(BUDGET_MAX_JPY), BUDGET_MAX_JPY), ("３００,０００,０００円", 300_000_000), ("", None)],
)
def test_a_round_budget_within_the_range_is_saved(users, first_round, typed, stored) -> None:
    _client(users["office"]).post(
        reverse("adoption:round_budget", args=[first_round.pk]), {"budget_jpy": typed}
    )
    first_round.refresh_from_db()
    assert first_round.budget_jpy == stored


# --- query parameters that name nothing ----------------------------------------------------------


@pytest.mark.parametrize("page", ["reviews:ranking", "adoption:board"])
@pytest.mark.parametrize("value", ["abc", "1.5", "99999999999999999999999", "-1", "²"])
def test_a_round_that_is_not_one_shows_the_default_with_a_note(users, jcm_call, page, value):
    answer = _client(users["office"]).get(reverse(page), {"round": value})
    assert answer.status_code == 200
    assert "is not a round of this list; showing" in answer.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"page": "abc"}, {"page": "-3"}, {"page": "9" * 30}, {"export": "pdf"}, {"q": "x" * 5000}],
)
@pytest.mark.parametrize("page", ["reviews:intake", "reviews:ranking", "accounts:requests"])
def test_other_bad_list_parameters_never_fail(users, jcm_call, page, params) -> None:
    answer = _client(users["office"]).get(reverse(page), params)
    assert answer.status_code == 200


# --- a C3P fiscal year that cannot be dated -------------------------------------------------------


@pytest.fixture
def c3p_draft(applicant, settings) -> Proposal:
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"
    call = Call.objects.create(
        rulebook_id="c3p/fy2025",
        program=Program.C3P,
        title_ja="令和7年度 都市間連携事業",
        title_en="C3P FY2025",
        opens_at=jst("2025-02-10T00:00"),
        closes_at=jst("2026-03-31T12:00"),
    )
    round_ = Round.objects.create(
        call=call, code="first", name_ja="第1回", name_en="First", deadline=jst("2025-03-03T12:00")
    )
    proposal = services.proposal_create(actor=applicant, round=round_, title="C3P", country="VN")
    document = json.loads(
        json.dumps(
            yaml.safe_load((ROOT / "examples" / "c3p-new-project.yaml").read_text("utf-8")),
            default=str,
        )
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    return proposal


@pytest.mark.parametrize("year", ["99999", "9999", "0", "1999", "2101"])
def test_a_c3p_fiscal_year_out_of_range_is_not_saved(applicant, c3p_draft, year) -> None:
    url = reverse("proposals:edit", args=[c3p_draft.pk])
    data, _dropped = c3p_editor.document_to_data(c3p_draft.document, load_rulebook("c3p/fy2025"))
    answer = _client(applicant).post(url, {**data, "editor": "c3p", "basic-fiscal_year": year})
    text = answer.content.decode()
    assert answer.status_code == 200
    assert "Not saved" in text and f'value="{year}"' in text
    assert Proposal.objects.get(pk=c3p_draft.pk).document["fiscal_year"] == 2025


@pytest.mark.parametrize("year", [99999, 9999, 0, -1])
def test_a_stored_fiscal_year_out_of_range_shows_an_error_and_can_be_fixed(
    applicant, c3p_draft, year
) -> None:
    """Stored through the YAML editor or the API (or before the bound): every page of the
    proposal still opens, says what is wrong, and the applicant corrects it."""
    document = {**c3p_draft.document, "fiscal_year": year}
    errors = services.proposal_update_document(
        actor=applicant, proposal=c3p_draft, document=document
    )
    assert any(e.startswith("fiscal_year:") for e in errors)  # never stored as valid
    client = _client(applicant)
    for page in ("proposals:detail", "proposals:edit", "proposals:edit_yaml"):
        answer = client.get(reverse(page, args=[c3p_draft.pk]))
        assert answer.status_code == 200, page
        assert "fiscal_year" in answer.content.decode() or "Fiscal year" in answer.content.decode()
    data, _dropped = c3p_editor.document_to_data(
        Proposal.objects.get(pk=c3p_draft.pk).document, load_rulebook("c3p/fy2025")
    )
    saved = client.post(
        reverse("proposals:edit", args=[c3p_draft.pk]),
        {**data, "editor": "c3p", "basic-fiscal_year": "2025"},
    )
    assert saved.status_code == 302
    assert Proposal.objects.get(pk=c3p_draft.pk).document["fiscal_year"] == 2025


def test_a_site_id_longer_than_the_form_takes_is_never_valid(sample_document) -> None:
    """A site id arrives in every finding's subject, which the office's screening stores (120
    characters); the rules core takes the form's 60, so a longer one is refused at submission
    rather than failing the screening."""
    document = {**sample_document, "sites": [dict(s) for s in sample_document["sites"]]}
    document["sites"][0]["id"] = "s" * 61
    errors = services.document_errors(document)
    assert any(e.startswith("sites[0].id:") and "60" in e for e in errors), errors
    document["sites"][0]["id"] = "s" * 60
    assert services.document_errors(document) == []
