"""The C3P activity part's services (issue 11): the yearly activities of Table 3 planned and done,
monthly reports and their due dates, reminders and the office's calendar.

Every state change: permission check, the contract year's row under lock, the rules core
(``renkei.rules.c3p``: ``check_activity_date`` for the contract year's bounds, ``monthly_status``
and ``contract_months`` for the monthly reports), an audit event, notices after commit. A refusal
is a ``ServiceError`` naming the guidebook's place and what would be right.

- ``c3p_activity_plan``: the lead plans an activity of Table 3 (1)–(7) on a day or in a month of
  the contract year (2.1; 3.3 (3): "items (1) to (7) (single fiscal year)").
- ``c3p_activity_done`` / ``c3p_activity_cancel``: held on a day (with a note and evidence), or
  cancelled with its reason.
- ``c3p_monthly_submit`` / ``c3p_monthly_acknowledge``: one report per month of the contract
  period (Table 3 (2): "approximately one A4-size page", electronic), text and/or a file; the
  office acknowledges it.
- ``c3p_monthly_due_set``: the office records the due day the guidebook leaves open (spec §5
  B-11); until then a missing report is "not received", not "overdue".
- ``send_activity_reminders``: the task runner's job (``tasks_activity``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access, clock
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.c3p.models import (
    C3pActivity,
    C3pActivityReminderSent,
    C3pMonthlyDue,
    C3pMonthlyReport,
    C3pProjectYear,
    YearState,
)
from renkei.c3p.services.project import _in_state, _locked_year, _people, _refuse_failures
from renkei.rules.c3p.activities import contract_months, monthly_due_on
from renkei.rules.c3p.project import check_activity_date
from renkei.services import NotAllowed, ServiceError, check_lengths, clean_text

__all__ = [
    "c3p_activity_cancel",
    "c3p_activity_done",
    "c3p_activity_plan",
    "c3p_monthly_acknowledge",
    "c3p_monthly_due_set",
    "c3p_monthly_submit",
    "send_activity_reminders",
]

#: the longest monthly report text (about one A4 page, Table 3 (2); room for a generous page)
MONTHLY_TEXT_LIMIT = 6000


def _require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def _item(item: str) -> str:
    if item not in C3pActivity.Item.values:
        raise ServiceError(_("Choose the item of Table 3, (1) to (7)."))
    return item


def _check_file(upload: UploadedFile | None):
    if upload is None:
        return None
    from renkei.proposals import services as proposal_services

    return proposal_services.check_file(upload)


def _keep(field: Any, upload: UploadedFile, checked: Any) -> None:
    field.save(f"{uuid.uuid4().hex}{checked.ext}", upload, save=False)


def _locked_activity(activity: C3pActivity | int) -> C3pActivity:
    pk = activity.pk if isinstance(activity, C3pActivity) else activity
    return C3pActivity.objects.select_for_update().select_related("year__project").get(pk=pk)


def _link(year: C3pProjectYear) -> str:
    return reverse("c3p:activity_project", args=[year.project_id])


# --- the plan and what became of it ------------------------------------------------------------
def c3p_activity_plan(
    *,
    actor: Any,
    year: C3pProjectYear,
    item: str,
    title: str,
    planned_on: dt.date,
    month_only: bool = False,
) -> C3pActivity:
    """The lead organisation plans an activity of Table 3 (1)–(7) on a day, or only in a month
    (``month_only``: ``planned_on`` is read as its month), inside the contract year (2.1; 3.3 (3)).
    The year may still be in planning (its timeline is part of the implementation plan, BOX 6)."""
    _require(actor, "plan_c3p_activity", year.project)
    item = _item(item)
    title = clean_text(title, _("Title"), limit=200)
    if planned_on is None:
        raise ServiceError(_("Give the planned date (or a day of the planned month)."))
    if month_only:
        planned_on = planned_on.replace(day=1)
    with transaction.atomic():
        year = _locked_year(year)
        _in_state(
            year,
            [YearState.PLANNING, YearState.PLAN_SUBMITTED, YearState.CONTRACTED],
            _("planning an activity"),
        )
        _refuse_failures([check_activity_date(year.fiscal_year, planned_on, what=title)])
        activity = C3pActivity.objects.create(
            year=year,
            item=item,
            title=title,
            state=C3pActivity.State.PLANNED,
            planned_on=planned_on,
            planned_month_only=month_only,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_activity_plan",
            to_state=activity.state,
            payload={
                "activity": activity.pk,
                "item": item,
                "planned_on": planned_on.isoformat(),
                "month_only": month_only,
            },
        )
    return activity


def c3p_activity_done(
    *,
    actor: Any,
    activity: C3pActivity,
    held_on: dt.date,
    note: str = "",
    evidence: UploadedFile | None = None,
) -> C3pActivity:
    """The lead organisation marks a planned activity done: the day it was held, inside the
    contract year (2.1; 3.3 (3)), with an optional short note and evidence (minutes, photos,
    an agenda). Held before the contract was signed is kept and shown for the office (BOX 6)."""
    _require(actor, "plan_c3p_activity", activity.year.project)
    note = clean_text(note, _("Note"), required=False, limit=2000)
    if held_on is None:
        raise ServiceError(_("Give the day the activity was held."))
    checked = _check_file(evidence)
    if checked is not None:
        check_lengths(C3pActivity, evidence_name=checked.name[:255])
    with transaction.atomic():
        activity = _locked_activity(activity)
        year = _locked_year(activity.year_id)
        _in_state(year, [YearState.CONTRACTED], _("marking an activity done"))
        if activity.state != C3pActivity.State.PLANNED:
            raise ServiceError(
                _("“%(title)s” is already %(state)s; only a planned activity is marked done.")
                % {"title": activity.title, "state": activity.get_state_display()}
            )
        _refuse_failures([check_activity_date(year.fiscal_year, held_on, what=activity.title)])
        activity.state = C3pActivity.State.DONE
        activity.held_on = held_on
        activity.note = note
        if checked is not None:
            _keep(activity.evidence, evidence, checked)
            activity.evidence_name = checked.name[:255]
        activity.save()
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_activity_done",
            from_state=C3pActivity.State.PLANNED,
            to_state=activity.state,
            payload={
                "activity": activity.pk,
                "held_on": held_on.isoformat(),
                "evidence": activity.evidence_name,
            },
        )
    return activity


def c3p_activity_cancel(*, actor: Any, activity: C3pActivity, reason: str) -> C3pActivity:
    """The lead organisation cancels a planned activity, with its reason (kept on the record;
    the item's count against Table 3 then shows what is still missing)."""
    _require(actor, "plan_c3p_activity", activity.year.project)
    reason = clean_text(reason, _("Reason for cancelling"), limit=2000)
    with transaction.atomic():
        activity = _locked_activity(activity)
        year = _locked_year(activity.year_id)
        _in_state(
            year,
            [
                YearState.PLANNING,
                YearState.PLAN_SUBMITTED,
                YearState.CONTRACTED,
                YearState.SUSPENDED,
            ],
            _("cancelling an activity"),
        )
        if activity.state != C3pActivity.State.PLANNED:
            raise ServiceError(
                _("“%(title)s” is already %(state)s; only a planned activity is cancelled.")
                % {"title": activity.title, "state": activity.get_state_display()}
            )
        activity.state = C3pActivity.State.CANCELLED
        activity.cancel_reason = reason
        activity.save()
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_activity_cancel",
            from_state=C3pActivity.State.PLANNED,
            to_state=activity.state,
            payload={"activity": activity.pk, "reason": reason},
        )
    return activity


