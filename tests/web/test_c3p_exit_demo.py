"""The demo's C3P exit story builds through the services at its story dates, only as far as the
demo's clock has come, goes on from where an earlier run stopped, and makes nothing twice: a Table 8
exit considered then applied for, and the linked JCM proposal started and left as a draft."""

from __future__ import annotations

import pytest
from c3pfactories_exit import exit_world, jcm_round

from renkei.audit.models import AuditEvent
from renkei.c3p.demo_exit import c3p_exit_story
from renkei.c3p.models import C3pExit
from renkei.proposals.models import Proposal

pytestmark = pytest.mark.django_db


def test_the_exit_story_follows_the_clock_and_is_idempotent(settings) -> None:
    w = exit_world(settings)  # the clock at 2025-02-20

    def story(**kw):
        return c3p_exit_story(project=w.project, lead=w.people.lead, office=w.people.office, **kw)

    assert story() is None  # before the story starts

    settings.RENKEI_DEMO_NOW = "2026-03-01T10:00:00+09:00"
    done = story()
    assert done.scheme.scheme_id == "jica_partnership" and done.scheme.status == "applied"
    assert done.scheme.link.startswith("https://www.jica.go.jp/")
    assert done.jcm is None and done.waiting == ""

    settings.RENKEI_DEMO_NOW = "2026-07-01T10:00:00+09:00"
    done = story()  # no JCM round open on 2026-06-25: the step waits, and says so
    assert done.jcm is None and "no round" in done.waiting

    fy2026 = jcm_round(code="fy2026", deadline="2026-07-31T12:00")
    done = story(jcm_round=fy2026)
    proposal = done.jcm.proposal
    assert proposal.state == "draft" and proposal.c3p_origin_id == w.project.pk
    assert proposal.organisation_id == w.people.lead.organisation_id
    assert proposal.document["sites"][0]["technologies"][0]["technology"] == "heat_pump"
    assert proposal.created_at.isoformat().startswith("2026-06-25")

    events = AuditEvent.objects.count()
    again = story(jcm_round=fy2026)
    assert again.jcm.pk == done.jcm.pk and again.scheme.pk == done.scheme.pk
    assert AuditEvent.objects.count() == events
    assert C3pExit.objects.count() == 2
    assert Proposal.objects.filter(c3p_origin=w.project).count() == 1
