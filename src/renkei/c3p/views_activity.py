"""The C3P activity part's pages (issue 11; C3P Table 3, §2.3):

- a project's activities (``/c3p/projects/<pk>/activities/``): Table 3 items planned / done /
  expected (the rules core's verdict), the year's activities with their state, the monthly
  reports month by month, and the forms each role may use: the lead plans, marks done (with a
  note and evidence) or cancels, and submits the monthly reports; the office acknowledges them
  and records the due day the guidebook leaves open (spec §5 B-11). A refused form comes back
  as typed with the reason.
- the calendar (``/c3p/calendar/``): a month view and a list of the planned and done activities
  and the monthly reports' due dates of every project (the office) or of one's own projects,
  filterable by country and project, with an .ics export (``/c3p/calendar.ics``).

A project someone may not see is 404; one they see but may not act on is 403.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renkei import access, clock
from renkei.c3p import selectors_activity as selectors
from renkei.c3p.models import C3pActivity, C3pMonthlyReport, C3pProject, YearState
from renkei.c3p.policy.project import projects_for
from renkei.c3p.services import activity as svc
from renkei.services import NotAllowed, ServiceError
from renkei.web.forms_run import refused, require_can

DATE = {"widget": forms.DateInput({"type": "date"})}


# --- forms ---------------------------------------------------------------------------------------
class PlanForm(forms.Form):
    item = forms.ChoiceField(label=gettext_lazy("Table 3 item"), choices=C3pActivity.Item.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    planned_on = forms.DateField(label=gettext_lazy("Planned date"), **DATE)
    month_only = forms.BooleanField(
        label=gettext_lazy("Only the month is planned (the day is not fixed yet)"), required=False
    )


class DoneForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("Held on"), **DATE)
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )
    evidence = forms.FileField(label=gettext_lazy("Evidence (optional)"), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for cancelling"),
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )


class MonthlyForm(forms.Form):
    month = forms.ChoiceField(label=gettext_lazy("Month"))
    text = forms.CharField(
        label=gettext_lazy("Report (about one A4 page: progress, surveys, event schedules)"),
        required=False,
        max_length=svc.MONTHLY_TEXT_LIMIT,
        widget=forms.Textarea({"rows": 8}),
    )
    upload = forms.FileField(label=gettext_lazy("File (optional)"), required=False)

    def __init__(self, *args: Any, months: list[dt.date] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(m.strftime("%Y-%m"), m.strftime("%Y-%m")) for m in months]


class DueForm(forms.Form):
    due_day = forms.IntegerField(
        label=gettext_lazy("Due day of the following month (1–31)"), min_value=1, max_value=31
    )
    basis = forms.CharField(
        label=gettext_lazy("Basis of the decision (e.g. the contract's specifications)"),
        max_length=300,
    )


# --- one project's activities ----------------------------------------------------------------
def _visible(request: HttpRequest, pk: int) -> C3pProject:
    project = projects_for(request.user).filter(pk=pk).first()
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


def _open_months(year) -> list[dt.date]:
    """The months the lead may report now: begun, not acknowledged."""
    this_month = clock.today().replace(day=1)
    acknowledged = {r.month for r in year.monthly_reports.all() if r.acknowledged_at}
    return [
        m
        for m in selectors.contract_months(year.fiscal_year, year.signed_on)
        if m <= this_month and m not in acknowledged
    ]


def _page(request: HttpRequest, project: C3pProject, bound: dict | None = None, status=200):
    year = _current(project)
    lead = access.can(request.user, "plan_c3p_activity", project)
    office = access.can(request.user, "review_c3p_monthly", project)
    state = year.state
    forms_: dict[str, Any] = {}
    if lead and state in (YearState.PLANNING, YearState.PLAN_SUBMITTED, YearState.CONTRACTED):
        forms_["plan"] = PlanForm()
    if lead and state in (YearState.CONTRACTED, YearState.SUSPENDED) and _open_months(year):
        forms_["monthly"] = MonthlyForm(months=_open_months(year))
    if office:
        due = getattr(year, "monthly_due", None)
        forms_["due"] = DueForm(
            initial={"due_day": due.due_day, "basis": due.basis} if due else None
        )
    forms_.update(bound or {})
    activities = sorted(year.activities.all(), key=lambda a: (a.day or dt.date.max, a.pk))
    bound_activity = (bound or {}).get("activity_pk")
    return render(
        request,
        "c3p/activity/project.html",
        {
            "project": project,
            "year": year,
            "table3": selectors.table3_rows(year),
            "activities": activities,
            "months": selectors.month_rows(year),
            "due": getattr(year, "monthly_due", None),
            "forms": forms_,
            "lead": lead,
            "office": office,
            "can_mark": lead and state == YearState.CONTRACTED,
            "can_cancel": lead and state != YearState.CLOSED and state != YearState.REPORTED,
            "bound_activity": bound_activity,
            "done_form": (bound or {}).get("done") or DoneForm(),
            "cancel_form": (bound or {}).get("cancel") or CancelForm(),
        },
        status=status,
    )


@login_required
def activity_project(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _visible(request, pk))


def _run(request, project, key: str, form, run, done: str, *, files=False, extra=None):
    """Run ``run(cleaned_data)`` on a valid form: success → the page again (a redirect); a
    refusal or invalid form → the page with the form as typed and the reasons."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except NotAllowed as exc:
            raise PermissionDenied from exc
        except ServiceError as exc:
            refused(form, exc)
        else:
            messages.success(request, done)
            return redirect("c3p:activity_project", pk=project.pk)
    if files and request.FILES:
        form.add_error(None, _("Choose the file again: a browser never keeps a chosen file."))
    return _page(request, project, {key: form, **(extra or {})})


