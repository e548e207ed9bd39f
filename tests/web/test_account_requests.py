"""The office's page for account requests (5.(1)②③): issue with an emailed login link, or refuse
with a reason; only the office sees it. A request naming an existing organisation never joins it
silently (issue 12): a new, separate organisation, the members' consent, or a recorded office
decision made with the organisation's members and proposals in view."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from renkei.accounts.models import AccountRequest, MembershipConsent, Organisation, User
from renkei.accounts.services import (
    account_attach,
    account_issue,
    account_reject,
    account_request_ask_consent,
    account_request_create,
    membership_consent_decide,
    organisation_key,
    organisation_matches,
    organisation_snapshot,
)
from renkei.audit.services import audit_trail
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


def _request(email: str) -> AccountRequest:
    return account_request_create(
        actor=None,
        organisation_name="ケニア茶株式会社",
        organisation_country="JP",
        contact_name="連携 一郎",
        email=email,
    )


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("applicant", 404),
        ("office", 200),
        ("reviewer", 404),
        ("secretariat", 404),
        ("joint_committee", 404),
    ],
)
def test_only_the_office_sees_the_requests(users, role, status) -> None:
    req = _request("a@example.org")
    client = _client(users[role])
    assert client.get(reverse("accounts:requests")).status_code == status
    decide = client.post(reverse("accounts:request_decide", args=[req.pk]), {"decision": "issue"})
    assert decide.status_code == (302 if role in ("anonymous", "office") else 404)
    req.refresh_from_db()
    assert (req.status == "issued") == (role == "office")


def test_issue_and_refuse_from_the_page(users, django_capture_on_commit_callbacks) -> None:
    office = _client(users["office"])
    first, second = _request("one@example.org"), _request("two@example.org")
    page = office.get(reverse("accounts:requests")).content.decode()
    assert "one@example.org" in page and "two@example.org" in page
    url = reverse("accounts:request_decide", args=[first.pk])
    with django_capture_on_commit_callbacks(execute=True):
        office.post(url, {"decision": "issue"})
    assert User.objects.get(email="one@example.org").organisation.name == "ケニア茶株式会社"
    assert "/accounts/set-password/" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        refused = office.post(
            reverse("accounts:request_decide", args=[second.pk]), {"decision": "reject"}
        )
    second.refresh_from_db()
    assert second.status == "pending"  # no reason, nothing changed
    assert "理由" in office.get(refused.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            reverse("accounts:request_decide", args=[second.pk]),
            {"decision": "reject", "reason": "not a Japanese corporation"},
        )
    second.refresh_from_db()
    assert second.status == "rejected"
    assert "not a Japanese corporation" in mail.outbox[-1].body
    assert [e.action for e in audit_trail(second)] == ["account_request_create", "account_reject"]
    page = office.get(reverse("accounts:requests")).content.decode()
    assert 'id="request-' not in page  # nothing pending any more


# --- joining an existing organisation (issue 12, point 1) ---------------------------------------


def _existing_org(applicant) -> Organisation:
    org = applicant.organisation
    org.name, org.name_en, org.country = "ケニア茶株式会社", "Kenya Tea Co., Ltd.", "JP"
    org.save()
    return org


@pytest.mark.parametrize(
    "typed",
    [
        "ケニア茶株式会社",
        "ケニア茶（株）",
        "ケニア茶㈱",
        "株式会社 ケニア茶",
        "ｹﾆｱ茶 株式会社",
        "kenya tea co., ltd.",
        "ＫＥＮＹＡ　ＴＥＡ　Inc.",
    ],
)
def test_similar_names_find_the_organisation(users, typed) -> None:
    org = _existing_org(users["applicant"])
    assert organisation_matches(typed) == [org]


def test_different_names_do_not_match(users) -> None:
    _existing_org(users["applicant"])
    assert organisation_matches("ケニア茶園株式会社") == []
    assert organisation_matches("株式会社") == []  # a legal form alone names nobody
    assert organisation_key("Altdorf Ltd.") == "altdorf"  # 'ltd' inside a word stays


def test_an_anonymous_request_naming_an_existing_organisation_gains_nothing(
    users, django_capture_on_commit_callbacks
) -> None:
    """The attack: request an account naming someone else's organisation and wait for the
    office to press 'issue'. The plain issue refuses; nothing is created; the page shows the
    organisation's members and proposals and the three choices instead."""
    org = _existing_org(users["applicant"])
    req = account_request_create(
        actor=None,
        organisation_name="ケニア茶（株）",
        organisation_country="JP",
        contact_name="Mallory",
        email="mallory@example.org",
    )
    office = _client(users["office"])
    page = office.get(reverse("accounts:requests")).content.decode()
    row = page[page.index(f'id="request-{req.pk}"') :]
    assert f'id="request-{req.pk}-org-{org.pk}"' in row
    assert users["applicant"].email in row  # its members are shown
    assert 'value="issue"' not in row.split("</tr>")[0]  # no one-click issue
    with django_capture_on_commit_callbacks(execute=True):
        office.post(reverse("accounts:request_decide", args=[req.pk]), {"decision": "issue"})
    req.refresh_from_db()
    assert req.status == "pending"
    assert not User.objects.filter(email="mallory@example.org").exists()
    assert mail.outbox == []
    with translation.override("en"), pytest.raises(ServiceError, match="similar name"):
        account_issue(actor=users["office"], request=req)
    # asking for consent creates no account either, until a member approves
    consent = account_request_ask_consent(actor=users["office"], request=req, organisation=org)
    req.refresh_from_db()
    assert req.status == "awaiting_consent"
    assert not User.objects.filter(email="mallory@example.org").exists()
    assert consent.decision == "pending"


