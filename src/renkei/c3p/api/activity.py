"""The C3P activity part in the REST API (issue 11; C3P Table 3, §2.3): a project's contract year
with its Table 3 items planned / done / expected, its activities and monthly reports; planning,
marking done or cancelled, submitting and acknowledging monthly reports, the office's due day;
the calendar. Every change through the same services (``renkei.c3p.services.activity``) and
rules (``policy.activity``) as the pages: a project the caller may not see is 404, one it sees
but may not change is 403, a refusal of the rules is 422 with the guidebook's place. Files
(evidence, a monthly report's file) are uploaded on the pages; the API takes the text."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from renkei import access
from renkei.apikit import jst, op, path_id, text
from renkei.c3p import selectors_activity as selectors
from renkei.c3p.models import C3pActivity, C3pMonthlyReport, C3pProject
from renkei.c3p.policy.project import projects_for
from renkei.c3p.services import activity as svc
from renkei.services import ServiceError

router = Router(tags=["c3p"])

ProjectId = path_id("C3P project id.")
ActivityId = path_id("Activity id.")
ReportId = path_id("Monthly report id.")
ERRORS = (400, 401, 403, 404, 422)
Title = text(200)
Note = text(2000, min_length=0)
Reason = text(2000)
Basis = text(300)
MonthlyText = text(svc.MONTHLY_TEXT_LIMIT)


def _lang(request) -> str:
    from django.utils.translation import get_language

    return "en" if (get_language() or "ja").startswith("en") else "ja"


# --- answers ------------------------------------------------------------------
class C3pActivityTable3Out(Schema):
    item: str = Field(description="Table 3 item, 1 to 7.")
    done: int = Field(description="Done this year (for (2): monthly reports received).")
    planned: int = Field(description="Still planned this year (cancelled ones do not count).")
    expected: int = Field(
        description="What Table 3 expects for a single fiscal year (3.3 (3)); for (2), the "
        "months from the contract's signing to March."
    )
    approximate: bool = Field(description="Table 3 says about / approximately.")
    below: bool = Field(description="Done is below what Table 3 expects (the rules core).")
    status: str = Field(description="pass or needs_review (the rules core's verdict).")
    clause: str = Field(description="The guidebook's place.")
    message: str = Field(description="The finding, in the request's language.")


class C3pActivityOut(Schema):
    id: int = Field(description="Activity id.")
    item: str = Field(description="Table 3 item, 1 to 7.")
    title: str = Field(description="What the activity is.")
    state: str = Field(description="planned, done or cancelled.")
    planned_on: dt.date | None = Field(
        description="The planned day (the month's first day when only the month is planned)."
    )
    month_only: bool = Field(description="Only the month is planned.")
    held_on: dt.date | None = Field(description="The day it was held, once done.")
    note: str = Field(description="The lead's short note when done (may be empty).")
    has_evidence: bool = Field(description="Evidence was uploaded (download it on the page).")
    cancel_reason: str = Field(description="Why it was cancelled (empty unless cancelled).")


class C3pActivityMonthOut(Schema):
    month: str = Field(description="The month, YYYY-MM.")
    due_on: dt.date | None = Field(
        description="The due date by the office's recorded due day; null while none is "
        "recorded (the guidebook does not set a due day)."
    )
    state: Literal["open", "due", "overdue", "not_received", "received", "received_late"] = Field(
        description="open (the month under way), due, overdue (past the office's due day), "
        "not_received (ended, no due day recorded), received, received_late."
    )
    report_id: int | None = Field(description="The report's id, once submitted.")
    text: str = Field(description="The report's text (may be empty when a file was sent).")
    has_file: bool = Field(description="A file was attached (download it on the page).")
    submitted_at: dt.datetime | None = Field(description="When submitted (ISO 8601 in JST).")
    acknowledged_at: dt.datetime | None = Field(
        description="When the office acknowledged it (ISO 8601 in JST); null before."
    )
    message: str = Field(description="Where it stands, in the request's language.")


class C3pActivityDueOut(Schema):
    due_day: int = Field(description="Day of the following month (a shorter month: its last).")
    basis: str = Field(description="What the office's decision rests on.")
    decided_at: dt.datetime = Field(description="When recorded (ISO 8601 in JST).")


class C3pActivityYearOut(Schema):
    project_id: int = Field(description="C3P project id.")
    year_id: int = Field(description="The current contract year's id.")
    fiscal_year: int = Field(description="Its fiscal year (April to March).")
    state: str = Field(description="The contract year's state.")
    signed_on: dt.date | None = Field(description="The day its contract was signed.")
    table3: list[C3pActivityTable3Out] = Field(description="Per Table 3 item, (1) to (7).")
    activities: list[C3pActivityOut] = Field(description="The year's activities, by date.")
    months: list[C3pActivityMonthOut] = Field(
        description="Each month of the contract period with its report."
    )
    monthly_due: C3pActivityDueOut | None = Field(
        description="The office's recorded due day; null: none (the guidebook sets none)."
    )


class C3pActivityCalendarEntryOut(Schema):
    day: dt.date = Field(description="The day shown (a month-only plan: the month's first day).")
    kind: Literal["activity", "monthly"] = Field(description="An activity or a monthly report.")
    state: str = Field(description="The activity's or the monthly report's state.")
    title: str = Field(description="The activity's title, or the report's month (YYYY-MM).")
    item: str = Field(description="Table 3 item (2 for a monthly report).")
    month_only: bool = Field(description="A plan for the month, no day fixed.")
    project_id: int = Field(description="C3P project id.")
    project_title: str = Field(description="The project's title.")
    country: str = Field(description="The project's country (ISO 3166-1 alpha-2).")


class C3pActivityCalendarOut(Schema):
    start: dt.date = Field(description="First day covered.")
    end: dt.date = Field(description="Last day covered.")
    entries: list[C3pActivityCalendarEntryOut] = Field(description="By day.")


# --- requests -------------------------------------------------------------------
class C3pActivityPlanIn(Schema):
    item: Literal["1", "2", "3", "4", "5", "6", "7"] = Field(description="Table 3 item.")
    title: Title = Field(description="What is planned.")
    planned_on: dt.date = Field(
        description="The planned day, inside the contract year (with month_only: any day of "
        "the planned month)."
    )
    month_only: bool = Field(False, description="Only the month is planned.")


class C3pActivityDoneIn(Schema):
    held_on: dt.date = Field(description="The day it was held, inside the contract year.")
    note: Note = Field("", description="A short note (optional).")


class C3pActivityCancelIn(Schema):
    reason: Reason = Field(description="Why it is cancelled.")


class C3pActivityMonthlyIn(Schema):
    month: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")] = Field(
        description="The month reported, YYYY-MM, inside the contract period."
    )
    text: MonthlyText = Field(
        description="About one A4 page: progress, surveys, event schedules (Table 3 (2))."
    )


class C3pActivityDueIn(Schema):
    due_day: int = Field(ge=1, le=31, description="Day of the following month, 1 to 31.")
    basis: Basis = Field(description="What the decision rests on.")


class C3pActivityCalendarFilters(Schema):
    start: dt.date | None = Field(None, description="First day (default: this month's first).")
    end: dt.date | None = Field(None, description="Last day (default: this month's last).")
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        None, description="Keep one country's projects (ISO 3166-1 alpha-2)."
    )
    project: int | None = Field(None, ge=1, description="Keep one project.")


class C3pActivityEmptyIn(Schema):
    pass


# --- helpers ------------------------------------------------------------------
def _visible(request, project_id: int) -> C3pProject:
    project = projects_for(request.user).filter(pk=project_id).first()
    if project is None or not access.can(request.user, "view_c3p_project", project):
        raise Http404
    return project


def _current(project: C3pProject):
    year = (
        project.years.select_related("monthly_due")
        .prefetch_related("activities", "monthly_reports", "settlements")
        .order_by("-fiscal_year")
        .first()
    )
    if year is None:
        raise Http404
    return year


def _year_out(request, project: C3pProject) -> C3pActivityYearOut:
    year = _current(project)
    lang = _lang(request)
    due = getattr(year, "monthly_due", None)
    return C3pActivityYearOut(
        project_id=project.pk,
        year_id=year.pk,
        fiscal_year=year.fiscal_year,
        state=year.state,
        signed_on=year.signed_on,
        table3=[
            C3pActivityTable3Out(
                item=t.item,
                done=t.done,
                planned=t.planned,
                expected=t.expected,
                approximate=t.approximate,
                below=t.below,
                status=t.status,
                clause=t.clause,
                message=t.finding.message(lang),
            )
            for t in selectors.table3_rows(year)
        ],
        activities=[
            C3pActivityOut(
                id=a.pk,
                item=a.item,
                title=a.title,
                state=a.state,
                planned_on=a.planned_on,
                month_only=a.planned_month_only,
                held_on=a.held_on,
                note=a.note,
                has_evidence=bool(a.evidence),
                cancel_reason=a.cancel_reason,
            )
            for a in sorted(year.activities.all(), key=lambda a: (a.day or dt.date.max, a.pk))
        ],
        months=[
            C3pActivityMonthOut(
                month=m.month.strftime("%Y-%m"),
                due_on=m.due_on,
                state=m.state,
                report_id=m.report.pk if m.report else None,
                text=m.report.text if m.report else "",
                has_file=bool(m.report and m.report.file),
                submitted_at=jst(m.report.submitted_at) if m.report else None,
                acknowledged_at=jst(m.report.acknowledged_at) if m.report else None,
                message=m.finding.message(lang),
            )
            for m in selectors.month_rows(year)
        ],
        monthly_due=(
            C3pActivityDueOut(due_day=due.due_day, basis=due.basis, decided_at=jst(due.decided_at))
            if due
            else None
        ),
    )


def _activity(request, activity_id: int) -> tuple[C3pActivity, C3pProject]:
    activity = C3pActivity.objects.select_related("year").filter(pk=activity_id).first()
    if activity is None:
        raise Http404
    return activity, _visible(request, activity.year.project_id)


OK = {200: (C3pActivityYearOut, "Done: the project's year as it is now.")}


# --- operations -----------------------------------------------------------------
@router.get(
    "/c3p/projects/{project_id}/activities/year",
    summary="A C3P project's activities and monthly reports this contract year",
    **op({200: (C3pActivityYearOut, "The current contract year.")}, 401, 404, 422),
)
def activity_year(request, project_id: ProjectId) -> C3pActivityYearOut:
    """Table 3 items planned / done / expected (the rules core's verdict), the year's
    activities and each month's report with where it stands."""
    return _year_out(request, _visible(request, project_id))


@router.post(
    "/c3p/projects/{project_id}/activities/plan",
    summary="Plan an activity of Table 3 (the lead organisation)",
    **op(OK, *ERRORS),
)
def activity_plan(request, project_id: ProjectId, body: C3pActivityPlanIn) -> Status:
    """On a day, or only in a month, inside the contract year (2.1; 3.3 (3))."""
    project = _visible(request, project_id)
    svc.c3p_activity_plan(actor=request.user, year=_current(project), **body.dict())
    return Status(200, _year_out(request, project))


@router.post(
    "/c3p/activities/{activity_id}/done",
    summary="Mark a planned activity done (the lead organisation)",
    **op(OK, *ERRORS),
)
def activity_done(request, activity_id: ActivityId, body: C3pActivityDoneIn) -> Status:
    """The day it was held, inside the contract year, with a short note."""
    activity, project = _activity(request, activity_id)
    svc.c3p_activity_done(actor=request.user, activity=activity, **body.dict())
    return Status(200, _year_out(request, project))


@router.post(
    "/c3p/activities/{activity_id}/cancel",
    summary="Cancel a planned activity with its reason (the lead organisation)",
    **op(OK, *ERRORS),
)
def activity_cancel(request, activity_id: ActivityId, body: C3pActivityCancelIn) -> Status:
    """The reason is kept; the item's count against Table 3 shows what is still missing."""
    activity, project = _activity(request, activity_id)
    svc.c3p_activity_cancel(actor=request.user, activity=activity, **body.dict())
    return Status(200, _year_out(request, project))


@router.post(
    "/c3p/projects/{project_id}/monthly-reports",
    summary="Submit a monthly report (the lead organisation; Table 3 (2))",
    **op(OK, *ERRORS),
)
def activity_monthly_submit(request, project_id: ProjectId, body: C3pActivityMonthlyIn) -> Status:
    """A month of the contract period (from the contract's signing to March) that has begun;
    a report not yet acknowledged is replaced."""
    project = _visible(request, project_id)
    svc.c3p_monthly_submit(actor=request.user, year=_current(project), **body.dict())
    return Status(200, _year_out(request, project))


@router.post(
    "/c3p/monthly-reports/{report_id}/acknowledge",
    summary="Acknowledge a monthly report (the office)",
    **op(OK, *ERRORS),
)
def activity_monthly_ack(request, report_id: ReportId, body: C3pActivityEmptyIn) -> Status:
    """Once; the lead organisation is told."""
    report = C3pMonthlyReport.objects.select_related("year").filter(pk=report_id).first()
    if report is None:
        raise Http404
    project = _visible(request, report.year.project_id)
    svc.c3p_monthly_acknowledge(actor=request.user, report=report)
    return Status(200, _year_out(request, project))


@router.post(
    "/c3p/projects/{project_id}/monthly-due",
    summary="Record the monthly reports' due day (the office; the guidebook sets none)",
    **op(OK, *ERRORS),
)
def activity_monthly_due(request, project_id: ProjectId, body: C3pActivityDueIn) -> Status:
    """The day of the following month, and what the decision rests on (spec §5 B-11). Until
    one is recorded, a missing report is not received, not overdue."""
    project = _visible(request, project_id)
    svc.c3p_monthly_due_set(actor=request.user, year=_current(project), **body.dict())
    return Status(200, _year_out(request, project))


@router.get(
    "/c3p/calendar",
    summary="The C3P calendar: planned and done activities, monthly reports due",
    **op({200: (C3pActivityCalendarOut, "The entries between start and end.")}, 401, 404, 422),
)
def activity_calendar(request, filters: Query[C3pActivityCalendarFilters]):
    """The office: every project's; an applicant: its consortium's projects. A monthly report
    is on its due day when the office recorded one, else on the first day after the month."""
    from renkei import clock

    if not access.can(request.user, "view_c3p_calendar"):
        raise Http404
    first = clock.today().replace(day=1)
    start = filters.start or first
    end = filters.end or ((first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))
    if end < start or (end - start).days > 400:
        raise ServiceError(
            _("Give end on or after start, at most 400 days apart (e.g. one contract year).")
        )
    qs = projects_for(request.user)
    if filters.country:
        qs = qs.filter(proposal__country=filters.country.upper())
    if filters.project:
        qs = qs.filter(pk=filters.project)
    return C3pActivityCalendarOut(
        start=start,
        end=end,
        entries=[
            C3pActivityCalendarEntryOut(
                day=e.day,
                kind=e.kind,
                state=e.state,
                title=e.title,
                item=e.item,
                month_only=e.month_only,
                project_id=e.project.pk,
                project_title=e.project.proposal.title,
                country=e.project.proposal.country,
            )
            for e in selectors.calendar_entries(qs, start, end)
        ],
    )
