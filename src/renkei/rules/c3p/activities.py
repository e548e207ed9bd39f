"""The yearly activities of a C3P project (Table 3 (1)–(7)), checked against the plan.

Table 3 gives the tasks of one fiscal year: deliverables, monthly reports, about three report
sessions, approximately two field surveys, one local workshop held with a field survey, one
presentation in Japan, and collaboration with supporting organisations including a yearly
discussion with a JICA field office. Counts below the expected number need review (the text says
"about"/"approximately" or states an expectation); leaving out the deliverables or the monthly
reports fails.
"""

from __future__ import annotations

import calendar
import datetime as dt

from renkei.rules._result import Finding, Status
from renkei.rules.c3p.proposal import ActivityPlan
from renkei.rules.c3p.rulebook import C3pRulebook
from renkei.rules.c3p.schedule import fiscal_year_bounds


def check_activities(plan: ActivityPlan, book: C3pRulebook) -> tuple[Finding, ...]:
    out = []
    for act in book.activities.items:
        value = getattr(plan, act.id)
        check = f"c3p.activities.{act.id}"
        params = {
            "item": act.item,
            "name_ja": act.name_ja,
            "name_en": act.name_en,
            "expected": act.expected,
        }
        if value is None:
            status, code = Status.NEEDS_REVIEW, "c3p.activities.missing"
        elif act.kind == "flag":
            ok = bool(value)
            status = Status.PASS if ok else Status.FAIL
            code = "c3p.activities.flag.pass" if ok else "c3p.activities.flag.fail"
        elif act.kind == "list":
            names = [v for v in value if v.strip()]
            params = {**params, "planned": len(names), "organisations": names}
            ok = len(names) >= act.expected
            status = Status.PASS if ok else Status.NEEDS_REVIEW
            code = "c3p.activities.list.pass" if ok else "c3p.activities.list.below"
        else:
            params = {**params, "planned": value}
            if value >= act.expected:
                status, code = Status.PASS, "c3p.activities.count.pass"
            else:
                status = Status.NEEDS_REVIEW
                about = "about" if act.approximate else "exact"
                code = f"c3p.activities.count.below_{about}"
        out.append(Finding(check, act.clause, status, code, params, subject=act.id))
        if act.id == "local_workshops" and value and plan.field_surveys == 0:
            out.append(
                Finding(
                    "c3p.activities.local_workshops.with_field_survey",
                    act.clause,
                    Status.NEEDS_REVIEW,
                    "c3p.activities.workshop_without_survey",
                    {"workshops": value},
                    subject=act.id,
                )
            )
    return tuple(out)


# --- the contract year's activities after adoption (issue 11, the activity part) ----------------
#
# During a contract year the same Table 3 is the yardstick: what was done (and what is still
# planned) per item against what the table expects for a single fiscal year (3.3 (3)). The
# monthly reports (Table 3 (2)) are expected for each month of the contract period: Renkei's
# reading is from the month the contract is signed to March (the guidebook says "monthly" and
# gives neither the months nor a due day: spec §5 B-11).


def contract_months(fiscal_year: int, signed_on: dt.date | None) -> list[dt.date]:
    """The first day of each month from the contract's signing to March of the fiscal year
    (none before it is signed)."""
    if signed_on is None:
        return []
    start, end = fiscal_year_bounds(fiscal_year)
    month = max(signed_on, start).replace(day=1)
    out = []
    while month <= end:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def monthly_due_on(month: dt.date, due_day: int | None) -> dt.date | None:
    """The day a month's report is due when the office has recorded a due day: that day of the
    following month (a shorter month: its last day). None while no due day is recorded."""
    if due_day is None:
        return None
    following = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    last = calendar.monthrange(following.year, following.month)[1]
    return following.replace(day=min(due_day, last))


def monthly_status(
    month: dt.date,
    today: dt.date,
    due_day: int | None = None,
    received_on: dt.date | None = None,
) -> Finding:
    """Where one month's report stands (Table 3 (2); §2.3). Without the office's due day a
    missing report of an ended month is "not received", never "overdue" (the guidebook does
    not set a due day: spec §5 B-11)."""
    month = month.replace(day=1)
    due = monthly_due_on(month, due_day)
    params = {
        "month": month.strftime("%Y-%m"),
        "due_on": due.isoformat() if due else "",
        "received_on": received_on.isoformat() if received_on else "",
        "today": today.isoformat(),
    }
    clause = "Table 3 (2); 2.3"
    ended = today >= (month + dt.timedelta(days=32)).replace(day=1)

    def finding(status: Status, state: str) -> Finding:
        return Finding(
            "c3pactivity.monthly",
            clause,
            status,
            f"c3pactivity.monthly.{state}",
            {**params, "state": state},
            subject=params["month"],
        )

    if received_on is not None:
        if due is not None and received_on > due:
            return finding(Status.NEEDS_REVIEW, "received_late")
        return finding(Status.PASS, "received")
    if not ended:
        return finding(Status.INFO, "open")
    if due is None:
        return finding(Status.NEEDS_REVIEW, "not_received")
    if today > due:
        return finding(Status.FAIL, "overdue")
    return finding(Status.INFO, "due")


def check_year_activities(
    book: C3pRulebook,
    *,
    done: dict[str, int],
    planned: dict[str, int] | None = None,
    months: int | None = None,
) -> tuple[Finding, ...]:
    """Per Table 3 item, what was done (and is still planned) against what the table expects
    for a single fiscal year (3.3 (3)): ``done`` and ``planned`` count by item "1" … "7" (for
    (2), the monthly reports received; for (1), 1 once the deliverables are filed; for (7), the
    JICA field-office discussions and other supporting organisations alike). ``months``: the
    months of the contract period, the monthly reports expected (None: not signed yet, no
    expectation). Below what is expected needs review; "about" counts say so."""
    planned = planned or {}
    out = []
    for act in book.activities.items:
        if act.kind == "list":  # (7) counts as the JICA discussions (the countable part)
            continue
        item = act.item.strip("()")
        expected = act.expected
        approximate = act.approximate
        if act.id == "monthly_reports":
            if months is None:
                continue
            expected, approximate = months, True  # about one a month (Renkei's reading)
        n_done, n_planned = done.get(item, 0), planned.get(item, 0)
        params = {
            "item": act.item,
            "name_ja": act.name_ja,
            "name_en": act.name_en,
            "expected": expected,
            "done": n_done,
            "planned": n_planned,
            "approximate": approximate,
            "below": n_done < expected,
        }
        if n_done >= expected:
            status, code = Status.PASS, "c3pactivity.table3.met"
        elif n_done + n_planned >= expected:
            status, code = Status.NEEDS_REVIEW, "c3pactivity.table3.planned"
        else:
            status = Status.NEEDS_REVIEW
            code = "c3pactivity.table3.below_about" if approximate else "c3pactivity.table3.below"
        out.append(
            Finding(f"c3pactivity.table3.{item}", act.clause, status, code, params, subject=item)
        )
    return tuple(out)