def test_a_new_separate_organisation(users, django_capture_on_commit_callbacks) -> None:
    org = _existing_org(users["applicant"])
    req = _request("new@example.org")  # names ケニア茶株式会社 exactly
    office = _client(users["office"])
    url = reverse("accounts:request_decide", args=[req.pk])
    office.post(url, {"decision": "issue_separate", "organisation_name": "ケニア茶株式会社"})
    req.refresh_from_db()
    assert req.status == "pending"  # the same name in the same country cannot be told apart
    refused = office.get(reverse("accounts:requests")).content.decode()
    assert "区別できる名称" in refused  # the page's language
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            url, {"decision": "issue_separate", "organisation_name": "ケニア茶株式会社（大阪）"}
        )
    user = User.objects.get(email="new@example.org")
    assert user.organisation != org
    assert user.organisation.name == "ケニア茶株式会社（大阪）"
    assert org.members.count() == 1
    (event,) = [e for e in audit_trail(req) if e.action == "account_issue"]
    assert event.payload["separate_from_similar"] is True


def test_members_consent_then_the_account_is_issued(
    users, django_capture_on_commit_callbacks
) -> None:
    member = users["applicant"]
    org = _existing_org(member)
    req = _request("joiner@example.org")
    office = _client(users["office"])
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            reverse("accounts:request_decide", args=[req.pk]),
            {"decision": "ask_consent", "organisation": org.pk},
        )
    consent = MembershipConsent.objects.get(request=req)
    url = reverse("accounts:consent", args=[consent.pk])
    assert member.notices.filter(link=url).exists()
    assert mail.outbox[-1].to == [member.email] and url in mail.outbox[-1].body
    # nobody outside the organisation sees or answers it
    for outsider in ("other_applicant", "office", "reviewer"):
        client = _client(users[outsider])
        assert client.get(url).status_code == 404
        assert client.post(url, {"decision": "approve"}).status_code == 404
    with pytest.raises(NotAllowed):
        membership_consent_decide(actor=users["other_applicant"], consent=consent, approve=True)
    assert not User.objects.filter(email="joiner@example.org").exists()
    client = _client(member)
    page = client.get(url).content.decode()
    assert "joiner@example.org" in page and 'value="approve"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "approve"})
    joiner = User.objects.get(email="joiner@example.org")
    assert joiner.organisation == org
    req.refresh_from_db()
    consent.refresh_from_db()
    assert (req.status, consent.decision, consent.decided_by) == ("issued", "approved", member)
    assert "/accounts/set-password/" in mail.outbox[-1].body
    assert users["office"].notices.filter(message__contains="承認し、アカウントが発行").exists()
    with pytest.raises(ServiceError):  # answered once
        membership_consent_decide(actor=member, consent=consent, approve=False)


