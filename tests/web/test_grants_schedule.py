"""The grant's due dates (issue 8, "Deadlines that remind"): computed by the rules core from the
grant's facts and records, done when the record exists, cancelled (never deleted) when they no
longer apply, moved with their basis; the office marks done what no record closes; reminders
before and when overdue, each once, to the right people in their language; the panel, the
office's calendar (and its .ics) and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from grantfactories_schedule import JST, adopted_grant, decide, person, set_state
from hypothesis import given
from hypothesis import strategies as st

from renkei.accounts.models import Notice, Organisation, Role
from renkei.audit.services import audit_trail
from renkei.grants.models import (
    AnnualReport,
    Claim,
    CompletionReport,
    FinalInspection,
    GrantDeadline,
    Payment,
    ReminderSent,
    YearEndReport,
)
from renkei.grants.services.schedule import (
    deadline_mark_done,
    refresh_deadlines,
    send_due_reminders,
    stage_on,
)
from renkei.rules._result import render
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def rows(grant) -> dict[str, GrantDeadline]:
    return {r.key: r for r in GrantDeadline.objects.filter(grant=grant)}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


@pytest.fixture
def office(db):
    return person(Role.OFFICE, is_staff=True, language="en")


@pytest.fixture
def grant(office):
    g = adopted_grant(naiji="2024-07-16")
    refresh_deadlines(g)
    return g


def _complete(grant, on: str, *, operation: str | None = None, life: int | None = None):
    grant.completed_on = D(on)
    if operation:
        grant.operation_started_on, grant.useful_life_years = D(operation), life
    grant.save()
    set_state(grant, "completed")


# --- computing them ---------------------------------------------------------------------------


def test_the_application_is_due_30_days_after_the_naiji_and_done_when_first_submitted(
    grant,
) -> None:
    r = rows(grant)
    assert set(r) == {"grant_application", "naiji_cancellable"}
    app = r["grant_application"]
    assert (app.due_on, app.clause) == (D("2024-08-15"), "4.(2); 2.(11)")
    assert app.reading == "grants.reading.application_first_submission"  # spec A-05
    assert app.done_at is None
    # 4.(2): revocable after 60 days (N+61), or after the fiscal year of the 内示 ends
    assert r["naiji_cancellable"].due_on == D("2024-09-15")
    assert r["naiji_cancellable"].reading == "jcm.reading.naiji_sixty_days"
    assert r["naiji_cancellable"].clause == "4.(2)"

    application = grant.application
    application.first_submitted_at = at("2024-08-10T11:00")
    application.save()
    refresh_deadlines(grant)
    app = rows(grant)["grant_application"]
    assert app.done_at == at("2024-08-10T11:00")
    assert app.details["accepted_at"] is None  # acceptance tracked on its own
    application.accepted_at = at("2024-08-20T09:00")
    application.save()
    refresh_deadlines(grant)
    assert rows(grant)["grant_application"].details["accepted_at"].startswith("2024-08-20")
    page = _client(grant.opened_by).get(
        reverse("grants:detail", args=[grant.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "accepted by the office on 2024-08-20" in page.content.decode()


def test_a_naiji_given_in_february_is_revocable_when_its_fiscal_year_ends(office) -> None:
    g = adopted_grant(naiji="2025-02-10")
    refresh_deadlines(g)
    r = rows(g)["naiji_cancellable"]
    assert r.due_on == D("2025-04-01")  # not 2025-04-12: the fiscal year ended first
    assert r.details["reason"] == "fiscal_year_end"


def test_decision_completion_and_after_follow_the_records(grant) -> None:
    decide(grant, on="2024-09-02", completion_due="2026-02-27")
    refresh_deadlines(grant)
    r = rows(grant)
    assert r["naiji_cancellable"].cancelled_at is not None  # decided: no longer applies
    # FY2024 ends during implementation; FY2025 is the completion year
    assert [k for k in r if k.startswith("year_end")] == ["year_end_report:2024"]
    assert r["year_end_report:2024"].due_on == D("2025-04-10")
    assert r["year_end_report:2024"].clause == "4.(6)①"
    assert (r["completion"].due_on, r["completion"].clause) == (D("2026-02-27"), "2.(10)")

    # the completion date moves into FY2026: a year-end report for FY2025 too; the row moves
    completion_pk = r["completion"].pk
    grant.completion_due = D("2026-06-30")
    grant.save()
    refresh_deadlines(grant)
    r = rows(grant)
    assert r["completion"].pk == completion_pk and r["completion"].due_on == D("2026-06-30")
    assert r["year_end_report:2025"].due_on == D("2026-04-10")

    YearEndReport.objects.create(
        grant=grant,
        fiscal_year=2024,
        spending={},
        due_on=D("2025-04-10"),
        submitted_by=grant.opened_by,
        submitted_at=at("2025-04-08T10:00"),
    )
    # completed early, in FY2025: its year-end report no longer applies (cancelled, kept)
    _complete(grant, "2025-12-20")
    refresh_deadlines(grant)
    r = rows(grant)
    assert r["year_end_report:2024"].done_at == at("2025-04-08T10:00")
    assert r["year_end_report:2025"].cancelled_at is not None
    assert r["completion"].done_at is not None
    # the earlier of C+30 and 10 March (4.(6)②, A-06 read as C+30)
    assert r["completion_report"].due_on == D("2026-01-19")
    assert r["completion_report"].reading == "jcm.reading.completion_report_c30"
    assert r["jcm_registration"].due_on == D("2026-12-20")  # within a year (2.(1)①)
    assert r["records_retention"].due_on == D("2030-12-20")  # 5 years (4.(5))
    fi = r["final_inspection"]
    assert fi.due_on is None  # the call sets no due date; its guideline window is shown
    assert fi.details["guideline_window_start"] <= fi.details["guideline_window_end"]

    CompletionReport.objects.create(
        grant=grant, spending={}, due_on=D("2026-01-19"), submitted_by=grant.opened_by
    )
    FinalInspection.objects.create(
        grant=grant, inspected_on=D("2026-02-10"), recorded_by=grant.opened_by
    )
    refresh_deadlines(grant)
    r = rows(grant)
    assert r["completion_report"].done_at is not None and r["final_inspection"].done_at
    assert GrantDeadline.objects.filter(grant=grant).count() == len(r)  # nothing deleted


def test_each_claim_is_due_for_payment_by_30_april_of_the_next_fiscal_year(grant) -> None:
    decide(grant)
    claim = Claim.objects.create(
        grant=grant,
        kind="advance",
        fiscal_year=2024,
        amount_jpy=10_000_000,
        received_on=D("2025-04-15"),
        due_on=D("2026-04-30"),
        submitted_by=grant.opened_by,
    )
    refresh_deadlines(grant)
    row = rows(grant)[f"payment:{claim.pk}"]
    assert (row.due_on, row.clause, row.done_at) == (D("2026-04-30"), "4.(7)", None)
    Payment.objects.create(
        claim=claim, amount_jpy=10_000_000, paid_on=D("2026-04-20"), recorded_by=grant.opened_by
    )
    refresh_deadlines(grant)
    assert rows(grant)[f"payment:{claim.pk}"].done_at is not None


def test_annual_reports_have_no_due_date_unless_the_office_sets_its_rule(grant, settings) -> None:
    decide(grant)
    _complete(grant, "2026-01-20", operation="2026-03-01", life=3)
    refresh_deadlines(grant)
    annual = {k: v for k, v in rows(grant).items() if k.startswith("annual_report")}
    assert sorted(annual) == [f"annual_report:{y}" for y in (2026, 2027, 2028, 2029)]
    first = annual["annual_report:2026"]
    assert (first.details["period_start"], first.details["period_end"]) == (
        "2026-03-01",
        "2026-12-31",
    )
    assert all(r.due_on is None for r in annual.values())  # spec A-21: the call sets none
    assert first.reading == "grants.reading.annual_report_no_due_date"
    assert annual["annual_report:2029"].details["period_end"] == "2029-02-28"
    # no reminder for a date the call does not set, however late it is
    assert send_due_reminders(today=D("2031-01-01")) >= 0
    assert not ReminderSent.objects.filter(deadline__key__startswith="annual_report").exists()

    settings.RENKEI_ANNUAL_REPORT_DUE_DAYS_AFTER_PERIOD = 60  # the office's own rule
    refresh_deadlines(grant)
    first = rows(grant)["annual_report:2026"]
    assert first.due_on == D("2027-03-01")
    assert first.details["due_basis"] == "office"
    assert first.reading == "grants.reading.annual_report_office_due_date"
    AnnualReport.objects.create(
        grant=grant,
        period_start=D("2026-03-01"),
        period_end=D("2026-12-31"),
        reductions_tco2="10",
        operating_status="ok",
        property_status="ok",
        submitted_by=grant.opened_by,
    )
    refresh_deadlines(grant)
    assert rows(grant)["annual_report:2026"].done_at is not None


def test_a_revoked_naiji_cancels_what_is_open_and_deletes_nothing(grant) -> None:
    before = rows(grant)
    set_state(grant, "naiji_revoked")
    refresh_deadlines(grant)
    after = rows(grant)
    assert set(after) == set(before)
    assert all(r.cancelled_at is not None for r in after.values())


# --- the office marks a due date done ----------------------------------------------------------


def test_the_office_marks_the_jcm_registration_done_with_its_reason(grant, office) -> None:
    decide(grant)
    _complete(grant, "2025-12-20")
    refresh_deadlines(grant)
    row = rows(grant)["jcm_registration"]
    with pytest.raises(NotAllowed):
        deadline_mark_done(actor=grant.opened_by, deadline=row, reason="registered")
    with pytest.raises(ServiceError, match="Say how the office knows"):
        deadline_mark_done(actor=office, deadline=row, reason="  ")
    done = deadline_mark_done(actor=office, deadline=row, reason="JC registration KE-001, 2026-05")
    assert done.done_at is not None
    (event,) = audit_trail(done).filter(action="deadline_mark_done")
    assert event.payload["reason"] == "JC registration KE-001, 2026-05"
    refresh_deadlines(grant)  # a refresh keeps the office's mark
    assert rows(grant)["jcm_registration"].done_at == done.done_at
    with pytest.raises(ServiceError, match="already done"):
        deadline_mark_done(actor=office, deadline=done, reason="again")
    with pytest.raises(ServiceError, match="not something to do"):
        deadline_mark_done(actor=office, deadline=rows(grant)["records_retention"], reason="x")
    # what a record closes is not marked: the missing report would be hidden
    with pytest.raises(ServiceError, match="done when the completion report is recorded"):
        deadline_mark_done(actor=office, deadline=rows(grant)["completion_report"], reason="x")


# --- reminders ----------------------------------------------------------------------------------


def test_reminders_go_14_and_3_days_before_and_when_overdue_each_once(
    grant, office, django_capture_on_commit_callbacks
) -> None:
    representative = grant.opened_by  # Japanese by default
    colleague = person(Role.APPLICANT, grant.selection.proposal.organisation, language="en")
    partner_org = Organisation.objects.create(name="Kenya Tea", country="KE")
    outsider = person(Role.APPLICANT, partner_org)

    def run(day: str) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders(today=D(day))

    assert run("2024-07-31") == 0  # 15 days before 2024-08-15
    assert run("2024-08-01") == 1  # 14 days before
    assert run("2024-08-01") == 0  # once
    assert run("2024-08-10") == 0  # still inside the 14-day window: nothing new
    assert run("2024-08-12") == 1  # 3 days before
    assert run("2024-08-16") == 1  # overdue
    assert run("2024-08-30") == 0
    stages = ReminderSent.objects.filter(deadline__key="grant_application")
    assert sorted(stages.values_list("stage", flat=True)) == ["before_14", "before_3", "overdue"]
    # to the representative participant's applicants, each in their language; not the office
    ja = Notice.objects.filter(recipient=representative).order_by("pk")
    en = Notice.objects.filter(recipient=colleague).order_by("pk")
    assert ja.count() == en.count() == 3
    assert "2024年8月15日" in ja.first().message and "交付申請" in ja.first().message
    assert "is due on" in en.first().message and "in 14 days" in en.first().message
    assert "not recorded as done" in en.last().message
    assert not Notice.objects.filter(recipient__in=[office, outsider]).exists()
    assert len(mail.outbox) == 6
    assert ja.first().link == reverse("grants:detail", args=[grant.pk])
    trail = audit_trail(stages.first().deadline).filter(action="deadline_remind")
    assert sorted(trail.values_list("to_state", flat=True)) == [
        "before_14",
        "before_3",
        "overdue",
    ]
    assert set(trail.first().payload["recipients"]) == {representative.pk, colleague.pk}


def test_office_side_dates_remind_the_office_and_done_or_moved_dates_behave(
    grant, office, django_capture_on_commit_callbacks
) -> None:
    application = grant.application
    application.first_submitted_at = at("2024-08-10T11:00")  # done: no reminder for it
    application.save()
    refresh_deadlines(grant)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(today=D("2024-09-05")) == 1  # 内示 revocable from 09-15
    notice = Notice.objects.get(recipient=office)
    assert "possible from" in notice.message
    assert not Notice.objects.filter(recipient=grant.opened_by).exists()
    # a moved due date reminds again, once
    decide(grant, completion_due="2026-02-27")
    YearEndReport.objects.create(
        grant=grant, fiscal_year=2024, spending={}, due_on=D("2025-04-10"), submitted_by=office
    )
    refresh_deadlines(grant)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(today=D("2026-02-20")) == 1
    grant.completion_due = D("2026-02-26")
    grant.save()
    refresh_deadlines(grant)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(today=D("2026-02-20")) == 1
        assert send_due_reminders(today=D("2026-02-20")) == 0
    sent = ReminderSent.objects.filter(deadline__key="completion")
    assert sorted(sent.values_list("due_on", flat=True)) == [D("2026-02-26"), D("2026-02-27")]


def test_the_job_reads_the_platforms_clock(grant, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-08-12T08:00:00+09:00"
    assert send_due_reminders() == 1
    assert ReminderSent.objects.get().stage == "before_3"


def test_the_reminder_days_are_a_setting(grant, settings) -> None:
    settings.RENKEI_REMINDER_DAYS_BEFORE = (7,)
    assert send_due_reminders(today=D("2024-08-01")) == 0
    assert send_due_reminders(today=D("2024-08-08")) == 1
    assert ReminderSent.objects.get().stage == "before_7"


# --- pages and API ---------------------------------------------------------------------------


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_panel_shows_every_date_with_clause_reading_and_status(grant, office, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-08-20T10:00:00+09:00"
    page = _client(grant.opened_by).get(reverse("grants:detail", args=[grant.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "2024-08-15" in text and "4.(2); 2.(11)" in text
    assert "status-fail" in text  # overdue
    assert "A-05" in text  # the reading, in the page's language
    assert reverse("grants:schedule_calendar") not in text  # the office's page only
    page = _client(office).get(reverse("grants:detail", args=[grant.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert reverse("grants:schedule_calendar") in text
    # the rules core's reading for the 内示's revocation, with its dates, in English
    row = rows(grant)["naiji_cancellable"]
    sentence = render(row.reading, row.details["reading_params"], "en")
    assert "2024-09-15" in sentence and escape(sentence) in text


def test_the_calendar_lists_open_dates_overdue_first_with_an_ics(grant, office, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-08-20T10:00:00+09:00"
    other = adopted_grant(naiji="2024-08-10", title="後の案件")
    refresh_deadlines(other)
    page = _client(office).get(reverse("grants:schedule_calendar"))
    text = page.content.decode()
    assert page.status_code == 200
    overdue_at = text.index(grant.number)
    assert overdue_at < text.index("2024-09") < text.index(other.number)
    assert reverse("grants:detail", args=[other.pk]) in text
    ics = _client(office).get(reverse("grants:schedule_calendar_ics"))
    body = ics.content.decode()
    assert ics["Content-Type"].startswith("text/calendar")
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20240815" in body and body.count("BEGIN:VEVENT") == 4
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_marking_done_on_the_page_keeps_what_was_typed_when_refused(grant, office) -> None:
    decide(grant)
    _complete(grant, "2025-12-20")
    refresh_deadlines(grant)
    assert (
        reverse("grants:schedule_mark_done", args=[rows(grant)["completion_report"].pk])
        not in _client(office).get(reverse("grants:detail", args=[grant.pk])).content.decode()
    )
    row = rows(grant)["jcm_registration"]
    url = reverse("grants:schedule_mark_done", args=[row.pk])
    c = _client(office)
    refused = c.post(url, {"reason": "x" * 2001}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "x" * 2001 in refused.content.decode()
    assert "at most 2000" in refused.content.decode()
    done = c.post(url, {"reason": "registered by the Joint Committee"})
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.details["marked_done"]["reason"] == "registered by the Joint Committee"


def test_the_api_lists_a_grants_dates_the_calendar_and_marks_done(grant, office) -> None:
    applicant = _client(grant.opened_by)
    listed = applicant.get(f"/api/grants/{grant.pk}/deadlines").json()
    assert [d["key"] for d in listed] == ["grant_application", "naiji_cancellable"]
    assert listed[0]["due_on"] == "2024-08-15" and listed[0]["clause"] == "4.(2); 2.(11)"
    assert applicant.get("/api/grant-deadlines").status_code == 403
    decide(grant)
    _complete(grant, "2025-12-20")
    refresh_deadlines(grant)
    pk = rows(grant)["jcm_registration"].pk
    assert (
        applicant.post(
            f"/api/grant-deadlines/{pk}/done", {"reason": "r"}, content_type="application/json"
        ).status_code
        == 403
    )
    office_api = _client(office)
    calendar = office_api.get("/api/grant-deadlines").json()
    assert pk in [d["id"] for d in calendar]
    assert "records_retention" not in [d["key"] for d in calendar]  # kept until: not a duty
    refused = office_api.post(
        f"/api/grant-deadlines/{pk}/done", {"reason": ""}, content_type="application/json"
    )
    assert refused.status_code == 422
    done = office_api.post(
        f"/api/grant-deadlines/{pk}/done", {"reason": "paper"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["details"]["marked_done_reason"] == "paper"


def test_the_reminder_job_is_scheduled_once_however_often_the_command_runs(grant) -> None:
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("renkei_reminders")
    call_command("renkei_reminders")
    (job,) = Schedule.objects.all()
    assert (job.func, job.schedule_type, job.minutes) == (
        "renkei.grants.tasks.send_reminders",
        Schedule.MINUTES,
        60,
    )


def test_the_calendar_shows_undated_items_once_they_are_actionable(grant, office, settings):
    decide(grant)
    _complete(grant, "2026-01-20", operation="2026-03-01", life=3)
    refresh_deadlines(grant)
    settings.RENKEI_DEMO_NOW = "2027-02-01T10:00:00+09:00"
    page = _client(office).get(reverse("grants:schedule_calendar"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    undated = text[text.index("Without a due date in the call") :]
    assert "Final inspection" in undated  # no due date in the call; its guideline shown
    assert "2026-03-01 – 2026-12-31" in undated  # the first period has ended
    assert "2027-01-01 – 2027-12-31" not in text  # still running: not yet for the calendar


@given(
    due=st.dates(dt.date(2024, 1, 1), dt.date(2040, 12, 31)),
    offsets=st.lists(st.integers(-40, 40), min_size=1, max_size=30),
    days=st.lists(st.integers(0, 60), min_size=1, max_size=4, unique=True),
)
def test_the_reminder_stages_only_move_forward(due, offsets, days) -> None:
    """Whatever days the worker runs on, the reminder that falls due only moves forward (the
    widest window first, then narrower ones, then overdue) and none comes before its window."""
    order = sorted(days, reverse=True)
    ranks = {f"before_{n}": i for i, n in enumerate(order)} | {"overdue": len(order)}
    seen = []
    for today in sorted(due + dt.timedelta(days=o) for o in offsets):
        stage = stage_on(due, today, order)
        if stage is None:
            assert (due - today).days > order[0]
            continue
        if stage != "overdue":
            assert 0 <= (due - today).days <= int(stage.split("_")[1])
        else:
            assert today > due
        seen.append(ranks[stage])
    assert seen == sorted(seen)


def test_an_approved_stop_ends_the_completion_due_date_for_good(grant, office) -> None:
    from renkei.grants.models import StopRequest

    decide(grant, on="2024-09-02", completion_due="2026-06-30")
    refresh_deadlines(grant)
    StopRequest.objects.create(
        grant=grant,
        kind="abolish",
        reason="the site was lost",
        state="approved",
        submitted_by=grant.opened_by,
        decided_by=office,
        decided_at=at("2025-06-01T10:00"),
    )
    set_state(grant, "stopped")
    refresh_deadlines(grant)
    r = rows(grant)
    assert r["completion"].cancelled_at is not None
    assert r["year_end_report:2024"].cancelled_at is None  # FY2024 ended before the stop
    assert r["year_end_report:2025"].cancelled_at is not None
    set_state(grant, "completion_reported")  # the report after the stop: still no completion
    refresh_deadlines(grant)
    assert rows(grant)["completion"].cancelled_at is not None
