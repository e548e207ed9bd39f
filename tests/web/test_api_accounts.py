"""Account requests in the API follow the consent flow of ``renkei.accounts.services`` (issue 12,
point 1): a request naming an existing organisation never joins it silently. The office sees the
matching organisations (members, proposals) in the request's body, as on the page, and chooses a
new, separate organisation, the organisation's consent, or an attach by a recorded decision; a
member approves or declines."""

from __future__ import annotations

import pytest
from django.core import mail
from test_api import body, client_for, error, post_json

from renkei.accounts.models import AccountRequest, MembershipConsent, Organisation, User
from renkei.accounts.services import account_request_create
from renkei.audit.models import AuditEvent
from renkei.proposals import services as proposals

pytestmark = pytest.mark.django_db


@pytest.fixture
def joining(users, first_round):
    """A request naming the applicant's organisation (written differently: spaces, legal form
    after the name), which has a draft proposal."""
    org = users["applicant"].organisation
    proposals.proposal_create(actor=users["applicant"], round=first_round, title="茶", country="KE")
    return account_request_create(
        actor=None,
        organisation_name=f" {org.name.replace('株式会社', '')} 株式会社 ",
        organisation_country="JP",
        contact_name="Joiner",
        email="joiner@example.org",
    )


def _row(office, pk: int) -> dict:
    (row,) = [r for r in body(office.get("/api/account-requests")) if r["id"] == pk]
    return row


def test_the_request_shows_the_matching_organisation_and_issue_is_refused(users, joining) -> None:
    office = client_for(users["office"])
    org = users["applicant"].organisation
    row = _row(office, joining.pk)
    (match,) = row["matches"]
    assert (match["id"], match["name"], match["country"]) == (org.pk, org.name, "JP")
    assert [m["email"] for m in match["members"]] == [users["applicant"].email]
    assert [p["title"] for p in match["proposals"]] == ["茶"] and match["seen"]
    refused = error(office.post(f"/api/account-requests/{joining.pk}/issue"), 422)
    assert "similar name already exists" in refused["detail"] and org.name in refused["detail"]
    assert not User.objects.filter(username="joiner@example.org").exists()
    assert AccountRequest.objects.get(pk=joining.pk).status == "pending"