# --- monthly reports -----------------------------------------------------------------------------
def _month_of(value: dt.date | str) -> dt.date:
    if isinstance(value, str):
        try:
            year, month = (int(p) for p in value.strip()[:7].split("-"))
            return dt.date(year, month, 1)
        except ValueError as exc:
            raise ServiceError(
                _("“%(value)s” is not a month; give it as YYYY-MM (e.g. 2025-07).")
                % {"value": value}
            ) from exc
    return value.replace(day=1)


def c3p_monthly_submit(
    *,
    actor: Any,
    year: C3pProjectYear,
    month: dt.date | str,
    text: str = "",
    upload: UploadedFile | None = None,
) -> C3pMonthlyReport:
    """The lead organisation submits the report of a month of the contract period (Table 3 (2):
    progress, surveys and event schedules, "approximately one A4-size page", electronic): text,
    a file, or both. The months run from the contract's signing to March (Renkei's reading);
    a month not ended yet may be reported. A report not yet acknowledged may be replaced."""
    _require(actor, "plan_c3p_activity", year.project)
    month = _month_of(month)
    text = clean_text(text, _("Report"), required=False, limit=MONTHLY_TEXT_LIMIT)
    checked = _check_file(upload)
    if not text and checked is None:
        raise ServiceError(
            _(
                "Write the report (about one A4 page: progress, surveys, event schedules; "
                "Table 3 (2)) or attach its file."
            )
        )
    if checked is not None:
        check_lengths(C3pMonthlyReport, original_name=checked.name[:255])
    with transaction.atomic():
        year = _locked_year(year)
        _in_state(
            year, [YearState.CONTRACTED, YearState.SUSPENDED], _("submitting a monthly report")
        )
        months = contract_months(year.fiscal_year, year.signed_on)
        if month not in months:
            raise ServiceError(
                _(
                    "%(month)s is not a month of the FY%(fy)s contract period (Table 3 (2)): "
                    "monthly reports run from %(first)s (the contract signed on %(signed)s) to "
                    "%(last)s."
                )
                % {
                    "month": month.strftime("%Y-%m"),
                    "fy": year.fiscal_year,
                    "first": months[0].strftime("%Y-%m"),
                    "last": months[-1].strftime("%Y-%m"),
                    "signed": year.signed_on.isoformat(),
                }
            )
        if month > clock.today().replace(day=1):
            raise ServiceError(
                _("%(month)s has not begun; report a month once it is under way.")
                % {"month": month.strftime("%Y-%m")}
            )
        report = C3pMonthlyReport.objects.filter(year=year, month=month).first()
        replaced = report is not None
        if report is not None and report.acknowledged_at is not None:
            raise ServiceError(
                _(
                    "The report for %(month)s was acknowledged by the office on %(day)s; it "
                    "cannot be replaced. Put anything new in next month's report."
                )
                % {
                    "month": month.strftime("%Y-%m"),
                    "day": report.acknowledged_at.astimezone(clock.JST).date(),
                }
            )
        if report is None:
            report = C3pMonthlyReport(year=year, month=month, submitted_by=actor)
        report.text = text
        report.submitted_by, report.submitted_at = actor, clock.now()
        if checked is not None:
            _keep(report.file, upload, checked)
            report.original_name, report.sha256 = checked.name[:255], checked.sha256
        elif replaced:
            report.file, report.original_name, report.sha256 = "", "", ""
        report.save()
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_monthly_submit",
            payload={
                "report": report.pk,
                "month": month.strftime("%Y-%m"),
                "replaced": replaced,
                "file": report.original_name,
            },
        )
        notify(
            _people(year.project, office=True),
            subject=gettext_noop("[Renkei] C3P monthly report received"),
            message=gettext_noop(
                "The monthly report of “%(title)s” for %(month)s is in (Table 3 (2)); "
                "acknowledge it."
            ),
            link=_link(year),
            values={"title": year.project.proposal.title, "month": month.strftime("%Y-%m")},
        )
    return report


