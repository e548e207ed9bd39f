"""The demo's C3P story (issue 11): two sample C3P proposals adopted through the platform's path
(submitted, screened, scored, adopted), the new one linked to the sample city partnership; by
2026-07-01 one project is in its second year (year 1 closed and settled, year 2 contracted) and
the continuing one has moved from phase 1's third year into phase 2 with its novelty."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from renkei.adoption.models import Selection, SelectionState
from renkei.audit.models import AuditEvent
from renkei.c3p.models import C3pProject
from renkei.proposals.models import Proposal

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = io.StringIO()
    call_command("renkei_demo", stdout=out)
    return out.getvalue()


def test_before_the_adoption_there_is_no_c3p_project(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"  # C3P_DEMO_NOW: drafts only
    text = _run()
    assert not C3pProject.objects.exists()
    assert not Selection.objects.filter(proposal__call__program="c3p").exists()
    assert "DEMO_NOW=2026-07-01T10:00:00+09:00" in text


def test_the_demo_adopts_two_c3p_proposals_and_runs_their_projects(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2026-07-01T10:00:00+09:00"
    text = _run()
    adopted = Selection.objects.filter(
        proposal__call__program="c3p", state=SelectionState.ADOPTED
    ).order_by("proposal__pk")
    assert adopted.count() == 2
    new, continuing = (s.proposal for s in adopted)
    assert new.sample and continuing.sample
    partnership = new.c3p_partnership
    assert partnership is not None and partnership.japanese_city.name == "サンプル市"
    link = new.c3p_partnership_link  # asked by the lead, confirmed by the municipality
    assert (link.state, link.requested_by.username, link.decided_by.username) == (
        "confirmed",
        "applicant",
        "municipality",
    )
    assert new.review_assignments.filter(submitted_at__isnull=False).count() == 2

    one, two = C3pProject.objects.get(proposal=new).years.order_by("fiscal_year")
    assert (one.state, one.settlements.count()) == ("closed", 2)
    assert (two.fiscal_year, two.phase, two.year_in_phase, two.state) == (
        2026,
        1,
        2,
        "contracted",
    )
    p1, p2 = C3pProject.objects.get(proposal=continuing).years.order_by("fiscal_year")
    assert (p1.phase, p1.year_in_phase, p1.state) == (1, 3, "closed")
    assert (p2.fiscal_year, p2.phase, p2.year_in_phase, p2.state) == (2026, 2, 1, "contracted")
    assert p2.novelty.startswith("(サンプル)")
    assert "C3P project samples" in text and "phase 2 year 1" in text
    assert len(text.splitlines()) <= 20, text  # the demo's limit, at this moment too

    counts = (Proposal.objects.count(), AuditEvent.objects.count())
    _run()  # idempotent
    assert (Proposal.objects.count(), AuditEvent.objects.count()) == counts


def test_a_later_run_goes_on_from_where_an_earlier_one_stopped(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2025-08-01T10:00:00+09:00"
    _run()
    new, continuing = (
        C3pProject.objects.get(proposal__title__contains=part) for part in ("新規案件", "継続案件")
    )
    assert [(y.fiscal_year, y.state) for y in new.years.all()] == [(2025, "contracted")]
    (year,) = continuing.years.all()
    assert (year.phase, year.year_in_phase, year.state) == (1, 3, "contracted")
    settings.RENKEI_DEMO_NOW = "2026-07-01T10:00:00+09:00"
    _run()
    assert list(new.years.values_list("fiscal_year", "state")) == [
        (2025, "closed"),
        (2026, "contracted"),
    ]
    assert list(continuing.years.values_list("phase", "year_in_phase", "state")) == [
        (1, 3, "closed"),
        (2, 1, "contracted"),
    ]
    assert C3pProject.objects.count() == 2
