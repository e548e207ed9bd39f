"""The TPE role's accounts (issue 9, JCM 2.(1)③): the office issues a requester's account into a
new third-party entity (organisation of kind ``tpe``, the account its verifier); a further
verifier joins that TPE only with the consent of one of its verifiers (the account-request
flow's consent), never by the office's decision alone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from renkei.accounts.models import AccountRequest, MembershipConsent, Organisation, Role, User
from renkei.accounts.services import (
    account_attach,
    account_issue,
    account_request_ask_consent,
    account_request_create,
    membership_consent_decide,
    organisation_snapshot,
)
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


def _request(email: str, name: str = "日本検証機構") -> AccountRequest:
    return account_request_create(
        actor=None,
        organisation_name=name,
        organisation_country="JP",
        contact_name="検証 太郎",
        email=email,
    )


def _client(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def test_the_office_issues_a_tpe_and_its_first_verifier_from_the_page(users) -> None:
    req = _request("lead@tpe.example.org")
    page = _client(users["office"]).get(reverse("accounts:requests")).content.decode()
    assert 'name="tpe"' in page
    assert 'value="attach"' not in page  # no similar organisation: nothing to attach to
    _client(users["office"]).post(
        reverse("accounts:request_decide", args=[req.pk]), {"decision": "issue", "tpe": "1"}
    )
    lead = User.objects.get(email="lead@tpe.example.org")
    assert lead.role == Role.VERIFIER
    assert lead.organisation.kind == Organisation.Kind.TPE
    # without the box: an applicant in a company, as before
    other = _request("someone@example.org", name="普通の株式会社")
    account_issue(actor=users["office"], request=other)
    someone = User.objects.get(email="someone@example.org")
    assert (someone.role, someone.organisation.kind) == (Role.APPLICANT, "company")


def test_a_further_verifier_joins_the_tpe_only_with_its_consent(
    users, django_capture_on_commit_callbacks
) -> None:
    first = _request("lead@tpe.example.org")
    lead = account_issue(actor=users["office"], request=first, tpe=True)
    tpe = lead.organisation
    req = _request("second@tpe.example.org")
    page = _client(users["office"]).get(reverse("accounts:requests")).content.decode()
    assert 'value="ask_consent"' in page and 'value="attach"' not in page
    with translation.override("en"):
        with pytest.raises(ServiceError) as exc:  # a similar name exists: the office chooses
            account_issue(actor=users["office"], request=req)
        assert "similar name already exists" in str(exc.value)
        with pytest.raises(ServiceError) as exc:  # never by the office's decision alone
            account_attach(
                actor=users["office"],
                request=req,
                organisation=tpe,
                reason="phoned",
                seen=organisation_snapshot(tpe)["seen"],
            )
        assert "only with its members' consent" in str(exc.value)
    assert not User.objects.filter(email="second@tpe.example.org").exists()
    with django_capture_on_commit_callbacks(execute=True):
        consent = account_request_ask_consent(actor=users["office"], request=req, organisation=tpe)
    url = reverse("accounts:consent", args=[consent.pk])
    asked = lead.notices.get(link=url)  # the TPE's verifier is asked, as a TPE
    assert "検証員アカウント" in asked.message  # the reader's language: Japanese by default
    with pytest.raises(NotAllowed):
        membership_consent_decide(actor=users["applicant"], consent=consent, approve=True)
    assert _client(users["applicant"]).get(url).status_code == 404
    client = _client(lead)
    assert client.get(url).status_code == 200
    client.post(url, {"decision": "approve"})
    second = User.objects.get(email="second@tpe.example.org")
    assert (second.role, second.organisation) == (Role.VERIFIER, tpe)
    assert MembershipConsent.objects.get(pk=consent.pk).decision == "approved"


def test_a_tpe_over_the_api(users) -> None:
    from test_api import client_for, post_json

    req = _request("api@tpe.example.org", name="API検証機関")
    r = post_json(client_for(users["office"]), f"/api/account-requests/{req.pk}/issue?tpe=true", {})
    assert r.status_code == 200, r.content
    user = User.objects.get(email="api@tpe.example.org")
    assert (user.role, user.organisation.kind) == (Role.VERIFIER, "tpe")
