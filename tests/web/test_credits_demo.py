"""The demo's credits story (issue 10: "demo data (a project registered with two issuances
delivered)") builds on the monitoring story through the services at its dates, only as far as
the demo's clock has come: by 2027-06-01 the sample is registered, both verified periods are
issued, recorded in the registry and the Japanese participant's credits delivered to the
Government of Japan's account; the ledger reconciles and a further run changes nothing."""

from __future__ import annotations

import pytest
from test_grants_demo import _story
from test_monitoring_demo import _tpe
from webfactories import UserFactory

from renkei.accounts.models import Role
from renkei.audit.models import AuditEvent
from renkei.credits.demo import CREDITS_DEMO_NOW, credits_story
from renkei.credits.models import Account, AccountKind, Block
from renkei.credits.services.registry import reconcile
from renkei.monitoring.demo import monitoring_story

pytestmark = pytest.mark.django_db


def _people():
    verifier = _tpe()
    jc = UserFactory(role=Role.JOINT_COMMITTEE, organisation=None, country="KE")
    registry = UserFactory(role=Role.REGISTRY, organisation=None)
    return verifier, jc, registry


def _teller(users, first_round, verifier, jc, registry):
    def story():
        a, _b = _story(users, first_round)
        plan = monitoring_story(
            grant=a,
            applicant=users["applicant"],
            office=users["office"],
            verifier=verifier,
            tpe=verifier.organisation,
        )
        return credits_story(
            plan=plan,
            applicant=users["applicant"],
            office=users["office"],
            verifier=verifier,
            tpe=verifier.organisation,
            joint_committee=jc,
            registry=registry,
        )

    return story


def test_the_credits_story_follows_the_clock(users, first_round, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    story = _teller(users, first_round, *_people())

    settings.RENKEI_DEMO_NOW = "2026-12-01T10:00:00+09:00"  # registered, period 1 issued
    project = story()
    assert project.state == "registered" and project.reference
    issuance = project.issuance_requests.get().issuance
    assert issuance.recorded_at is None  # the registry records it on 2026-12-07

    settings.RENKEI_DEMO_NOW = CREDITS_DEMO_NOW
    project = story()
    one, two = (r.issuance for r in project.issuance_requests.order_by("pk"))
    periods = project.plan.periods.order_by("start")
    assert [i.issued_tco2 for i in (one, two)] == [p.verification.verified_tco2 for p in periods]
    assert one.recorded_at and two.recorded_at
    assert [r.periods.count() for r in project.issuance_requests.order_by("pk")] == [1, 1]
    for issuance in (one, two):
        blocks = Block.objects.filter(issuance=issuance)
        assert sum(b.quantity for b in blocks) == issuance.issued_tco2
        # nothing left in a Japanese holding account: delivered to the Government of Japan
        assert not blocks.filter(account__registry="JP", account__kind=AccountKind.HOLDING)
    goj = Account.objects.get(registry="JP", kind=AccountKind.GOVERNMENT, holder=None)
    held = sum(b.quantity for b in Block.objects.filter(account=goj))
    assert held >= -(-(one.issued_tco2 + two.issued_tco2) // 2)  # at least the GoJ's 50 %
    assert reconcile().ok
    before = AuditEvent.objects.count()
    assert story().pk == project.pk  # idempotent
    assert AuditEvent.objects.count() == before


def test_a_first_run_at_the_credits_moment_requests_each_period_at_its_own_date(
    users, first_round, settings, tmp_path
) -> None:
    """`make demo DEMO_NOW=2027-06-01…` on a new database: the monitoring story verifies both
    periods before the credits story starts; its first request (2026-11-02) still covers only
    the period verified by then, and the second the other."""
    settings.MEDIA_ROOT = str(tmp_path)
    story = _teller(users, first_round, *_people())
    settings.RENKEI_DEMO_NOW = CREDITS_DEMO_NOW
    project = story()
    requests = list(project.issuance_requests.order_by("pk"))
    assert [r.state for r in requests] == ["approved", "approved"]
    assert [[p.period.start.isoformat() for p in r.periods.all()] for r in requests] == [
        ["2026-02-16"],
        ["2026-09-01"],
    ]
    assert all(r.issuance.recorded_at for r in requests)
