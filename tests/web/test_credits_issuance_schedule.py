"""The issuance schedule of a registered project (JCM 2.(1)③, spec §2.5 I1–I6) on its page and in
the API, from the rules core, with the clause and the readings; and the reminders the task
runner sends for it (as the grant stage's: N days before and once overdue, each once, to the
representative participant's applicants in their language), until a request covers it.

The fixture's project: operation from 2025-04-01 with a 15-year useful life (ends 2040-03-31,
in 2031 or later), registered on 2026-03-01, the bilateral document's validity unknown."""

from __future__ import annotations

import datetime as dt

import pytest
from creditsfactories_issuance import NOW, issuance_project
from django.core.management import call_command
from django.urls import reverse
from test_api import client_for

from renkei.accounts.models import Notice
from renkei.accounts.notices import render
from renkei.credits import tasks_issuance
from renkei.credits.models import IssuanceReminderSent
from renkei.credits.services import issuance as s

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture
def x(settings, monkeypatch):
    settings.RENKEI_DEMO_NOW = NOW
    settings.RENKEI_REMINDER_DAYS_BEFORE = (14, 3)
    from renkei.accounts import notices

    monkeypatch.setattr(notices.transaction, "on_commit", lambda fn, *a, **k: fn())
    return issuance_project()


def _dues(project) -> dict[str, tuple]:
    return {d.key: (d.due_on, d.clause, d.done) for d in s.issuance_due_dates(project).due_dates}


def test_the_three_due_dates_come_from_the_rules_core(x) -> None:
    sched = s.issuance_due_dates(x["project"])
    assert _dues(x["project"]) == {
        "first-issuance": (D("2027-03-01"), "2.(1)③", False),
        "issuance-2030": (D("2031-12-31"), "2.(1)③", False),
        "last-issuance": (D("2041-03-31"), "2.(1)③", False),
    }
    assert (sched.eligible_from, sched.eligible_until) == (D("2025-04-01"), D("2040-03-31"))
    notes = " ".join(n for d in sched.due_dates for n in d.notes)
    assert "[Reading]" in notes or "【解釈】" in notes  # the 2031 window's reading is named


def test_a_short_useful_life_has_no_2030_request(x) -> None:
    from renkei.grants.models import Grant

    Grant.objects.filter(pk=x["grant"].pk).update(useful_life_years=5)  # ends 2030-03-31
    project = type(x["project"]).objects.get(pk=x["project"].pk)
    assert set(_dues(project)) == {"first-issuance", "last-issuance"}
    assert _dues(project)["last-issuance"][0] == D("2031-03-31")


def test_the_first_is_done_once_a_request_is_submitted_not_drafted(x) -> None:
    req = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"]
    )
    assert _dues(x["project"])["first-issuance"][2] is False
    s.issuance_request_submit(actor=x["cast"].filer, request=req)
    dues = _dues(x["project"])
    assert dues["first-issuance"][2] is True and dues["issuance-2030"][2] is False


def test_without_the_start_of_operation_the_page_says_what_is_missing(x) -> None:
    from renkei.grants.models import Grant

    Grant.objects.filter(pk=x["grant"].pk).update(operation_started_on=None)
    page = client_for(x["cast"].filer).get(
        reverse("credits:issuance_project", args=[x["project"].pk])
    )
    assert "start of operation and the useful life are not recorded" in page.content.decode()


def test_the_project_page_shows_each_due_date_with_its_clause(x) -> None:
    page = client_for(x["cast"].filer).get(
        reverse("credits:issuance_project", args=[x["project"].pk])
    )
    html = page.content.decode()
    for due in ("2027-03-01", "2031-12-31", "2041-03-31"):
        assert due in html
    assert "JCM 2.(1)③" in html and "First issuance request" in html
    assert "bundled" in html  # I3 said


def test_the_api_gives_the_schedule(x) -> None:
    got = client_for(x["cast"].jc).get(f"/api/credits/projects/{x['project'].pk}/issuance")
    assert got.status_code == 200
    body = got.json()
    assert [d["key"] for d in body["due_dates"]] == [
        "first-issuance",
        "issuance-2030",
        "last-issuance",
    ]
    assert body["due_dates"][0]["due_on"] == "2027-03-01"


# --- reminders ---------------------------------------------------------------------------------
def test_a_reminder_goes_14_days_before_once_in_the_reader_s_language(x) -> None:
    filer = x["cast"].filer
    assert s.send_issuance_reminders(D("2027-02-14")) == 0  # 15 days before: nothing yet
    assert s.send_issuance_reminders(D("2027-02-15")) == 1
    assert s.send_issuance_reminders(D("2027-02-16")) == 0  # sent once
    notice = Notice.objects.get(recipient=filer)
    assert "2027" in render(notice.msgid, notice.params, "en")
    assert "First issuance request" in render(notice.msgid, notice.params, "en")
    assert "初回の発行申請" in render(notice.msgid, notice.params, "ja")
    assert not Notice.objects.exclude(recipient=filer).exists()  # the filer's duty only


def test_overdue_is_reminded_once_then_silence_after_the_request(x) -> None:
    assert s.send_issuance_reminders(D("2027-03-02")) == 1
    assert IssuanceReminderSent.objects.get().stage == "overdue"
    assert s.send_issuance_reminders(D("2027-03-03")) == 0
    req = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"]
    )
    s.issuance_request_submit(actor=x["cast"].filer, request=req)
    IssuanceReminderSent.objects.all().delete()
    assert s.send_issuance_reminders(D("2027-03-04")) == 0  # covered: nothing to remind


def test_the_task_runner_job_and_its_schedule(x, settings) -> None:
    from django_q.models import Schedule

    settings.RENKEI_DEMO_NOW = "2027-02-26T09:00:00+09:00"  # 3 days before the first
    assert tasks_issuance.send_reminders() == 1
    tasks_issuance.ensure_schedule()
    tasks_issuance.ensure_schedule()
    schedule = Schedule.objects.get(name=tasks_issuance.SCHEDULE_NAME)
    assert (
        schedule.func == tasks_issuance.FUNC
        and Schedule.objects.filter(name=tasks_issuance.SCHEDULE_NAME).count() == 1
    )
    call_command("renkei_issuance_reminders")
    assert Schedule.objects.filter(name=tasks_issuance.SCHEDULE_NAME).count() == 1
