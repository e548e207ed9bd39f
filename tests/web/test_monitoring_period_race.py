"""Periods created or corrected at the same moment (issue 9, "Bad input and integrity"): two
overlapping periods of one plan created at once yield one period and one refusal; two
corrections of one verified period yield one new version. Threads need real row locks, so this
runs on PostgreSQL, as tests/web/test_concurrent_submit.py does (SQLite serialises writers on its
own and has no row locks to test)."""

from __future__ import annotations

import pytest
from django.db import connection
from monitoringfactories import cast, operating_grant, plan_for
from monitoringfactories_period import D, period_data, put
from webfactories import run_at_once

from renkei.monitoring.models import MonitoringPeriod
from renkei.monitoring.services import period as services
from renkei.services import ServiceError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]


def _english(service, **kwargs):
    from django.utils import translation

    with translation.override("en"):  # each thread has its own language
        return service(**kwargs)


def test_overlapping_periods_created_at_once_yield_one(monkeypatch) -> None:
    grant = operating_grant()
    plan, people = plan_for(grant), cast(grant)
    ranges = [
        ("2025-04-01", "2025-09-30"),
        ("2025-06-01", "2025-12-31"),
        ("2025-09-30", "2026-03-31"),
    ]
    results = run_at_once(
        [
            lambda s=s, e=e: _english(
                services.period_create, actor=people.filer, plan=plan, start=D(s), end=D(e)
            )
            for s, e in ranges
        ]
    )
    made = [r for r in results if isinstance(r, MonitoringPeriod)]
    assert len(made) == 1, results
    refused = [r for r in results if not isinstance(r, MonitoringPeriod)]
    assert all(isinstance(r, ServiceError) and "overlaps" in str(r) for r in refused), refused
    assert MonitoringPeriod.objects.filter(plan=plan).count() == 1


def test_two_corrections_at_once_yield_one_version(monkeypatch) -> None:
    monkeypatch.setattr(services, "_period_data", period_data())
    grant = operating_grant()
    plan, people = plan_for(grant), cast(grant)
    period = services.period_create(
        actor=people.filer, plan=plan, start=D("2025-04-01"), end=D("2025-09-30")
    )
    period = put(services.period_compute(actor=people.filer, period=period), "verified")
    results = run_at_once(
        [
            lambda n=n: services.period_correct(actor=people.filer, period=period, reason=f"r{n}")
            for n in range(3)
        ]
    )
    made = [r for r in results if isinstance(r, MonitoringPeriod)]
    assert len(made) == 1, results
    assert MonitoringPeriod.objects.filter(plan=plan, version=2).count() == 1
    assert MonitoringPeriod.objects.filter(plan=plan).count() == 2