@login_required
@require_POST
def activity_plan(request: HttpRequest, pk: int) -> HttpResponse:
    project = _visible(request, pk)
    require_can(request, "plan_c3p_activity", project)
    year = _current(project)
    return _run(
        request,
        project,
        "plan",
        PlanForm(request.POST),
        lambda d: svc.c3p_activity_plan(actor=request.user, year=year, **d),
        _("The activity is planned."),
    )


def _activity(request: HttpRequest, activity_pk: int) -> tuple[C3pActivity, C3pProject]:
    activity = get_object_or_404(C3pActivity.objects.select_related("year"), pk=activity_pk)
    return activity, _visible(request, activity.year.project_id)


@login_required
@require_POST
def activity_done(request: HttpRequest, activity_pk: int) -> HttpResponse:
    activity, project = _activity(request, activity_pk)
    require_can(request, "plan_c3p_activity", project)
    return _run(
        request,
        project,
        "done",
        DoneForm(request.POST, request.FILES),
        lambda d: svc.c3p_activity_done(
            actor=request.user,
            activity=activity,
            held_on=d["held_on"],
            note=d["note"],
            evidence=d["evidence"],
        ),
        _("The activity is marked done."),
        files=True,
        extra={"activity_pk": activity.pk},
    )


@login_required
@require_POST
def activity_cancel(request: HttpRequest, activity_pk: int) -> HttpResponse:
    activity, project = _activity(request, activity_pk)
    require_can(request, "plan_c3p_activity", project)
    return _run(
        request,
        project,
        "cancel",
        CancelForm(request.POST),
        lambda d: svc.c3p_activity_cancel(actor=request.user, activity=activity, **d),
        _("The activity is cancelled."),
        extra={"activity_pk": activity.pk},
    )


@login_required
def activity_evidence(request: HttpRequest, activity_pk: int) -> FileResponse:
    activity, _project = _activity(request, activity_pk)
    if not activity.evidence:
        raise Http404
    return FileResponse(
        activity.evidence.open("rb"), as_attachment=True, filename=activity.evidence_name
    )


@login_required
@require_POST
def activity_monthly_submit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _visible(request, pk)
    require_can(request, "plan_c3p_activity", project)
    year = _current(project)
    months = _open_months(year) or selectors.contract_months(year.fiscal_year, year.signed_on)
    return _run(
        request,
        project,
        "monthly",
        MonthlyForm(request.POST, request.FILES, months=months),
        lambda d: svc.c3p_monthly_submit(
            actor=request.user, year=year, month=d["month"], text=d["text"], upload=d["upload"]
        ),
        _("The monthly report is submitted."),
        files=True,
    )


def _report(request: HttpRequest, report_pk: int) -> tuple[C3pMonthlyReport, C3pProject]:
    report = get_object_or_404(C3pMonthlyReport.objects.select_related("year"), pk=report_pk)
    return report, _visible(request, report.year.project_id)


@login_required
@require_POST
def activity_monthly_ack(request: HttpRequest, report_pk: int) -> HttpResponse:
    report, project = _report(request, report_pk)
    require_can(request, "review_c3p_monthly", project)
    try:
        svc.c3p_monthly_acknowledge(actor=request.user, report=report)
    except NotAllowed as exc:
        raise PermissionDenied from exc
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The monthly report is acknowledged."))
    return redirect("c3p:activity_project", pk=project.pk)


@login_required
def activity_monthly_file(request: HttpRequest, report_pk: int) -> FileResponse:
    report, _project = _report(request, report_pk)
    if not report.file:
        raise Http404
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.original_name)


@login_required
@require_POST
def activity_monthly_due(request: HttpRequest, pk: int) -> HttpResponse:
    project = _visible(request, pk)
    require_can(request, "review_c3p_monthly", project)
    year = _current(project)
    return _run(
        request,
        project,
        "due",
        DueForm(request.POST),
        lambda d: svc.c3p_monthly_due_set(actor=request.user, year=year, **d),
        _("The due day of the monthly reports is recorded."),
    )


