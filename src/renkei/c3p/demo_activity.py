"""The demo's C3P activity steps (issue 11, the activity part): the sample project's second
contract year (FY2026, contracted 2026-06-18 by ``demo_project``) planned and run through the
activity services, "as of" each step's date and only once the demo's clock has reached it; each
step checks whether it is already done, so a later run goes on from where an earlier one stopped:

- 2026-06-25 the office records the monthly reports' due day (the 10th of the following month;
  the guidebook does not set one: its decision, spec §5 B-11);
- 2026-06-26 the lead plans the year per Table 3: three report sessions (the interim one for
  October, month only), two field surveys, a local workshop, a presentation in Japan (the MOEJ
  seminar), a JICA field-office discussion;
- 2026-07-09 the kick-off held; 2026-09-14 to 16 the field survey, the JICA discussion and the
  workshop held; 2026-10-20 the interim session held;
- 2026-11-20 the second field survey (planned for December) cancelled with its reason, and
  planned again for January;
- the monthly reports of June, July, September, October, November and December submitted on the
  6th of the following month, the office acknowledging each two days later; **August's is
  missing** (overdue on the dashboard once the 10 September due day has passed).

``c3p_activity_story(project=…, lead=…, office=…)`` runs them (nothing before the FY2026
contract is signed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.test.utils import override_settings

from renkei import clock
from renkei.c3p.models import C3pActivity, C3pMonthlyDue, C3pProject, C3pProjectYear, YearState

__all__ = ["FISCAL_YEAR", "MISSING_MONTH", "PLAN", "c3p_activity_story"]

JST = ZoneInfo("Asia/Tokyo")
FISCAL_YEAR = 2026
#: (item, title, planned on, only the month)
PLAN = [
    ("3", "(サンプル) キックオフ会議", "2026-07-09", False),
    ("4", "(サンプル) 第1回現地調査", "2026-09-14", False),
    ("7", "(サンプル) JICA現地事務所との協議", "2026-09-15", False),
    ("5", "(サンプル) 現地ワークショップ", "2026-09-16", False),
    ("3", "(サンプル) 中間報告会", "2026-10-01", True),
    ("4", "(サンプル) 第2回現地調査", "2026-12-01", True),
    ("6", "(サンプル) 都市間連携セミナーでの発表", "2027-01-22", False),
    ("3", "(サンプル) 最終報告会", "2027-02-18", False),
]
#: (title, held on)
DONE = [
    ("(サンプル) キックオフ会議", "2026-07-09"),
    ("(サンプル) 第1回現地調査", "2026-09-14"),
    ("(サンプル) JICA現地事務所との協議", "2026-09-15"),
    ("(サンプル) 現地ワークショップ", "2026-09-16"),
    ("(サンプル) 中間報告会", "2026-10-20"),
]
CANCELLED = ("(サンプル) 第2回現地調査", "(サンプル) 相手国の選挙日程と重なるため延期。")
REPLANNED = ("4", "(サンプル) 第2回現地調査(延期後)", "2027-01-01", True)
REPORTED_MONTHS = ["2026-06", "2026-07", "2026-09", "2026-10", "2026-11", "2026-12"]
MISSING_MONTH = "2026-08"


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def _following(month: str, day: int) -> str:
    first = dt.date.fromisoformat(f"{month}-01")
    nxt = (first + dt.timedelta(days=32)).replace(day=day)
    return f"{nxt.isoformat()}T10:00"


Step = tuple[str, Callable[[C3pProjectYear], bool], Callable[[C3pProjectYear], Any]]


def _steps(lead, office) -> list[Step]:
    from renkei.c3p.services import activity as svc

    def activity(year: C3pProjectYear, title: str) -> C3pActivity | None:
        return year.activities.filter(title=title).first()

    steps: list[Step] = [
        (
            "2026-06-25T10:00",
            lambda y: C3pMonthlyDue.objects.filter(year=y).exists(),
            lambda y: svc.c3p_monthly_due_set(
                actor=office,
                year=y,
                due_day=10,
                basis="(サンプル) 契約仕様書により翌月10日までに提出",
            ),
        ),
    ]
    for item, title, day, month_only in PLAN:
        steps.append(
            (
                "2026-06-26T10:00",
                lambda y, title=title: activity(y, title) is not None,
                lambda y, item=item, title=title, day=day, month_only=month_only: (
                    svc.c3p_activity_plan(
                        actor=lead,
                        year=y,
                        item=item,
                        title=title,
                        planned_on=dt.date.fromisoformat(day),
                        month_only=month_only,
                    )
                ),
            )
        )
    events: list[tuple[str, Callable, Callable]] = []
    for title, held in DONE:
        events.append(
            (
                f"{held}T17:00",
                lambda y, title=title: activity(y, title).state != C3pActivity.State.PLANNED,
                lambda y, title=title, held=held: svc.c3p_activity_done(
                    actor=lead,
                    activity=activity(y, title),
                    held_on=dt.date.fromisoformat(held),
                    note="(サンプル) 議事録を共有済み。",
                ),
            )
        )
    events.append(
        (
            "2026-11-20T10:00",
            lambda y: activity(y, CANCELLED[0]).state == C3pActivity.State.CANCELLED,
            lambda y: svc.c3p_activity_cancel(
                actor=lead, activity=activity(y, CANCELLED[0]), reason=CANCELLED[1]
            ),
        )
    )
    events.append(
        (
            "2026-11-20T10:05",
            lambda y: activity(y, REPLANNED[1]) is not None,
            lambda y: svc.c3p_activity_plan(
                actor=lead,
                year=y,
                item=REPLANNED[0],
                title=REPLANNED[1],
                planned_on=dt.date.fromisoformat(REPLANNED[2]),
                month_only=REPLANNED[3],
            ),
        )
    )
    for month in REPORTED_MONTHS:
        first = dt.date.fromisoformat(f"{month}-01")
        events.append(
            (
                _following(month, 6),
                lambda y, first=first: y.monthly_reports.filter(month=first).exists(),
                lambda y, month=month: svc.c3p_monthly_submit(
                    actor=lead,
                    year=y,
                    month=month,
                    text=f"(サンプル) {month}の進捗:現地関係者との協議、調査準備、翌月の行事予定。",
                ),
            )
        )
        events.append(
            (
                _following(month, 8),
                lambda y, first=first: y.monthly_reports.filter(
                    month=first, acknowledged_at__isnull=False
                ).exists(),
                lambda y, first=first: svc.c3p_monthly_acknowledge(
                    actor=office, report=y.monthly_reports.get(month=first)
                ),
            )
        )
    events.sort(key=lambda e: e[0])
    return steps + events


def c3p_activity_story(*, project: C3pProject | None, lead, office) -> C3pProjectYear | None:
    """Run (or continue) the steps up to the demo's clock on ``project``'s FY2026 year; returns
    that year (None before it is contracted)."""
    if project is None:
        return None
    year = project.years.filter(fiscal_year=FISCAL_YEAR).first()
    if year is None or year.state == YearState.PLANNING or year.signed_on is None:
        return None
    for when, done, step in _steps(lead, office):
        year = C3pProjectYear.objects.get(pk=year.pk)
        if year.state != YearState.CONTRACTED:
            break  # the year's end is the project story's
        if clock.now() < _at(when):
            continue  # steps are in date order within each group; a later one may still be due
        if done(year):
            continue
        with _on(when):
            step(year)
    return C3pProjectYear.objects.get(pk=year.pk)