def test_members_decline_and_the_request_returns_to_the_office(
    users, django_capture_on_commit_callbacks
) -> None:
    member = users["applicant"]
    org = _existing_org(member)
    req = _request("stranger@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        consent = account_request_ask_consent(actor=users["office"], request=req, organisation=org)
        membership_consent_decide(
            actor=member, consent=consent, approve=False, reason="not one of ours"
        )
    req.refresh_from_db()
    assert req.status == "pending"
    assert not User.objects.filter(email="stranger@example.org").exists()
    page = _client(users["office"]).get(reverse("accounts:requests")).content.decode()
    assert "not one of ours" in page
    assert users["office"].notices.filter(msgid__contains="declined").exists()
    assert [e.action for e in audit_trail(req)] == [
        "account_request_create",
        "account_consent_ask",
        "account_consent_decline",
    ]


def test_an_organisation_without_members_cannot_be_asked(users) -> None:
    org = Organisation.objects.create(name="ケニア茶株式会社", country="JP")
    req = _request("a@example.org")
    with translation.override("en"), pytest.raises(ServiceError, match="no active member"):
        account_request_ask_consent(actor=users["office"], request=req, organisation=org)


def test_attach_by_an_office_decision_is_recorded_with_what_was_shown(
    users, first_round, django_capture_on_commit_callbacks
) -> None:
    from renkei.proposals import services as proposal_services

    member = users["applicant"]
    org = _existing_org(member)
    proposal = proposal_services.proposal_create(
        actor=member, round=first_round, title="茶工場の太陽光", country="KE"
    )
    req = _request("colleague@example.org")
    office = _client(users["office"])
    page = office.get(reverse("accounts:requests")).content.decode()
    assert "茶工場の太陽光" in page  # the proposals it would reach are on the page
    seen = organisation_snapshot(org)["seen"]
    url = reverse("accounts:request_decide", args=[req.pk])
    office.post(url, {"decision": "attach", "organisation": org.pk, "seen": seen})
    req.refresh_from_db()
    assert req.status == "pending"  # no reason given
    # the organisation changed after the page was shown: refused, check again
    proposal_services.proposal_create(actor=member, round=first_round, title="二件目", country="KE")
    with translation.override("en"), pytest.raises(ServiceError, match="changed since"):
        account_attach(
            actor=users["office"], request=req, organisation=org, reason="phoned", seen=seen
        )
    seen = organisation_snapshot(org)["seen"]
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            url,
            {
                "decision": "attach",
                "organisation": org.pk,
                "seen": seen,
                "reason": "confirmed by phone with the president",
            },
        )
    colleague = User.objects.get(email="colleague@example.org")
    assert colleague.organisation == org
    (event,) = [e for e in audit_trail(req) if e.action == "account_issue"]
    assert event.actor == users["office"]
    assert event.payload["office_decision"] == "confirmed by phone with the president"
    assert [m["email"] for m in event.payload["shown"]["members"]] == [member.email]
    assert proposal.pk in [p["id"] for p in event.payload["shown"]["proposals"]]
    assert member.notices.filter(message__contains="colleague@example.org").exists()
    with pytest.raises(NotAllowed):
        account_attach(actor=member, request=req, organisation=org, reason="x", seen=seen)


def test_refusing_a_request_awaiting_consent_withdraws_the_question(users) -> None:
    member = users["applicant"]
    org = _existing_org(member)
    req = _request("late@example.org")
    consent = account_request_ask_consent(actor=users["office"], request=req, organisation=org)
    account_reject(actor=users["office"], request=req, reason="duplicate")
    consent.refresh_from_db()
    assert consent.decision == "withdrawn"
    with pytest.raises(ServiceError):
        membership_consent_decide(actor=member, consent=consent, approve=True)
    assert not User.objects.filter(email="late@example.org").exists()