# --- the calendar ---------------------------------------------------------------------------------
def _calendar_filters(request: HttpRequest) -> tuple[dt.date, dict[str, str]]:
    """The month shown (``month=YYYY-MM``, default this month) and the filters as typed; a value
    that is not one is dropped and said so."""
    today = clock.today()
    month = today.replace(day=1)
    asked = request.GET.get("month", "").strip()[:7]
    if asked:
        try:
            y, m = (int(p) for p in asked.split("-"))
            month = dt.date(y, m, 1)
        except ValueError:
            messages.warning(
                request,
                _("“%(value)s” is not a month; type it as YYYY-MM (e.g. 2025-07).")
                % {"value": asked},
            )
    country = request.GET.get("country", "").strip()[:10]
    if country and not (len(country) == 2 and country.isalpha() and country.isascii()):
        messages.warning(
            request,
            _("“%(value)s” is not a country code; type its two letters (e.g. VN).")
            % {"value": country},
        )
        country = ""
    project = request.GET.get("project", "").strip()[:10]
    if project and not project.isdigit():
        messages.warning(request, _("“%(value)s” is not a project number.") % {"value": project})
        project = ""
    return month, {"country": country.upper(), "project": project}


def _calendar_projects(request: HttpRequest, filters: dict[str, str]):
    if not access.can(request.user, "view_c3p_calendar"):
        raise Http404
    qs = projects_for(request.user)
    if filters.get("country"):
        qs = qs.filter(proposal__country=filters["country"])
    if filters.get("project"):
        qs = qs.filter(pk=int(filters["project"]))
    return qs


def _shift(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


@login_required
def activity_calendar(request: HttpRequest) -> HttpResponse:
    month, filters = _calendar_filters(request)
    projects = _calendar_projects(request, filters)
    last = _shift(month, 1) - dt.timedelta(days=1)
    entries = selectors.calendar_entries(projects, month, last)
    by_day: dict[dt.date, list] = {}
    for e in entries:
        by_day.setdefault(e.day, []).append(e)
    weeks = [
        [(d, by_day.get(d, []), d.month == month.month) for d in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    ]
    query = {k: v for k, v in filters.items() if v}
    from django.utils.http import urlencode

    return render(
        request,
        "c3p/activity/calendar.html",
        {
            "month": month,
            "weeks": weeks,
            "entries": entries,
            "filters": filters,
            "choices": projects_for(request.user).select_related("proposal"),
            "previous": urlencode({**query, "month": _shift(month, -1).strftime("%Y-%m")}),
            "next": urlencode({**query, "month": _shift(month, 1).strftime("%Y-%m")}),
            "ics": urlencode(query),
            "office": access.can(request.user, "view_c3p_projects"),
        },
    )


@login_required
def activity_calendar_ics(request: HttpRequest) -> HttpResponse:
    """The calendar as an iCalendar file (RFC 5545, written by the ``icalendar`` library): every
    entry of the projects the filters keep, in the contract years on record."""
    from icalendar import Calendar, Event

    _month, filters = _calendar_filters(request)
    projects = _calendar_projects(request, filters)
    entries = selectors.calendar_entries(projects, dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    cal = Calendar()
    cal.add("prodid", "-//Renkei//C3P activities//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("C3P activities and monthly reports"))
    stamp = clock.now()
    labels = dict(C3pActivity.Item.choices)
    for e in entries:
        event = Event()
        event.add("uid", f"{e.uid}@renkei")
        event.add("dtstamp", stamp)
        event.add("dtstart", e.day)
        event.add("dtend", e.day + dt.timedelta(days=1))
        if e.kind == "activity":
            summary = f"{e.title} ({labels[e.item]})"
        else:
            summary = _("Monthly report %(month)s (Table 3 (2))") % {"month": e.title}
        event.add("summary", f"{summary} · {e.project.proposal.title}")
        event.add("categories", [e.kind, e.state])
        event.add(
            "url",
            request.build_absolute_uri(reverse("c3p:activity_project", args=[e.project.pk])),
        )
        if e.kind == "activity" and e.state == C3pActivity.State.CANCELLED:
            event.add("status", "CANCELLED")
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="renkei-c3p-calendar.ics"'
    return response


urlpatterns: list[Any] = [
    path("c3p/projects/<int:pk>/activities/", activity_project, name="activity_project"),
    path("c3p/projects/<int:pk>/activities/plan/", activity_plan, name="activity_plan"),
    path("c3p/activities/<int:activity_pk>/done/", activity_done, name="activity_done"),
    path("c3p/activities/<int:activity_pk>/cancel/", activity_cancel, name="activity_cancel"),
    path(
        "c3p/activities/<int:activity_pk>/evidence/",
        activity_evidence,
        name="activity_evidence",
    ),
    path(
        "c3p/projects/<int:pk>/monthly-reports/",
        activity_monthly_submit,
        name="activity_monthly_submit",
    ),
    path(
        "c3p/monthly-reports/<int:report_pk>/acknowledge/",
        activity_monthly_ack,
        name="activity_monthly_ack",
    ),
    path(
        "c3p/monthly-reports/<int:report_pk>/file/",
        activity_monthly_file,
        name="activity_monthly_file",
    ),
    path("c3p/projects/<int:pk>/monthly-due/", activity_monthly_due, name="activity_monthly_due"),
    path("c3p/calendar/", activity_calendar, name="activity_calendar"),
    path("c3p/calendar.ics", activity_calendar_ics, name="activity_calendar_ics"),
]

__all__ = ["urlpatterns"]
