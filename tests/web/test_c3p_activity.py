"""The C3P activity part (issue 11: "Yearly activities (Table 3 (1)–(7))" and the dashboard's
overdue reports): planned vs done per Table 3 item, activities outside the contract year refused
with the clause and the year's bounds (nothing typed lost), monthly reports month by month with
the due day the guidebook leaves open ("not received" until the office records one, then
"overdue"), the reminders the task runner sends (each once, in each reader's language), the
office's calendar with its .ics export, and the dashboard's column, filter, sort and export."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from c3pfactories_project import adopted_proposal, cast, contracted_year
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from test_api import client_for, post_json

from renkei.accounts.models import Notice
from renkei.audit.models import AuditEvent
from renkei.c3p import selectors_activity as sel
from renkei.c3p.models import C3pActivity, C3pActivityReminderSent, C3pMonthlyReport
from renkei.c3p.services import activity as svc
from renkei.c3p.services.project import c3p_activity_record, c3p_project_create
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
PDF = b"%PDF-1.7 minutes"


def _client(user, lang: str = "en") -> Client:
    client = Client(headers={"Accept-Language": lang})
    client.force_login(user)
    return client


@pytest.fixture
def world(settings, monkeypatch):
    from renkei.accounts import notices

    monkeypatch.setattr(notices.transaction, "on_commit", lambda fn, *a, **k: fn())
    people = cast()
    proposal = adopted_proposal(people, settings)
    project = c3p_project_create(actor=people.office, proposal=proposal)
    settings.RENKEI_DEMO_NOW = "2025-06-15T10:00:00+09:00"
    return people, project


def _contracted(people, project, settings, now="2025-07-02T10:00:00+09:00"):
    year = contracted_year(people, project.years.get())  # signed 2025-07-01
    settings.RENKEI_DEMO_NOW = now
    return year


def _plan(people, year, item="3", title="Kick-off", day="2025-07-10", **kw):
    return svc.c3p_activity_plan(
        actor=people.lead, year=year, item=item, title=title, planned_on=D(day), **kw
    )


# --- planned vs done ----------------------------------------------------------------------------
def test_the_year_is_planned_then_done_or_cancelled_against_table_3(world, settings) -> None:
    people, project = world
    year = project.years.get()
    kickoff = _plan(people, year)  # while the plan is prepared (BOX 6)
    interim = _plan(people, year, title="Interim", day="2025-10-15", month_only=True)
    assert interim.planned_on == D("2025-10-01") and interim.planned_month_only
    year = _contracted(people, project, settings)
    final = _plan(people, year, title="Final", day="2026-02-18")
    svc.c3p_activity_done(
        actor=people.lead,
        activity=kickoff,
        held_on=D("2025-07-11"),
        note="Minutes shared.",
        evidence=SimpleUploadedFile("minutes.pdf", PDF),
    )
    svc.c3p_activity_cancel(actor=people.lead, activity=final, reason="Merged with the interim.")
    kickoff.refresh_from_db()
    assert (kickoff.state, kickoff.held_on, kickoff.evidence_name) == (
        "done",
        D("2025-07-11"),
        "minutes.pdf",
    )
    rows = {r.item: r for r in sel.table3_rows(year)}
    assert (rows["3"].done, rows["3"].planned, rows["3"].expected) == (1, 1, 3)
    assert rows["3"].below and rows["3"].finding.code == "c3pactivity.table3.below_about"
    assert rows["2"].expected == 9  # monthly reports July to March
    # the project part's direct record still counts as done
    c3p_activity_record(
        actor=people.lead, year=year, item="3", title="Extra session", held_on=D("2025-08-01")
    )
    _plan(people, year, title="Final again", day="2026-02-25")
    rows = {r.item: r for r in sel.table3_rows(year)}
    assert (rows["3"].done, rows["3"].planned) == (2, 2)
    assert rows["3"].finding.code == "c3pactivity.table3.planned"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"c3p_activity_plan", "c3p_activity_done", "c3p_activity_cancel"} <= actions
    with pytest.raises(ServiceError, match="already Done"):
        svc.c3p_activity_cancel(actor=people.lead, activity=kickoff, reason="x")
    with pytest.raises(ServiceError, match="Reason for cancelling"):
        svc.c3p_activity_cancel(actor=people.lead, activity=interim, reason=" ")
    with pytest.raises(NotAllowed):  # a partner participant sees, the lead plans
        _plan(SimpleNamespace(lead=people.partner), year)


def test_a_plan_outside_the_contract_year_is_refused_with_its_bounds(world, settings) -> None:
    people, project = world
    year = _contracted(people, project, settings)
    with pytest.raises(
        ServiceError, match=r"outside the FY2025 contract year \(2025-04-01 – 2026-03-31\)"
    ):
        _plan(people, year, day="2026-04-01")
    assert _plan(people, year, day="2026-03-31").planned_on == D("2026-03-31")
    activity = _plan(people, year, day="2025-08-01")
    with pytest.raises(ServiceError, match=r"outside the FY2025 contract year"):
        svc.c3p_activity_done(actor=people.lead, activity=activity, held_on=D("2025-03-31"))
    # on the page: the reason in the page's language, the form as typed
    url = reverse("c3p:activity_plan", args=[project.pk])
    typed = {"item": "4", "title": "Field survey in Ben Tre", "planned_on": "2026-04-01"}
    page = _client(people.lead).post(url, typed)
    body = page.content.decode()
    assert page.status_code == 200
    assert "outside the FY2025 contract year (2025-04-01 – 2026-03-31)" in body
    assert "Field survey in Ben Tre" in body and 'value="2026-04-01"' in body
    ja = _client(people.lead, "ja").post(url, typed).content.decode()
    assert "2025年度の契約期間(2025-04-01〜2026-03-31)の外です" in ja
    assert not year.activities.filter(title="Field survey in Ben Tre").exists()


def test_the_pages_plan_mark_done_and_cancel(world, settings) -> None:
    people, project = world
    _contracted(people, project, settings)
    lead = _client(people.lead)
    page = reverse("c3p:activity_project", args=[project.pk])
    lead.post(
        reverse("c3p:activity_plan", args=[project.pk]),
        {"item": "5", "title": "Workshop", "planned_on": "2025-09-16"},
    )
    activity = C3pActivity.objects.get(title="Workshop")
    bad = lead.post(reverse("c3p:activity_done", args=[activity.pk]), {"held_on": "2026-04-02"})
    assert "outside the FY2025 contract year" in bad.content.decode()
    done = lead.post(
        reverse("c3p:activity_done", args=[activity.pk]),
        {
            "held_on": "2025-09-16",
            "note": "40 people",
            "evidence": SimpleUploadedFile("a.pdf", PDF),
        },
    )
    assert done.status_code == 302
    body = lead.get(page).content.decode()
    assert "40 people" in body and reverse("c3p:activity_evidence", args=[activity.pk]) in body
    evidence = lead.get(reverse("c3p:activity_evidence", args=[activity.pk]))
    assert b"".join(evidence.streaming_content) == PDF
    assert "Table 3: planned, done and expected this year" in body
    other = C3pActivity.objects.create(
        year=activity.year,
        item="6",
        title="Seminar",
        state="planned",
        planned_on=D("2026-01-22"),
        recorded_by=people.lead,
    )
    empty = lead.post(reverse("c3p:activity_cancel", args=[other.pk]), {"reason": ""})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    lead.post(reverse("c3p:activity_cancel", args=[other.pk]), {"reason": "Postponed"})
    other.refresh_from_db()
    assert (other.state, other.cancel_reason) == ("cancelled", "Postponed")


# --- monthly reports --------------------------------------------------------------------------
def test_monthly_reports_not_received_until_the_office_sets_a_due_day(world, settings) -> None:
    people, project = world
    year = _contracted(people, project, settings, now="2025-09-20T10:00:00+09:00")
    with pytest.raises(ServiceError, match="not a month of the FY2025 contract period"):
        svc.c3p_monthly_submit(actor=people.lead, year=year, month="2025-06", text="June")
    with pytest.raises(ServiceError, match="has not begun"):
        svc.c3p_monthly_submit(actor=people.lead, year=year, month="2025-10", text="Oct")
    with pytest.raises(ServiceError, match="about one A4 page"):
        svc.c3p_monthly_submit(actor=people.lead, year=year, month="2025-07", text=" ")
    july = svc.c3p_monthly_submit(actor=people.lead, year=year, month="2025-07", text="Draft")
    july = svc.c3p_monthly_submit(
        actor=people.lead, year=year, month=D("2025-07-01"), text="Progress in July"
    )
    assert (
        C3pMonthlyReport.objects.filter(year=year).count() == 1 and july.text == "Progress in July"
    )
    assert Notice.objects.filter(recipient=people.office, msgid__contains="monthly report").exists()
    svc.c3p_monthly_acknowledge(actor=people.office, report=july)
    with pytest.raises(ServiceError, match="already acknowledged"):
        svc.c3p_monthly_acknowledge(actor=people.office, report=july)
    with pytest.raises(ServiceError, match="cannot be replaced"):
        svc.c3p_monthly_submit(actor=people.lead, year=year, month="2025-07", text="Again")
    with pytest.raises(NotAllowed):
        svc.c3p_monthly_acknowledge(actor=people.lead, report=july)
    year = type(year).objects.get(pk=year.pk)
    states = {r.month.strftime("%Y-%m"): r.state for r in sel.month_rows(year)}
    assert states["2025-07"] == "received"
    assert states["2025-08"] == "not_received"  # the guidebook sets no due day
    assert states["2025-09"] == "open"
    assert sel.report_counts(year).monthly_overdue == 0
    assert sel.report_counts(year).monthly_not_received == 1
    svc.c3p_monthly_due_set(actor=people.office, year=year, due_day=10, basis="Contract specs")
    year = type(year).objects.get(pk=year.pk)
    states = {r.month.strftime("%Y-%m"): r for r in sel.month_rows(year)}
    assert (states["2025-08"].state, states["2025-08"].due_on) == ("overdue", D("2025-09-10"))
    assert sel.report_counts(year).monthly_overdue == 1
    with pytest.raises(ServiceError, match="1 to 31"):
        svc.c3p_monthly_due_set(actor=people.office, year=year, due_day=32, basis="x")
    with pytest.raises(NotAllowed):
        svc.c3p_monthly_due_set(actor=people.lead, year=year, due_day=5, basis="x")


def test_the_monthly_report_page_with_a_file_and_the_office_acknowledging(world, settings) -> None:
    people, project = world
    _contracted(people, project, settings, now="2025-08-20T10:00:00+09:00")
    lead, office = _client(people.lead), _client(people.office)
    url = reverse("c3p:activity_monthly_submit", args=[project.pk])
    empty = lead.post(url, {"month": "2025-07", "text": ""})
    assert "about one A4 page" in empty.content.decode()
    ok = lead.post(url, {"month": "2025-07", "upload": SimpleUploadedFile("july.pdf", PDF)})
    assert ok.status_code == 302
    report = C3pMonthlyReport.objects.get()
    assert report.original_name == "july.pdf"
    page = reverse("c3p:activity_project", args=[project.pk])
    body = office.get(page).content.decode()
    assert (
        "The guidebook does not set a due day" in body
        and "not received" not in body.split("2025-07")[1][:200]
    )
    file = office.get(reverse("c3p:activity_monthly_file", args=[report.pk]))
    assert b"".join(file.streaming_content) == PDF
    office.post(reverse("c3p:activity_monthly_ack", args=[report.pk]))
    report.refresh_from_db()
    assert report.acknowledged_by == people.office
    due = office.post(
        reverse("c3p:activity_monthly_due", args=[project.pk]), {"due_day": "40", "basis": "b"}
    )
    assert due.status_code == 200 and 'value="40"' in due.content.decode()


# --- reminders --------------------------------------------------------------------------------
def test_reminders_each_once_in_each_readers_language(world, settings) -> None:
    people, project = world
    settings.RENKEI_REMINDER_DAYS_BEFORE = (14, 3)
    year = _contracted(people, project, settings)
    _plan(people, year, title="Field survey", item="4", day="2025-09-15")
    people.partner.language = "en"
    people.partner.save()
    people.lead.language = "ja"
    people.lead.save()
    # 15 days before the survey: nothing for it; July has ended without its report (no due day)
    assert svc.send_activity_reminders(D("2025-08-31")) == 1
    assert svc.send_activity_reminders(D("2025-09-01")) == 2  # 14 days before; August ended
    assert svc.send_activity_reminders(D("2025-09-01")) == 0  # the same day again: nothing
    assert svc.send_activity_reminders(D("2025-09-02")) == 0  # still the 14-day window
    assert svc.send_activity_reminders(D("2025-09-12")) == 1  # 3 days before
    lead_notes = Notice.objects.filter(recipient=people.lead)
    partner_notes = Notice.objects.filter(recipient=people.partner)
    assert any("is planned for 2025-09-15" in n.message for n in partner_notes)
    assert any("2025-09-15に予定" in n.message for n in lead_notes)  # the lead reads Japanese
    assert any("the guidebook sets no due day" in n.message for n in partner_notes)
    svc.c3p_monthly_due_set(actor=people.office, year=year, due_day=10, basis="specs")
    assert svc.send_activity_reminders(D("2025-09-13")) == 2  # July and August overdue, once
    assert svc.send_activity_reminders(D("2025-09-14")) == 0
    assert svc.send_activity_reminders(D("2025-10-07")) == 1  # September's: 3 days before
    kinds = set(C3pActivityReminderSent.objects.values_list("kind", flat=True))
    assert {"before_14", "before_3", "not_received", "overdue"} <= kinds


def test_the_command_schedules_the_job_once(world) -> None:
    from django_q.models import Schedule

    from renkei.c3p import tasks_activity

    call_command("c3p_activity_reminders")
    call_command("c3p_activity_reminders")
    (schedule,) = Schedule.objects.filter(name=tasks_activity.SCHEDULE_NAME)
    assert schedule.func == "renkei.c3p.tasks_activity.send_reminders"
    call_command("c3p_activity_reminders", "--send-now")


# --- the calendar and the dashboard -------------------------------------------------------------
def test_the_calendar_month_list_filters_and_ics(world, settings) -> None:
    people, project = world
    year = _contracted(people, project, settings, now="2025-09-20T10:00:00+09:00")
    _plan(people, year, title="Field survey", item="4", day="2025-09-15")
    _plan(people, year, title="Interim", day="2025-10-01", month_only=True)
    office = _client(people.office)
    url = reverse("c3p:activity_calendar")
    body = office.get(url, {"month": "2025-09"}).content.decode()
    assert "Field survey" in body and "Monthly report 2025-08" in body
    assert "Interim" not in body
    assert "Interim" in office.get(url, {"month": "2025-10"}).content.decode()
    assert (
        "Field survey"
        not in office.get(url, {"month": "2025-09", "country": "TH"}).content.decode()
    )
    assert "Field survey" in office.get(url, {"month": "2025-09", "country": "vn"}).content.decode()
    warned = office.get(url, {"month": "September", "project": "x"}).content.decode()
    assert "is not a month" in warned and "is not a project number" in warned
    ics = office.get(reverse("c3p:activity_calendar_ics"), {"project": project.pk})
    from icalendar import Calendar

    cal = Calendar.from_ical(ics.content)
    summaries = [str(e.get("summary")) for e in cal.walk("VEVENT")]
    assert any(s.startswith("Field survey") for s in summaries)
    assert any("Monthly report 2025-07" in s for s in summaries)
    lead = _client(people.lead)
    assert "Field survey" in lead.get(url, {"month": "2025-09"}).content.decode()
    assert _client(people.outsider).get(url).status_code == 404
    assert _client(people.reviewer).get(reverse("c3p:activity_calendar_ics")).status_code == 404


def test_the_dashboard_counts_filters_sorts_and_exports_the_reports(world, settings) -> None:
    people, project = world
    year = _contracted(people, project, settings, now="2025-09-20T10:00:00+09:00")
    office = _client(people.office)
    url = reverse("c3p:project_list")
    body = office.get(url).content.decode()
    assert "Monthly reports not received: 2" in body  # July and August, no due day
    assert "Monthly reports overdue" not in body.split("<tbody>")[-1]
    assert "Field survey" not in office.get(url, {"reports": "overdue"}).content.decode()
    assert "No C3P project matches" in office.get(url, {"reports": "overdue"}).content.decode()
    svc.c3p_monthly_due_set(actor=people.office, year=year, due_day=10, basis="specs")
    body = office.get(url, {"reports": "overdue", "sort": "reports"}).content.decode()
    assert "Monthly reports overdue: 2" in body
    csv = office.get(url, {"export": "csv"}).content.decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert "Monthly reports overdue" in header and "Year-end reports missing" in header
    assert ",2," in row
    bad = office.get(url, {"reports": "late"}).content.decode()
    assert "is not a report filter" in bad
    # past the contract year's end without the year-end reports: missing
    settings.RENKEI_DEMO_NOW = "2026-04-02T10:00:00+09:00"
    counts = sel.report_counts(type(year).objects.get(pk=year.pk))
    assert counts.year_end_missing == ["business", "settlement"]
    api = client_for(people.office).get(
        "/api/c3p/projects", {"reports": "overdue", "sort": "reports"}
    )
    (row,) = api.json()["projects"]
    assert row["monthly_reports_overdue"] == 8  # July to February; March's is due 10 April
    assert row["year_end_reports_missing"] == ["business", "settlement"]
    # a suspended year files no more (3.3 (3)): nothing is counted against it
    from renkei.c3p.services.project import c3p_year_change

    c3p_year_change(actor=people.office, year=year, kind="suspension", reason="Partner withdrew")
    assert sel.report_counts(type(year).objects.get(pk=year.pk)).total == 0


# --- the API ----------------------------------------------------------------------------------
def test_the_api_plans_marks_done_reports_and_reads_the_calendar(world, settings) -> None:
    people, project = world
    _contracted(people, project, settings, now="2025-09-20T10:00:00+09:00")
    lead, office = client_for(people.lead), client_for(people.office)
    base = f"/api/c3p/projects/{project.pk}"
    r = post_json(
        lead,
        base + "/activities/plan",
        {"item": "4", "title": "Survey", "planned_on": "2026-04-01"},
    )
    assert r.status_code == 422 and "2025-04-01 – 2026-03-31" in r.json()["detail"]
    r = post_json(
        lead,
        base + "/activities/plan",
        {"item": "4", "title": "Survey", "planned_on": "2025-09-10"},
    )
    assert r.status_code == 200
    (activity,) = r.json()["activities"]
    r = post_json(lead, f"/api/c3p/activities/{activity['id']}/done", {"held_on": "2025-09-11"})
    table3 = {t["item"]: t for t in r.json()["table3"]}
    assert (table3["4"]["done"], table3["4"]["expected"], table3["4"]["below"]) == (1, 2, True)
    r = post_json(lead, base + "/monthly-reports", {"month": "2025-07", "text": "July"})
    months = {m["month"]: m for m in r.json()["months"]}
    assert months["2025-07"]["state"] == "received" and months["2025-08"]["state"] == "not_received"
    report_id = months["2025-07"]["report_id"]
    assert (
        post_json(lead, f"/api/c3p/monthly-reports/{report_id}/acknowledge", {}).status_code == 403
    )
    assert (
        post_json(office, f"/api/c3p/monthly-reports/{report_id}/acknowledge", {}).status_code
        == 200
    )
    r = post_json(office, base + "/monthly-due", {"due_day": 10, "basis": "specs"})
    assert {m["month"]: m["state"] for m in r.json()["months"]}["2025-08"] == "overdue"
    cal = office.get("/api/c3p/calendar", {"start": "2025-09-01", "end": "2025-09-30"}).json()
    assert [e["title"] for e in cal["entries"] if e["kind"] == "activity"] == ["Survey"]
    assert (
        office.get("/api/c3p/calendar", {"start": "2025-09-01", "end": "2024-09-30"}).status_code
        == 422
    )
    year = client_for(people.partner).get(base + "/activities/year").json()
    assert year["monthly_due"]["due_day"] == 10 and len(year["months"]) == 9
    assert {t["item"] for t in year["table3"]} == set("1234567")
    detail = lead.get(base).json()
    assert detail["years"][0]["activities"][0]["held_on"] == "2025-09-11"
