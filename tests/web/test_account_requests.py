"""The office's page for account requests (5.(1)②③): issue with an emailed login link, or refuse
with a reason; only the office sees it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import AccountRequest, User
from renkei.accounts.services import account_request_create
from renkei.audit.services import audit_trail

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
