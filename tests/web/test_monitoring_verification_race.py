"""Two verifications of the same period at once cannot both succeed (issue 9, "Bad input and
integrity"): two verifiers of the assigned TPE issue the verification at the same moment;
exactly one succeeds and the other is told the period is verified (its amount fixed). The
period's row lock (``locked_period``) makes the second decide on what the first did: without
it, both would see the period in verification, and the second would crash on the database's
one-to-one constraint instead of being refused with the message. Threads need real row locks,
so this runs on PostgreSQL (the PostgreSQL pass of `make test`); SQLite serialises writers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import translation
from grantfactories_schedule import person
from monitoringfactories_verification import NOW, assigned, project
from webfactories import run_at_once

from renkei.accounts.models import Role
from renkei.monitoring.models import MonitoringPeriod, Verification
from renkei.monitoring.services import verification as v
from renkei.services import ServiceError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]


def test_two_verifiers_issue_the_same_periods_verification_at_once_only_one_succeeds(
    settings,
) -> None:
    settings.RENKEI_DEMO_NOW = NOW
    _plan, who, period = project()
    assigned(period, who)
    second = person(Role.VERIFIER, who.tpe)
    v.verification_start(actor=who.verifier, period=period)

    def issue(actor, tonnes):
        with translation.override("en"):
            return v.verification_issue(
                actor=actor,
                period=period,
                verified_tco2=tonnes,
                verified_on=dt.date(2026, 6, 15),
                statement=f"by {actor.username}",
            )

    results = run_at_once([lambda: issue(who.verifier, 120), lambda: issue(second, 100)])
    issued = [r for r in results if isinstance(r, Verification)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(issued) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], ServiceError), repr(refused[0])
    assert "is verified" in str(refused[0])
    assert Verification.objects.filter(period=period).count() == 1
    assert Verification.objects.get(period=period).verified_tco2 == issued[0].verified_tco2
    assert MonitoringPeriod.objects.get(pk=period.pk).state == "verified"
