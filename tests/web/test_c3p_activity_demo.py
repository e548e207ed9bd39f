"""The demo's C3P activity steps run through the activity services on the sample project's second
year, only as far as the demo's clock has come, and go on from where an earlier run stopped: a
plan for the year, some activities done and one cancelled and planned again, the monthly
reports submitted and acknowledged for past months with August's missing (overdue once the
office's due day has passed)."""

from __future__ import annotations

import pytest
from c3pfactories_project import adopted_proposal, cast

from renkei.audit.models import AuditEvent
from renkei.c3p import selectors_activity as sel
from renkei.c3p.demo_activity import MISSING_MONTH, PLAN, c3p_activity_story
from renkei.c3p.demo_project import c3p_project_story

pytestmark = pytest.mark.django_db


def test_the_activity_steps_follow_the_clock_and_run_once(settings) -> None:
    people = cast()
    proposal = adopted_proposal(people, settings)

    def story():
        return c3p_activity_story(project=project, lead=people.lead, office=people.office)

    project = None
    assert story() is None  # no project yet
    settings.RENKEI_DEMO_NOW = "2026-06-20T10:00:00+09:00"
    project = c3p_project_story(proposal=proposal, office=people.office, lead=people.lead)
    year = story()
    assert year.fiscal_year == 2026 and not year.activities.exists()  # nothing before 06-25

    settings.RENKEI_DEMO_NOW = "2026-09-20T10:00:00+09:00"
    year = story()
    assert year.monthly_due.due_day == 10
    assert year.activities.count() == len(PLAN)
    assert year.activities.filter(state="done").count() == 4
    months = {r.month.strftime("%Y-%m"): r.state for r in sel.month_rows(year)}
    assert months["2026-06"] == months["2026-07"] == "received"
    assert months[MISSING_MONTH] == "overdue"
    assert year.monthly_reports.filter(acknowledged_at__isnull=False).count() == 2
    events = AuditEvent.objects.count()
    story()  # again at the same moment: nothing new
    assert AuditEvent.objects.count() == events

    settings.RENKEI_DEMO_NOW = "2027-01-15T10:00:00+09:00"
    year = story()
    states = dict(year.activities.values_list("title", "state"))
    assert states["(サンプル) 第2回現地調査"] == "cancelled"
    assert states["(サンプル) 第2回現地調査(延期後)"] == "planned"
    assert states["(サンプル) 中間報告会"] == "done"
    assert year.monthly_reports.count() == 6
    counts = sel.report_counts(year)
    assert (counts.monthly_overdue, counts.monthly_not_received) == (1, 0)
    rows = {r.item: r for r in sel.table3_rows(year)}
    assert (rows["3"].done, rows["3"].planned, rows["3"].expected) == (2, 1, 3)