# --- the office's list of pre-registrations (issue 12, point 15) -------------------------------


def _prereg(round_, n: int, **extra):
    from webfactories import jst

    from renkei.proposals.services import preregistration_create

    fields = {
        "organisation_name": f"事前登録株式会社{n}",
        "contact_name": f"担当{n}",
        "email": f"prereg{n}@example.org",
        "title": f"案件{n}",
        "country": "KE",
        "technologies": ["solar_pv"],
        "needs_account": True,
        **extra,
    }
    return preregistration_create(
        actor=None, round=round_, now=jst(f"2024-04-{n + 1:02d}T10:00"), **fields
    )


def test_the_office_lists_pre_registrations_newest_first_with_search(users, first_round) -> None:
    regs = [_prereg(first_round, n) for n in range(1, 4)]
    _request("prereg2@example.org")  # the second asked for an account too
    url = reverse("proposals:preregistrations")
    assert _client(None).get(url).status_code == 302  # to the login page
    for role in ("applicant", "reviewer", "secretariat", "joint_committee", "partner"):
        assert _client(users[role]).get(url).status_code == 404
    office = _client(users["office"])
    page = office.get(url).content.decode()
    positions = [page.index(f'id="prereg-{r.pk}"') for r in regs]
    assert positions == sorted(positions, reverse=True)  # newest first
    row2 = page[page.index(f'id="prereg-{regs[1].pk}"') :].split("</tr>")[0]
    assert "事前登録株式会社2" in row2 and "受付中" in row2  # its account request's status
    found = office.get(url, {"q": "株式会社3"}).content.decode()
    assert f'id="prereg-{regs[2].pk}"' in found and f'id="prereg-{regs[0].pk}"' not in found
    by_mail = office.get(url, {"q": "PREREG1@"}).content.decode()
    assert f'id="prereg-{regs[0].pk}"' in by_mail and f'id="prereg-{regs[1].pk}"' not in by_mail
    by_call = office.get(url, {"call": "jcm-model-project/fy2024"}).content.decode()
    assert all(f'id="prereg-{r.pk}"' in by_call for r in regs)
    none = office.get(url, {"call": "c3p/fy2025"}).content.decode()
    assert 'id="prereg-' not in none
    # malformed input is a search like any other, never a 500; a NUL character is refused
    # with a message by the input guard (issue 12, 6)
    for bad in ({"page": "abc"}, {"q": "x" * 5000}):
        assert office.get(url, bad).status_code == 200
    for bad in ({"q": "a\x00b"}, {"call": "\x00"}):
        answer = office.get(url, bad)
        assert answer.status_code == 400 and "NUL" in answer.content.decode()


def test_pre_registrations_in_admin_for_the_office_only(users, first_round) -> None:
    reg = _prereg(first_round, 1)
    url = reverse("admin:proposals_preregistration_changelist")
    office = _client(users["office"])
    assert reg.organisation_name in office.get(url).content.decode()
    change = reverse("admin:proposals_preregistration_change", args=[reg.pk])
    assert office.get(change).status_code == 200  # read-only view
    office.post(change, {"organisation_name": "changed"})
    reg.refresh_from_db()
    assert reg.organisation_name == "事前登録株式会社1"


def test_a_stored_request_with_an_address_longer_than_a_login_is_refused_with_a_message(
    users,
) -> None:
    """A request stored before the e-mail limit (151+ characters) cannot become a login (the
    column holds 150): issuing it says so instead of failing in the database."""
    address = "a" * 140 + "@example.org"  # 152 characters
    req = AccountRequest.objects.create(
        organisation_name="長いアドレス株式会社",
        organisation_country="JP",
        contact_name="連携 次郎",
        email=address,
    )
    with pytest.raises(ServiceError, match="152 characters long"):
        account_issue(actor=users["office"], request=req)
    req.refresh_from_db()
    assert req.status == AccountRequest.Status.PENDING
    assert not User.objects.filter(email=address).exists()
