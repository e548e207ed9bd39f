"""The grant's schedule pages and its panel on the grant's page: every due date with its clause,
the reading applied and whether it is done, overdue or soon; the office's calendar of every open
due date of every grant (by month, overdue first; also as an .ics file) and marking a due date
done where no record closes it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from renkei import access, clock
from renkei.grants.models import Grant, GrantDeadline
from renkei.grants.services.schedule import (
    deadline_mark_done,
    describe,
    reading_text,
    reminder_days,
    spec_of,
)
from renkei.services import ServiceError

JST = ZoneInfo("Asia/Tokyo")


today = clock.today


def status_of(row: GrantDeadline, on: dt.date) -> tuple[str, str]:
    """(css status, words) of a due date on day ``on``: done, no longer applies, no due date,
    overdue, soon (within the first reminder's window), open; a date that opens something
    (``from``) or keeps something (``until``) reads as such."""
    kind = spec_of(row.key).kind
    if row.done_at is not None:
        return "pass", _("done on %(day)s") % {
            "day": row.done_at.astimezone(JST).strftime("%Y-%m-%d")
        }
    if row.cancelled_at is not None:
        return "info", _("no longer applies")
    if row.due_on is None:
        return "info", _("the call sets no due date")
    if kind == "until":
        return "info", _("kept until this date")
    days = reminder_days()
    if kind == "from":
        return ("needs_review", _("possible now")) if on >= row.due_on else ("info", _("from"))
    if on > row.due_on:
        return "fail", _("overdue by %(days)s days") % {"days": (on - row.due_on).days}
    if days and (row.due_on - on).days <= days[0]:
        return "needs_review", _("due in %(days)s days") % {"days": (row.due_on - on).days}
    return "info", _("open")


def _row(row: GrantDeadline, on: dt.date, user: Any) -> dict[str, Any]:
    css, words = status_of(row, on)
    marked = (row.details or {}).get("marked_done")
    return {
        "row": row,
        "what": describe(row),
        "css": css,
        "status": words,
        "reading": reading_text(row.reading, row.details),
        "side": spec_of(row.key).side,
        "marked_reason": marked["reason"] if marked else "",
        "accepted_on": _accepted_on(row),
        "can_mark": (
            row.done_at is None
            and row.cancelled_at is None
            and spec_of(row.key).marked_by_office
            and access.can(user, "mark_deadline_done", row)
        ),
    }


def _accepted_on(row: GrantDeadline) -> str:
    """The office's acceptance of the grant application, shown beside its first submission
    (spec A-05: the two are tracked separately)."""
    accepted = (row.details or {}).get("accepted_at")
    if not accepted:
        return ""
    return dt.datetime.fromisoformat(accepted).astimezone(JST).strftime("%Y-%m-%d")


def panel(request: HttpRequest, grant: Grant) -> dict[str, Any]:
    """Context for ``grants/schedule/_panel.html`` on the grant's page."""
    if not access.can(request.user, "view_grant_deadlines", grant):
        return {"schedule_rows": []}
    on = today()
    rows = sorted(
        grant.deadlines.all(),
        key=lambda r: (r.cancelled_at is not None, r.due_on is None, r.due_on or dt.date.max, r.pk),
    )
    return {
        "schedule_rows": [_row(r, on, request.user) for r in rows],
        "schedule_today": on,
        "schedule_calendar": access.can(request.user, "view_deadline_calendar", None),
    }


# --- the office's calendar ----------------------------------------------------------------------
def open_deadlines():
    """Every open due date of every grant (not done, still applying), what a calendar shows;
    dates that only keep something (``until``) are on the grant's page."""
    rows = (
        GrantDeadline.objects.filter(done_at__isnull=True, cancelled_at__isnull=True)
        .select_related("grant__selection__proposal")
        .order_by("due_on", "grant__number", "pk")
    )
    return [r for r in rows if spec_of(r.key).kind != "until"]


def calendar_groups(rows: list[GrantDeadline], on: dt.date) -> dict[str, Any]:
    """Overdue (and reached) first, then by month; due dates the call does not set apart (an
    annual report's once its period has ended)."""
    overdue, undated = [], []
    months: dict[str, list] = defaultdict(list)
    for row in rows:
        if row.due_on is None:
            # an annual report whose period has not ended yet is not for the calendar yet
            ends = (row.details or {}).get("period_end")
            if ends is None or dt.date.fromisoformat(ends) < on:
                undated.append(row)
        elif row.due_on < on:
            overdue.append(row)
        else:
            months[row.due_on.strftime("%Y-%m")].append(row)
    return {"overdue": overdue, "months": sorted(months.items()), "undated": undated}


def _require_calendar(request: HttpRequest) -> None:
    if not access.can(request.user, "view_deadline_calendar", None):
        raise Http404


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    _require_calendar(request)
    on = today()
    groups = calendar_groups(open_deadlines(), on)

    def rows(items):
        return [_row(r, on, request.user) for r in items]

    return render(
        request,
        "grants/schedule/calendar.html",
        {
            "today": on,
            "overdue": rows(groups["overdue"]),
            "months": [(month, rows(items)) for month, items in groups["months"]],
            "undated": rows(groups["undated"]),
        },
    )


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 3.1: lines of at most 75 octets, continued with a leading space."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def ics(rows: list[GrantDeadline], request: HttpRequest) -> str:
    """An iCalendar file (RFC 5545) with one all-day event per dated open due date."""
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Renkei//Grant due dates//EN",
        "CALSCALE:GREGORIAN",
    ]
    for row in rows:
        if row.due_on is None:
            continue
        grant = row.grant
        summary = f"{grant.number}: {describe(row)}"
        link = request.build_absolute_uri(reverse("grants:detail", args=[grant.pk]))
        lines += [
            "BEGIN:VEVENT",
            f"UID:renkei-deadline-{row.pk}-{row.due_on:%Y%m%d}@renkei",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{row.due_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{row.due_on + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(summary)}",
            "DESCRIPTION:"
            + _ics_text(f"{grant.selection.proposal.title}\n{_('JCM call')} {row.clause}"),
            f"URL:{link}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))


@login_required
def calendar_ics(request: HttpRequest) -> HttpResponse:
    _require_calendar(request)
    response = HttpResponse(ics(open_deadlines(), request), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="renkei-grant-due-dates.ics"'
    return response


# --- marking a due date done --------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The office records a due date as done, with how it knows (the reason is kept)."""
    row = (
        GrantDeadline.objects.filter(grant__in=access.grants_for(request.user), pk=pk)
        .select_related("grant__selection__proposal")
        .first()
    )
    if row is None or not access.can(request.user, "mark_deadline_done", row):
        raise Http404
    reason, error = "", ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            deadline_mark_done(actor=request.user, deadline=row, reason=reason)
        except ServiceError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Marked done: %(what)s.") % {"what": describe(row)})
            return redirect("grants:detail", pk=row.grant_id)
    on = today()
    return render(
        request,
        "grants/schedule/mark_done.html",
        {"item": _row(row, on, request.user), "grant": row.grant, "reason": reason, "error": error},
    )


urlpatterns: list[Any] = [
    path("grants/calendar/", calendar, name="schedule_calendar"),
    path("grants/calendar.ics", calendar_ics, name="schedule_calendar_ics"),
    path("grants/deadlines/<int:pk>/done/", mark_done, name="schedule_mark_done"),
]
