"""No amount is paid twice (issue 8, "Bad input and integrity"): two office users record the
payment of the same claim at the same moment; exactly one succeeds and the other is told it was
already paid. The grant's row lock (``core.locked``) makes the second decide on what the first
did: without it, both would see no payment, and the second would crash on the database's
one-to-one constraint instead of being refused with the message. Threads need real row locks, so
this runs on PostgreSQL (the PostgreSQL pass of `make test`); SQLite serialises writers itself.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation
from grantfactories_closing import D, completed, fixed, implementing_grant, inspected, reported
from webfactories import UserFactory, run_at_once

from renkei.accounts.models import Role
from renkei.grants.models import Claim, Grant, Payment
from renkei.grants.services import closing
from renkei.services import ServiceError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]


@pytest.fixture(autouse=True)
def _no_deadlines(monkeypatch):
    monkeypatch.setattr("renkei.grants.services.schedule.refresh_deadlines", lambda grant: None)


def test_two_office_users_pay_the_same_claim_at_once_only_one_succeeds(
    users, first_round, sample_document, settings
) -> None:
    grant = implementing_grant(users, first_round, sample_document, settings)
    completed(grant, users, settings)
    reported(grant, users, settings)
    inspected(grant, users, settings)
    fixed(grant, users, settings)
    settings.RENKEI_DEMO_NOW = "2026-03-25T10:00:00+09:00"
    claim = closing.claim_submit(
        actor=users["applicant"], grant=grant, kind="final", received_on=D("2026-03-20")
    )
    second_office = UserFactory(role=Role.OFFICE, organisation=None, is_staff=True)

    def pay(who):
        with translation.override("en"):  # each thread has its own active language
            return closing.payment_record(
                actor=who, claim=claim, paid_on=D("2026-03-25"), amount_jpy=claim.amount_jpy
            )

    jobs = [lambda who=who: pay(who) for who in (users["office"], second_office)]
    results = run_at_once(jobs)
    paid = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(paid) == 1 and len(refused) == 1
    assert isinstance(refused[0], ServiceError), repr(refused[0])
    assert "already paid" in str(refused[0])
    assert Payment.objects.filter(claim=claim).count() == 1
    assert Grant.objects.get(pk=grant.pk).state == "paid"
    assert Claim.objects.get(pk=claim.pk).payment.amount_jpy == claim.amount_jpy