def c3p_monthly_acknowledge(*, actor: Any, report: C3pMonthlyReport) -> C3pMonthlyReport:
    """The office acknowledges a monthly report (it "receives monthly and periodic reports",
    spec §3.8); the lead is told."""
    _require(actor, "review_c3p_monthly", report.year.project)
    with transaction.atomic():
        year = _locked_year(report.year_id)
        report = C3pMonthlyReport.objects.select_for_update().get(pk=report.pk)
        if report.acknowledged_at is not None:
            raise ServiceError(
                _("The report for %(month)s is already acknowledged.")
                % {"month": report.month.strftime("%Y-%m")}
            )
        report.acknowledged_by, report.acknowledged_at = actor, clock.now()
        report.save()
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_monthly_acknowledge",
            payload={"report": report.pk, "month": report.month.strftime("%Y-%m")},
        )
        notify(
            _people(year.project),
            subject=gettext_noop("[Renkei] C3P monthly report acknowledged"),
            message=gettext_noop(
                "The office acknowledged the monthly report of “%(title)s” for %(month)s."
            ),
            link=_link(year),
            values={
                "title": year.project.proposal.title,
                "month": report.month.strftime("%Y-%m"),
            },
        )
    return report


def c3p_monthly_due_set(
    *, actor: Any, year: C3pProjectYear, due_day: int, basis: str
) -> C3pMonthlyDue:
    """The office records the day of the following month by which each month's report of the
    year is due, and on what it rests (the contract's specifications, an instruction to the
    lead). The guidebook does not set a due day (Table 3 (2); spec §5 B-11): this is the
    office's decision, and the lead is told."""
    _require(actor, "review_c3p_monthly", year.project)
    basis = clean_text(basis, _("Basis of the decision"), limit=300)
    if not isinstance(due_day, int) or not 1 <= due_day <= 31:
        raise ServiceError(
            _(
                "Give the due day as a day of the following month, 1 to 31 (a shorter month: "
                "its last day)."
            )
        )
    with transaction.atomic():
        year = _locked_year(year)
        due, created = C3pMonthlyDue.objects.update_or_create(
            year=year,
            defaults={
                "due_day": due_day,
                "basis": basis,
                "decided_by": actor,
                "decided_at": clock.now(),
            },
        )
        audit_record(
            actor=actor,
            obj=year,
            action="c3p_monthly_due_set",
            payload={"due_day": due_day, "basis": basis, "first": created},
        )
        notify(
            _people(year.project),
            subject=gettext_noop("[Renkei] C3P monthly report due day"),
            message=gettext_noop(
                "The office set the due day of the monthly reports of “%(title)s” for "
                "FY%(fy)s: day %(day)s of the following month (%(basis)s)."
            ),
            link=_link(year),
            values={
                "title": year.project.proposal.title,
                "fy": year.fiscal_year,
                "day": due_day,
                "basis": basis,
            },
        )
    return due


