"""The demo's grant story builds through the services at its story dates, only as far as the
demo's clock has come, and a later clock goes on from where an earlier run stopped."""

from __future__ import annotations

import pytest
from webfactories import JST, ROOT, UserFactory

from renkei.accounts.models import Role
from renkei.audit.models import AuditEvent
from renkei.grants.demo import grant_story
from renkei.grants.models import Grant, GrantDeadline, GrantState

pytestmark = pytest.mark.django_db


def _story(users, first_round):
    return grant_story(
        round_=first_round,
        applicant=users["applicant"],
        office=users["office"],
        reviewers=[users["reviewer"], UserFactory(role=Role.REVIEWER, organisation=None)],
        secretariat=users["secretariat"],
        joint_committee=users["joint_committee"],
        partner=users["partner"],
        examples=ROOT / "examples",
    )


def test_the_grant_story_follows_the_clock(users, first_round, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-06-01T10:00:00+09:00"
    assert _story(users, first_round) == []
    assert not Grant.objects.exists()

    settings.RENKEI_DEMO_NOW = "2024-06-20T10:00:00+09:00"  # the default demo moment
    a, b = _story(users, first_round)
    assert a.state == GrantState.UNDER_REVIEW  # the office's to accept and decide
    assert b.state == GrantState.DRAFTING  # the representative's to submit
    assert {e.at.astimezone(JST).date().isoformat() for e in AuditEvent.objects.all()} <= {
        f"2024-{d}"
        for d in (
            "05-10",
            "05-14",
            "05-15",
            "05-20",
            "05-21",
            "06-03",
            "06-04",
            "06-05",
            "06-06",
            "06-10",
            "06-12",
            "06-14",
            "06-18",
        )
    }

    settings.RENKEI_DEMO_NOW = "2027-02-01T10:00:00+09:00"  # years later: goes on
    a, b = _story(users, first_round)
    assert a.state == GrantState.PAID
    assert a.amount_fixing.amount_jpy > 0 and a.claims.count() == 2
    # the annual report is filed from monitoring by the monitoring story (test_monitoring_demo)
    assert a.annual_reports.count() == 0 and a.property_items.count() == 4
    assert b.state == GrantState.IMPLEMENTING and b.application.prechecks.count() == 1
    # B is late: its completion is overdue and shows as an open due date in the past
    late = GrantDeadline.objects.get(grant=b, key="completion")
    assert late.done_at is None and late.due_on.isoformat() < "2027-02-01"
    assert max(e.at for e in AuditEvent.objects.all()).astimezone(JST).year <= 2027
    before = AuditEvent.objects.count()
    assert [g.pk for g in _story(users, first_round)] == [a.pk, b.pk]  # idempotent
    assert AuditEvent.objects.count() == before
