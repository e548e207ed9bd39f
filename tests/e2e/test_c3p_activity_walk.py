"""The C3P activity part walked in a browser (issue 11): on a project whose FY2025 contract is
signed (1 July 2025), the lead organisation's applicant plans the year's activities (one dated
outside the contract year refused with the year's bounds, what it typed kept), marks one done
with a note and its evidence, cancels one with its reason, and submits July's monthly report;
the office acknowledges it, sees the calendar (month view, list, filter by country, .ics link)
and, once it records the due day the guidebook leaves open, August's missing report as overdue
in the dashboard's column (before: "not received").

The project is set up with the project part's factories (tests/web/c3pfactories_project.py);
every person logs in through the login form; the platform's clock moves with the story. The
browsers are Japanese: the platform's messages are asserted in the catalogue's Japanese.
"""

from __future__ import annotations

import pytest
from c3pfactories_project import adopted_proposal, cast, contracted_year
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.c3p.models import C3pActivity, C3pMonthlyReport
from renkei.c3p.services.project import c3p_project_create

PASSWORD = "pw-for-tests-1"  # the factories' password


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


def at(settings, text: str) -> None:
    settings.RENKEI_DEMO_NOW = f"{text}:00+09:00"


def form(page, action_end: str):
    return page.locator(f'main form[action$="{action_end}"]')


def post(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


@pytest.fixture
def story(transactional_db, settings):
    people = cast()
    proposal = adopted_proposal(people, settings)
    project = c3p_project_create(actor=people.office, proposal=proposal)
    contracted_year(people, project.years.get())  # signed 2025-07-01
    return people, project


def test_c3p_activity_walk_plan_report_calendar_and_overdue(
    new_page, log_in, story, settings, screenshot, tmp_path
) -> None:
    people, project = story
    activities = f"/c3p/projects/{project.pk}/activities/"

    # --- 1. the lead plans the year: outside the contract year refused, as typed ------------
    at(settings, "2025-07-05T10:00")
    lp = new_page()
    log_in(lp, people.lead.username, PASSWORD)
    lp.goto(f"/c3p/projects/{project.pk}/")
    lp.locator(f'main a[href="{activities}"]').first.click()
    lp.wait_for_url(f"**{activities}")
    f = form(lp, "/activities/plan/")
    f.locator('[name="item"]').select_option("4")
    f.locator('[name="title"]').fill("第1回現地調査")
    f.locator('[name="planned_on"]').fill("2026-04-10")
    post(lp, f.locator("button"))
    f = form(lp, "/activities/plan/")
    expect(f).to_contain_text("2025-04-01から2026-03-31までの日付にしてください")
    expect(f.locator('[name="title"]')).to_have_value("第1回現地調査")
    assert not C3pActivity.objects.exists()
    screenshot(lp, "c3p-activity-outside-the-year")
    f.locator('[name="planned_on"]').fill("2025-09-16")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The activity is planned."))
    for item, title, day in (
        ("3", "キックオフ会議", "2025-07-10"),
        ("6", "国内セミナー発表", "2026-01-22"),
    ):
        f = form(lp, "/activities/plan/")
        f.locator('[name="item"]').select_option(item)
        f.locator('[name="title"]').fill(title)
        f.locator('[name="planned_on"]').fill(day)
        post(lp, f.locator("button"))
    assert C3pActivity.objects.filter(state="planned").count() == 3

    # --- 2. held: marked done with a note and evidence; one cancelled ---------------------
    at(settings, "2025-08-03T10:00")
    lp.goto(activities)
    kickoff = C3pActivity.objects.get(title="キックオフ会議")
    row = lp.locator(f"#activity-{kickoff.pk}")
    row.locator("summary", has_text=ja("Mark done")).click()
    done = row.locator(f'form[action$="/activities/{kickoff.pk}/done/"]')
    done.locator('[name="held_on"]').fill("2025-07-10")
    done.locator('[name="note"]').fill("参加者25名")
    evidence = tmp_path / "minutes.pdf"
    evidence.write_bytes(b"%PDF-1.7 minutes")
    done.locator('[name="evidence"]').set_input_files(str(evidence))
    post(lp, done.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The activity is marked done."))
    expect(lp.locator(f"#activity-{kickoff.pk}")).to_contain_text("minutes.pdf")
    seminar = C3pActivity.objects.get(title="国内セミナー発表")
    row = lp.locator(f"#activity-{seminar.pk}")
    row.locator("summary", has_text=ja("Cancel")).click()
    cancel = row.locator(f'form[action$="/activities/{seminar.pk}/cancel/"]')
    cancel.locator('[name="reason"]').fill("年次セミナーでの発表に統合")
    post(lp, cancel.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The activity is cancelled."))
    seminar.refresh_from_db()
    assert seminar.state == "cancelled"

    # --- 3. July's monthly report ------------------------------------------------------------
    f = form(lp, "/monthly-reports/")
    f.locator('[name="month"]').select_option("2025-07")
    f.locator('[name="text"]').fill("7月の進捗:キックオフ会議を開催、現地調査の準備。")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The monthly report is submitted."))
    report = C3pMonthlyReport.objects.get()

    # --- 4. the office: acknowledges, the calendar, the dashboard ------------------------------
    at(settings, "2025-09-20T10:00")
    op = new_page()
    log_in(op, people.office.username, PASSWORD)
    op.goto(activities)
    post(op, form(op, f"/monthly-reports/{report.pk}/acknowledge/").locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The monthly report is acknowledged."))
    report.refresh_from_db()
    assert report.acknowledged_by_id == people.office.pk
    expect(op.locator("main")).to_contain_text(ja("not received"))  # August, no due day yet

    op.goto("/c3p/projects/")
    expect(op.locator("main tbody").last).to_contain_text(
        ja("Monthly reports not received") + ": 1"
    )
    op.locator("main a", has_text=ja("C3P calendar")).click()
    op.wait_for_url("**/c3p/calendar/")
    op.locator('[name="month"]').fill("2025-09")
    op.locator('[name="country"]').fill("VN")
    post(op, op.locator("main form button"))
    expect(op.locator("main")).to_contain_text("第1回現地調査")
    expect(op.locator("main")).to_contain_text("2025-08")
    expect(op.locator('main a[href*="calendar.ics"]')).to_have_count(1)
    screenshot(op, "c3p-calendar")
    op.locator('[name="country"]').fill("TH")
    post(op, op.locator("main form button"))
    expect(op.locator("main")).to_contain_text(ja("Nothing this month."))

    # the office records the due day the guidebook leaves open: August's becomes overdue
    op.goto(activities)
    f = form(op, "/monthly-due/")
    f.locator('[name="due_day"]').fill("10")
    f.locator('[name="basis"]').fill("契約仕様書により翌月10日まで")
    post(op, f.locator("button"))
    expect(op.locator(".messages")).to_contain_text(
        ja("The due day of the monthly reports is recorded.")
    )
    op.goto("/c3p/projects/?reports=overdue&sort=reports")
    expect(op.locator("main tbody").last).to_contain_text(ja("Monthly reports overdue") + ": 1")
    screenshot(op, "c3p-dashboard-overdue")

    # the lead sees its own calendar; an outsider gets 404
    lp.goto("/c3p/calendar/?month=2025-09")
    expect(lp.locator("main")).to_contain_text("第1回現地調査")
    xp = new_page()
    log_in(xp, people.outsider.username, PASSWORD)
    assert xp.goto("/c3p/calendar/").status == 404
