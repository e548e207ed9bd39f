"""Decisions and requests at the same moment (issue 10, "Concurrency"): two decisions on one
request (issue and issue, issue and refuse) yield one decision and a clear refusal, never two
issuances nor an issued request marked refused; two requests for the same period yield one.
Threads need real row locks, so this runs on PostgreSQL, as tests/web/test_concurrent_submit.py
does (SQLite serialises writers on its own and has no row locks to test).

Each service locks the project's row, then the request's, and reads the state after the lock;
without ``select_for_update`` both threads read "submitted" and both decide (the tests widen
the window between the state check and the write so the race shows every time)."""

from __future__ import annotations

import time

import pytest
from creditsfactories_issuance import NOW, issuance_project
from django.db import connection
from webfactories import run_at_once

from renkei.credits.models import Issuance, IssuanceRequest, IssuanceRequestPeriod, RequestState
from renkei.credits.services import issuance as services
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


@pytest.fixture
def x(settings, monkeypatch):
    settings.RENKEI_DEMO_NOW = NOW
    found = issuance_project()
    who = found["cast"]
    req = services.issuance_request_create(
        actor=who.filer, project=found["project"], periods=found["periods"]
    )
    found["request"] = services.issuance_request_submit(actor=who.filer, request=req)
    slow = services._agreement_in_force

    def widened(project):  # after the state check, before any write
        time.sleep(0.3)
        return slow(project)

    monkeypatch.setattr(services, "_agreement_in_force", widened)
    return found


def test_two_issuances_at_once_issue_once(x) -> None:
    jc, req = x["cast"].jc, x["request"]
    results = run_at_once(
        [
            lambda: _english(services.issuance_request_approve, actor=jc, request=req)
            for _ in range(2)
        ]
    )
    issued = [r for r in results if isinstance(r, Issuance)]
    assert len(issued) == 1, results
    refused = [r for r in results if not isinstance(r, Issuance)]
    assert all(isinstance(r, ServiceError) and "not possible" in str(r) for r in refused), refused
    assert Issuance.objects.count() == 1
    assert IssuanceRequest.objects.get(pk=req.pk).state == RequestState.APPROVED


def test_an_issuance_and_a_refusal_at_once_decide_once(x) -> None:
    jc, req = x["cast"].jc, x["request"]
    results = run_at_once(
        [
            lambda: _english(services.issuance_request_approve, actor=jc, request=req),
            lambda: _english(
                services.issuance_request_refuse, actor=jc, request=req, reason="Incomplete."
            ),
        ]
    )
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 1, results
    state = IssuanceRequest.objects.get(pk=req.pk).state
    active = IssuanceRequestPeriod.objects.filter(request=req, active=True).count()
    if state == RequestState.APPROVED:
        assert Issuance.objects.count() == 1 and active == 2
    else:
        assert state == RequestState.REJECTED
        assert not Issuance.objects.exists() and active == 0


def test_two_requests_for_one_period_at_once_yield_one(x) -> None:
    who = x["cast"]
    # the first request is withdrawn: its periods are free for the two racing drafts
    services.issuance_request_withdraw(actor=who.filer, request=x["request"])
    period = x["periods"][0]
    results = run_at_once(
        [
            lambda: _english(
                services.issuance_request_create,
                actor=who.filer,
                project=x["project"],
                periods=[period],
            )
            for _ in range(2)
        ]
    )
    made = [r for r in results if isinstance(r, IssuanceRequest)]
    assert len(made) == 1, results
    assert all(isinstance(r, ServiceError) for r in results if r not in made), results
    assert IssuanceRequestPeriod.objects.filter(period=period, active=True).count() == 1
