"""The demo's monitoring story builds through the services at its story dates, only as far as
the demo's clock has come, and goes on from where an earlier run stopped: at the grant demo's
later moment the sample has a year of meter data, one verified period, one in verification and
its 2026 annual report filed from monitoring."""

from __future__ import annotations

import pytest
from test_grants_demo import _story
from webfactories import UserFactory

from renkei.accounts.models import Organisation, Role
from renkei.audit.models import AuditEvent
from renkei.monitoring.demo import monitoring_story

pytestmark = pytest.mark.django_db


def _tpe():
    org = Organisation.objects.create(name="検証機関(試験)", country="JP", kind="tpe")
    return UserFactory(role=Role.VERIFIER, organisation=org)


def test_the_monitoring_story_follows_the_clock(users, first_round, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    verifier = _tpe()

    def story(a):
        return monitoring_story(
            grant=a,
            applicant=users["applicant"],
            office=users["office"],
            verifier=verifier,
            tpe=verifier.organisation,
        )

    settings.RENKEI_DEMO_NOW = "2026-05-01T10:00:00+09:00"  # paid, before the plan
    a, _b = _story(users, first_round)
    assert story(a) is None and not hasattr(a, "monitoring_plan")

    settings.RENKEI_DEMO_NOW = "2026-09-20T10:00:00+09:00"  # period 1 returned with a finding
    a, _b = _story(users, first_round)
    plan = story(a)
    assert plan.methodology_id == "KE_AM002"
    first = plan.periods.get()
    assert first.state == "returned" and first.findings.get().status == "open"
    assert first.emission_reductions_tco2 > 0

    settings.RENKEI_DEMO_NOW = "2027-02-01T10:00:00+09:00"
    a, _b = _story(users, first_round)
    plan = story(a)
    assert plan.uploads.filter(status="done").count() == 2
    one, two = plan.periods.order_by("start")
    assert one.state == "verified" and two.state == "in_verification"
    assert one.verification.verified_tco2 == one.emission_reductions_tco2
    assert two.assignment.tpe == verifier.organisation
    report = a.annual_reports.get()
    assert report.period_end.isoformat() == "2026-12-31" and report.reductions_tco2 > 0
    before = AuditEvent.objects.count()
    assert story(a).pk == plan.pk  # idempotent
    assert AuditEvent.objects.count() == before

    settings.RENKEI_DEMO_NOW = "2027-03-15T10:00:00+09:00"  # period 2 verified (for credits)
    a, _b = _story(users, first_round)
    plan = story(a)
    one, two = plan.periods.order_by("start")
    assert one.state == "verified" and two.state == "verified"
    assert two.verification.verified_tco2 == two.emission_reductions_tco2
    assert str(two.verification.verified_on) == "2027-03-10"