def test_the_members_consent_decline_then_approve(
    users, joining, django_capture_on_commit_callbacks
) -> None:
    office, member = client_for(users["office"]), client_for(users["applicant"])
    org = users["applicant"].organisation
    ask = f"/api/account-requests/{joining.pk}/ask-consent"
    error(post_json(office, ask, {"organisation_id": 999_999}), 422)  # no such organisation
    with django_capture_on_commit_callbacks(execute=True):
        asked = body(post_json(office, ask, {"organisation_id": org.pk}))
    assert asked["status"] == "awaiting_consent"
    (consent,) = asked["consents"]
    assert consent["decision"] == "pending" and consent["organisation_id"] == org.pk
    assert users["applicant"].email in [m.to[0] for m in mail.outbox]  # the member is asked
    url = f"/api/membership-consents/{consent['id']}"
    for role in ("other_applicant", "office", "partner"):
        error(client_for(users[role]).get(url), 404)
    shown = body(member.get(url))
    assert (shown["email"], shown["your_proposals"]) == ("joiner@example.org", ["茶"])
    with django_capture_on_commit_callbacks(execute=True):
        declined = post_json(member, url + "/decide", {"decision": "decline", "reason": "who?"})
    assert body(declined)["decision"] == "declined"
    assert _row(office, joining.pk)["status"] == "pending"  # back with the office
    again = error(post_json(member, url + "/decide", {"decision": "approve"}), 422)
    assert "already been answered" in again["detail"]
    error(post_json(member, url + "/decide", {"decision": "maybe"}), 422)
    second = body(post_json(office, ask, {"organisation_id": org.pk}))["consents"][0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approved = post_json(
            member, f"/api/membership-consents/{second['id']}/decide", {"decision": "approve"}
        )
    assert body(approved)["decision"] == "approved"
    user = User.objects.get(username="joiner@example.org")
    assert user.organisation_id == org.pk
    assert [m.to for m in mail.outbox] == [["joiner@example.org"]]  # the login link
    issued = _row(office, joining.pk)
    assert issued["status"] == "issued" and issued["matches"] == []


def test_attach_by_office_decision_needs_a_reason_and_what_was_shown(
    users, joining, first_round
) -> None:
    office = client_for(users["office"])
    org = users["applicant"].organisation
    seen = _row(office, joining.pk)["matches"][0]["seen"]
    url = f"/api/account-requests/{joining.pk}/attach"
    no_reason = post_json(office, url, {"organisation_id": org.pk, "reason": " ", "seen": seen})
    assert error(no_reason, 422)["errors"][0].startswith("body.reason")
    # the organisation changed after the office read it: decide again with it in view
    proposals.proposal_create(actor=users["applicant"], round=first_round, title="新", country="KE")
    stale = post_json(office, url, {"organisation_id": org.pk, "reason": "phoned", "seen": seen})
    assert "changed since the page was shown" in error(stale, 422)["detail"]
    fresh = _row(office, joining.pk)["matches"][0]["seen"]
    assert fresh != seen
    done = body(
        post_json(
            office, url, {"organisation_id": org.pk, "reason": "confirmed by phone", "seen": fresh}
        )
    )
    assert done["status"] == "issued"
    assert User.objects.get(username="joiner@example.org").organisation_id == org.pk
    event = AuditEvent.objects.get(action="account_issue")
    assert event.payload["office_decision"] == "confirmed by phone"
    assert [p["title"] for p in event.payload["shown"]["proposals"]] == ["茶", "新"]


def test_issue_to_a_new_separate_organisation(users, joining) -> None:
    office = client_for(users["office"])
    org = users["applicant"].organisation
    url = f"/api/account-requests/{joining.pk}/issue-separate"
    same = error(post_json(office, url, {"organisation_name": org.name}), 422)
    assert "already exists in JP" in same["detail"]
    error(post_json(office, url, {"organisation_name": "x" * 201}), 422)
    issued = body(post_json(office, url, {"organisation_name": f"{org.name} 大阪支店"}))
    assert issued["status"] == "issued"
    user = User.objects.get(username="joiner@example.org")
    assert user.organisation_id != org.pk
    assert user.organisation.name == f"{org.name} 大阪支店"
    assert Organisation.objects.filter(name=org.name).count() == 1
    event = AuditEvent.objects.get(action="account_issue")
    assert event.payload["separate_from_similar"] is True
    assert not MembershipConsent.objects.exists()


def test_a_refusal_reason_is_bounded_and_stripped(users, joining) -> None:
    """``Annotated[str, text(2000)]`` ignored the bounds of ``text`` (a nested Annotated is
    metadata, not a type): a reason of any length or only blanks reached the service."""
    office = client_for(users["office"])
    url = f"/api/account-requests/{joining.pk}/reject"
    too_long = error(post_json(office, url, {"reason": "x" * 2001}), 422)
    assert too_long["errors"][0].startswith("body.reason")
    blank = error(post_json(office, url, {"reason": "   "}), 422)
    assert blank["errors"][0].startswith("body.reason")
    assert AccountRequest.objects.get(pk=joining.pk).status == "pending"


def test_an_account_is_requested_through_the_api_as_on_the_public_page(users) -> None:
    """The address becomes the login, so it is at most EMAIL_MAX characters (the page's limit);
    the answer tells nothing about the organisation or the address."""
    from renkei.accounts.services import EMAIL_MAX

    client = client_for(None)
    org = users["applicant"].organisation
    data = {"organisation_name": org.name, "contact_name": "Joiner", "email": "a@example.org"}
    long = "a" * (EMAIL_MAX - len("@example.org") + 1) + "@example.org"
    too_long = error(post_json(client, "/api/account-requests", {**data, "email": long}), 422)
    assert too_long["errors"][0].startswith("body.email")
    assert f"at most {EMAIL_MAX}" in too_long["errors"][0]
    bad = error(post_json(client, "/api/account-requests", {**data, "email": "no"}), 422)
    assert "not a valid email" in bad["errors"][0]
    error(post_json(client, "/api/account-requests", {**data, "organisation_country": "J"}), 422)
    assert not AccountRequest.objects.exists()
    received = body(post_json(client, "/api/account-requests", {**data, "email": long[1:]}))
    assert set(received) == {"requested_at", "status"} and received["status"] == "pending"
    (req,) = AccountRequest.objects.all()
    assert (req.email, req.organisation_country, req.status) == (long[1:], "JP", "pending")
    # the office sees it with the organisation it names; nothing was joined
    (row,) = body(client_for(users["office"]).get("/api/account-requests"))
    assert [m["id"] for m in row["matches"]] == [org.pk]
    assert not User.objects.filter(username=long[1:]).exists()
