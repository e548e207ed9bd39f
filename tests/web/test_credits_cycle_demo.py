"""The demo's cycle steps (``renkei.credits.demo_cycle``) on this part's fixtures: they follow the
demo's clock through the services, go on from where an earlier run stopped, and a further run
changes nothing."""

from __future__ import annotations

import pytest
from creditsfactories_cycle import monitored

from renkei.audit.models import AuditEvent
from renkei.credits.demo_cycle import REFERENCE, cycle_story

pytestmark = pytest.mark.django_db


def test_the_cycle_story_follows_the_clock(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    plan, who = monitored()

    def story():
        return cycle_story(
            plan=plan,
            applicant=who.filer,
            office=who.office,
            verifier=who.verifier,
            tpe=who.tpe,
            joint_committee=who.jc,
        )

    settings.RENKEI_DEMO_NOW = "2026-05-01T10:00:00+09:00"  # before the story
    assert story() is None and not hasattr(plan, "jcm_project")

    settings.RENKEI_DEMO_NOW = "2026-06-16T10:00:00+09:00"  # in validation, a CL open
    project = story()
    assert project.state == "in_validation"
    assert project.validation_findings.get().status == "open"
    agreement = project.agreements.get()
    shares = {s.key: s.percent for s in agreement.shares.all()}
    assert shares["goj"] == 50 and sum(shares.values()) == 100 and len(shares) == 3

    settings.RENKEI_DEMO_NOW = "2026-09-01T10:00:00+09:00"
    project = story()
    assert (project.state, project.reference, project.registered_on.isoformat()) == (
        "registered",
        REFERENCE,
        "2026-08-24",
    )
    assert project.validation_report.validated_on.isoformat() == "2026-07-06"
    assert project.registration_requests.get().requested_on.isoformat() == "2026-07-13"
    before = AuditEvent.objects.count()
    assert story().pk == project.pk  # idempotent
    assert AuditEvent.objects.count() == before
