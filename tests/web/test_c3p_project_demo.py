"""The demo's C3P project story builds through the services at its story dates, only as far as the
demo's clock has come, and goes on from where an earlier run stopped: by 2026-07-01 the sample
project is in its second year, year 1 closed and settled, year 2 contracted."""

from __future__ import annotations

import pytest
from c3pfactories_project import adopted_proposal, cast

from renkei.audit.models import AuditEvent
from renkei.c3p.demo_project import c3p_project_story

pytestmark = pytest.mark.django_db


def test_the_c3p_project_story_follows_the_clock(settings) -> None:
    people = cast()
    proposal = adopted_proposal(people, settings)  # adopted as of 2025-02-20

    def story():
        return c3p_project_story(proposal=proposal, office=people.office, lead=people.lead)

    assert story() is None  # before the story starts

    settings.RENKEI_DEMO_NOW = "2025-08-01T10:00:00+09:00"
    project = story()
    year = project.years.get()
    assert (year.fiscal_year, year.state) == (2025, "contracted")
    assert year.contract_amount_jpy == year.requested_jpy * 95 // 100
    assert year.reduction_reason and year.activities.count() == 1  # the kick-off only

    settings.RENKEI_DEMO_NOW = "2026-07-01T10:00:00+09:00"
    project = story()
    one, two = project.years.order_by("fiscal_year")
    assert one.state == "closed" and one.settlements.count() == 2
    assert one.settlements.get(kind="final").lines.count() == 5
    assert one.activities.count() == 4 and len(one.deliverables) == 3
    assert (two.fiscal_year, two.phase, two.year_in_phase, two.state) == (2026, 1, 2, "contracted")
    assert two.contract_amount_jpy == 18_700_000
    assert any(f["code"] == "c3pproject.note.rulebook_carried" for f in two.contract_findings)
    assert project.ended_at is None
    before = AuditEvent.objects.count()
    assert story().pk == project.pk  # idempotent
    assert AuditEvent.objects.count() == before