# --- reminders (the task runner's job) ----------------------------------------------------------
REMIND_SUBJECT = gettext_noop("[Renkei] C3P activities: a reminder")
REMIND_MESSAGES = {
    "activity": gettext_noop(
        "“%(what)s” (Table 3 %(item)s) of “%(title)s” is planned for %(day)s, in %(days)s "
        "day(s); once held, mark it done."
    ),
    "monthly_before": gettext_noop(
        "The monthly report of “%(title)s” for %(month)s is due on %(day)s, in %(days)s "
        "day(s) (Table 3 (2); the due day is the office's decision)."
    ),
    "monthly_overdue": gettext_noop(
        "The monthly report of “%(title)s” for %(month)s was due on %(day)s and is not "
        "received (Table 3 (2)); submit it."
    ),
    "monthly_not_received": gettext_noop(
        "%(month)s has ended and the monthly report of “%(title)s” for it is not received "
        "(Table 3 (2); the guidebook sets no due day)."
    ),
}


def _remind(year: C3pProjectYear, key: str, kind: str, today: dt.date, msg: str, **values) -> bool:
    """One reminder, recorded and notified in one transaction; False when already sent."""
    try:
        with transaction.atomic():
            C3pActivityReminderSent.objects.create(year=year, key=key, kind=kind, sent_on=today)
            people = _people(year.project)
            audit_record(
                actor=None,
                obj=year,
                action="c3p_activity_remind",
                to_state=kind,
                payload={"key": key, "recipients": [p.pk for p in people]},
            )
            notify(
                people,
                subject=REMIND_SUBJECT,
                message=REMIND_MESSAGES[msg],
                link=_link(year),
                values={"title": year.project.proposal.title, **values},
            )
    except IntegrityError:
        return False
    return True


def send_activity_reminders(today: dt.date | None = None) -> int:
    """Every reminder that falls due ``today`` (default: today in JST), each sent once, to the
    lead organisation's and the consortium's applicants in their own language: a planned
    activity N days before (``RENKEI_REMINDER_DAYS_BEFORE``, as the grant stage's); a month's
    report N days before the office's due day and once overdue; without a due day, once after
    the month ended if it is not received. The number sent."""
    from renkei.grants.services.schedule import reminder_days, stage_on

    today = today or clock.today()
    days = reminder_days()
    sent = 0
    years = (
        C3pProjectYear.objects.filter(state=YearState.CONTRACTED, project__ended_at__isnull=True)
        .select_related("project__proposal", "monthly_due")
        .order_by("pk")
    )
    for year in years:
        for a in year.activities.filter(state=C3pActivity.State.PLANNED).order_by("pk"):
            if a.planned_month_only or a.planned_on < today:
                continue  # a month has no day to count down to; a past plan is the page's
            stage = stage_on(a.planned_on, today, days)
            if stage and stage != "overdue":
                sent += _remind(
                    year,
                    f"activity-{a.pk}",
                    stage,
                    today,
                    "activity",
                    what=a.title,
                    item=f"({a.item})",
                    day=a.planned_on.isoformat(),
                    days=(a.planned_on - today).days,
                )
        due_day = getattr(getattr(year, "monthly_due", None), "due_day", None)
        received = set(year.monthly_reports.values_list("month", flat=True))
        for month in contract_months(year.fiscal_year, year.signed_on):
            if month in received:
                continue
            ended = today >= (month + dt.timedelta(days=32)).replace(day=1)
            due = monthly_due_on(month, due_day)
            key = f"monthly-{month:%Y-%m}"
            values = {"month": month.strftime("%Y-%m")}
            if due is None:
                if ended:
                    sent += _remind(
                        year, key, "not_received", today, "monthly_not_received", **values
                    )
                continue
            stage = stage_on(due, today, days)
            if stage == "overdue":
                sent += _remind(
                    year, key, stage, today, "monthly_overdue", day=due.isoformat(), **values
                )
            elif stage is not None:
                sent += _remind(
                    year,
                    key,
                    stage,
                    today,
                    "monthly_before",
                    day=due.isoformat(),
                    days=(due - today).days,
                    **values,
                )
    return sent
