"""Reads of the C3P activity part, for the pages, the API and the dashboard alike: a contract
year's Table 3 items planned / done / expected (the rules core decides "below expected"), where
each month's report stands, the reports past due or missing per project (the office's
dashboard), and the calendar's entries. The rules are ``renkei.rules.c3p.activities``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from renkei import clock
from renkei.c3p.models import (
    C3pActivity,
    C3pMonthlyReport,
    C3pProject,
    C3pProjectYear,
    C3pSettlement,
    YearState,
)
from renkei.rules._result import Finding
from renkei.rules.c3p.activities import (
    check_year_activities,
    contract_months,
    monthly_due_on,
    monthly_status,
)
from renkei.rules.c3p.schedule import fiscal_year_bounds

__all__ = [
    "CalendarEntry",
    "MonthRow",
    "ReportCounts",
    "Table3Row",
    "calendar_entries",
    "due_day_of",
    "month_rows",
    "report_counts",
    "table3_rows",
]


@dataclass(frozen=True)
class Table3Row:
    item: str  # "1" … "7"
    label: str
    expected: int
    approximate: bool
    done: int
    planned: int
    clause: str
    finding: Finding

    @property
    def below(self) -> bool:
        return bool(self.finding.params["below"])

    @property
    def status(self) -> str:
        return str(self.finding.status)


def _counts(year: C3pProjectYear) -> tuple[dict[str, int], dict[str, int]]:
    done: dict[str, int] = {}
    planned: dict[str, int] = {}
    for a in year.activities.all():
        target = done if a.state == C3pActivity.State.DONE else planned
        if a.state != C3pActivity.State.CANCELLED:
            target[a.item] = target.get(a.item, 0) + 1
    done["2"] = done.get("2", 0) + len(year.monthly_reports.all())
    if year.deliverables:  # Table 3 (1): filed with the year-end reports
        done["1"] = done.get("1", 0) + 1
    else:
        planned["1"] = planned.get("1", 0) + 1  # due at the year's end
    return done, planned


def table3_rows(year: C3pProjectYear) -> list[Table3Row]:
    """Per Table 3 item: done, still planned, and what the table expects for a single fiscal
    year (3.3 (3)); the monthly reports expected are the months of the contract period (none
    expected before it is signed)."""
    from renkei.rules import load_rulebook

    book = load_rulebook(year.rulebook_id)
    done, planned = _counts(year)
    months = len(contract_months(year.fiscal_year, year.signed_on)) if year.signed_on else None
    findings = check_year_activities(book, done=done, planned=planned, months=months)
    labels = dict(C3pActivity.Item.choices)
    return [
        Table3Row(
            item=f.subject,
            label=str(labels[f.subject]),
            expected=f.params["expected"],
            approximate=f.params["approximate"],
            done=f.params["done"],
            planned=f.params["planned"],
            clause=f.clause,
            finding=f,
        )
        for f in sorted(findings, key=lambda f: f.subject)
    ]


def due_day_of(year: C3pProjectYear) -> int | None:
    """The office's recorded due day of the year's monthly reports, or None (not set)."""
    due = getattr(year, "monthly_due", None)  # the related row's absence is an AttributeError
    return due.due_day if due is not None else None


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    due_on: dt.date | None
    report: C3pMonthlyReport | None
    finding: Finding

    @property
    def state(self) -> str:
        return self.finding.params["state"]


def month_rows(year: C3pProjectYear, today: dt.date | None = None) -> list[MonthRow]:
    """Each month of the contract period with its report (if any) and where it stands."""
    today = today or clock.today()
    due_day = due_day_of(year)
    reports = {r.month: r for r in year.monthly_reports.all()}
    out = []
    for month in contract_months(year.fiscal_year, year.signed_on):
        report = reports.get(month)
        received = report.submitted_at.astimezone(clock.JST).date() if report else None
        out.append(
            MonthRow(
                month,
                monthly_due_on(month, due_day),
                report,
                monthly_status(month, today, due_day, received),
            )
        )
    return out


@dataclass(frozen=True)
class ReportCounts:
    """Reports of a project's current contract year past due or missing (the dashboard)."""

    monthly_overdue: int = 0  # past the office's due day
    monthly_not_received: int = 0  # an ended month, no due day recorded
    year_end_missing: list[str] = field(default_factory=list)  # "business", "settlement"

    @property
    def total(self) -> int:
        return self.monthly_overdue + self.monthly_not_received + len(self.year_end_missing)


def report_counts(year: C3pProjectYear | None, today: dt.date | None = None) -> ReportCounts:
    """The current year's monthly reports overdue (the office's due day passed) or not received
    (an ended month, no due day), and its year-end business report and expense settlement
    report (2.1: "at the end of each contract period") missing once the contract year has
    ended. The guidebook sets no due day for either (spec §5 B-11): the year's end is the
    earliest they can be said to be missing. Only a contracted year is counted."""
    if year is None or year.state != YearState.CONTRACTED:
        return ReportCounts()  # a suspended year files no more (3.3 (3)); a reported one is in
    today = today or clock.today()
    states = [r.state for r in month_rows(year, today)]
    missing = []
    if year.state == YearState.CONTRACTED and today > fiscal_year_bounds(year.fiscal_year)[1]:
        missing.append("business")
        if not any(s.kind == C3pSettlement.Kind.FINAL for s in year.settlements.all()):
            missing.append("settlement")
    return ReportCounts(states.count("overdue"), states.count("not_received"), missing)


# --- the calendar -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarEntry:
    day: dt.date
    kind: str  # "activity" or "monthly"
    state: str  # planned / done / cancelled; open / due / overdue / not_received / received …
    title: str
    project: C3pProject
    item: str = ""  # Table 3 item of an activity; "2" for a monthly report
    month_only: bool = False
    uid: str = ""


def calendar_entries(
    projects: Any, start: dt.date, end: dt.date, today: dt.date | None = None
) -> list[CalendarEntry]:
    """The planned and done activities (cancelled ones too, marked) and the monthly reports'
    due dates (the office's due day; without one, the first day after the month) of
    ``projects`` between ``start`` and ``end`` inclusive, by day."""
    today = today or clock.today()
    out: list[CalendarEntry] = []
    years = (
        C3pProjectYear.objects.filter(project__in=projects)
        .select_related("project__proposal", "monthly_due")
        .prefetch_related("activities", "monthly_reports")
    )
    for year in years:
        for a in year.activities.all():
            day = a.day
            if day is None or not start <= day <= end:
                continue
            out.append(
                CalendarEntry(
                    day,
                    "activity",
                    a.state,
                    a.title,
                    year.project,
                    a.item,
                    a.planned_month_only and a.state == C3pActivity.State.PLANNED,
                    f"c3p-activity-{a.pk}",
                )
            )
        for row in month_rows(year, today):
            day = row.due_on or (row.month + dt.timedelta(days=32)).replace(day=1)
            if not start <= day <= end:
                continue
            out.append(
                CalendarEntry(
                    day,
                    "monthly",
                    row.state,
                    row.month.strftime("%Y-%m"),
                    year.project,
                    "2",
                    False,
                    f"c3p-monthly-{year.pk}-{row.month:%Y-%m}",
                )
            )
    out.sort(key=lambda e: (e.day, e.project.pk, e.kind, e.title))
    return out
