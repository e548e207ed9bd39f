"""The demo's issuance steps (issue 10) on the part's fixtures: the filer requests issuance for
the verified periods, the Joint Committee issues; each step only once the demo's clock has
reached its moment, and a second run changes nothing."""

from __future__ import annotations

import pytest
from creditsfactories_issuance import issuance_project

from renkei.audit.models import AuditEvent
from renkei.credits.demo_issuance import decide_issuance, issuance_story, request_issuance
from renkei.credits.models import Issuance, IssuanceRequest, RequestState

pytestmark = pytest.mark.django_db


def test_the_steps_follow_the_clock_and_run_once(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2026-09-01T10:00:00+09:00"
    x = issuance_project()
    who = x["cast"]

    def story():
        return issuance_story(
            x["project"],
            who.filer,
            who.jc,
            request_at="2026-09-10T10:00",
            decide_at="2026-10-15T10:00",
        )

    assert story() is None and not IssuanceRequest.objects.exists()  # before the request

    settings.RENKEI_DEMO_NOW = "2026-09-20T10:00:00+09:00"
    assert story() is None  # requested, not yet decided
    req = IssuanceRequest.objects.get()
    assert req.state == RequestState.SUBMITTED and req.periods.count() == 2
    assert req.submitted_at.isoformat().startswith("2026-09-10T01:00")  # as of its moment

    settings.RENKEI_DEMO_NOW = "2026-11-01T10:00:00+09:00"
    issuance = story()
    assert issuance.issued_tco2 == 160 and str(issuance.decided_on) == "2026-10-15"
    events = AuditEvent.objects.count()
    assert story() == issuance  # idempotent
    assert AuditEvent.objects.count() == events and Issuance.objects.count() == 1


def test_a_step_without_a_moment_runs_now(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2026-09-15T10:00:00+09:00"
    x = issuance_project()
    who = x["cast"]
    req = request_issuance(x["project"], who.filer)
    assert decide_issuance(req, who.jc).issued_tco2 == 160
    assert request_issuance(x["project"], who.filer) == req  # the decided request, as it is


def test_nothing_verified_requests_nothing(settings) -> None:
    from creditsfactories_issuance import people, registered_project
    from monitoringfactories_annual import operating_grant, plan_for

    settings.RENKEI_DEMO_NOW = "2026-09-15T10:00:00+09:00"
    grant = operating_grant()
    project = registered_project(plan_for(grant))
    who = people(grant)
    assert issuance_story(project, who.filer, who.jc) is None
    assert not IssuanceRequest.objects.exists()
