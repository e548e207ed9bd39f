"""Two office users deciding the same grant at once (issue 8, 'Bad input and integrity'): one
decision is made, the other is refused with a message — not a database error — because the
service decides on the grant's row locked (``core.locked``) and finds it decided. Threads need
real row locks, so this runs on PostgreSQL (`make test` runs it in its PostgreSQL pass); SQLite
serialises writers on its own and has no row locks to test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from grantfactories import (
    accepted_application,
    adopted_selection,
    no_deadline_refresh,  # noqa: F401 (fixture)
    now,
    opened_grant,
)
from webfactories import UserFactory, run_at_once

from renkei.accounts.models import Role
from renkei.grants.models import Allocation, GrantDecision
from renkei.grants.services import award
from renkei.services import ServiceError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_deadline_refresh"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]


def test_two_office_users_cannot_both_decide_the_same_grant(
    users, first_round, sample_document, settings
) -> None:
    rep, office = users["applicant"], users["office"]
    second = UserFactory(role=Role.OFFICE, organisation=None, is_staff=True)
    selection = adopted_selection(rep, office, first_round, sample_document)
    grant = accepted_application(opened_grant(selection, rep, settings), rep, office, settings)
    now(settings, "2024-08-20T10:00")

    def deciding(user, amount):
        return lambda: award.grant_decide(
            actor=user,
            grant=grant,
            decided_on=dt.date(2024, 8, 20),
            amount_jpy=amount,
            rate=Decimal("0.5"),
            completion_due=dt.date(2026, 1, 30),
        )

    results = run_at_once([deciding(office, 90_000_000), deciding(second, 80_000_000)])
    made = [r for r in results if isinstance(r, GrantDecision)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(made) == 1 and len(refused) == 1, results
    # a refusal the person can read, not the database's unique-constraint error
    assert isinstance(refused[0], ServiceError), repr(refused[0])
    assert GrantDecision.objects.count() == 1
    assert Allocation.objects.filter(grant=grant, superseded_at__isnull=True).count() == 1
    assert Allocation.objects.get(grant=grant).amount_jpy == made[0].amount_jpy
