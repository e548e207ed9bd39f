"""Deadlines of the JCM Model Project call (2.(1), 2.(11), 4., 5.).

Periods follow the Japanese Civil Code reading used by the call: the first day is not counted
(Art. 140), so "within 30 days after X" ends on X + 30 days and "within one year of X" ends
on the day before the corresponding day of X + 1 day a year later (Art. 143: usually the same
date; 28 February before a leap year gives 29 February); "その日から起算して30日を経過した日" is
X + 30 days.
Proposal deadlines are at 12:00 Japan Standard Time.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from renkei.errors import BadInput, UnknownChoice
from renkei.rules._result import Note
from renkei.rules.jcm.readings import reading
from renkei.rules.jcm.rulebook import JcmRulebook

JST = ZoneInfo("Asia/Tokyo")

EVENTS = (
    "pre-registration",
    "grant-application",
    "completion-report",
    "year-end-report",
    "payment",
    "jcm-registration",
    "first-issuance",
    "records-retention",
    "property-ledger-retention",
    "final-inspection",
    "annual-report",
)


def period_end(start: dt.date, years: int) -> dt.date:
    """Last day of a period of ``years`` years whose first day is ``start`` (Civil Code Art. 143):
    the day before the corresponding day; with no corresponding day (29 February), the last day
    of that month."""
    try:
        return start.replace(year=start.year + years) - dt.timedelta(days=1)
    except ValueError:
        return dt.date(start.year + years, start.month, 28)


def add_years(day: dt.date, years: int) -> dt.date:
    """End of "within ``years`` years of ``day``": the first day is not counted (Art. 140)."""
    return period_end(day + dt.timedelta(days=1), years)


def fiscal_year_start(day: dt.date) -> int:
    """The calendar year in which day's Japanese fiscal year (April–March) starts."""
    return day.year if day.month >= 4 else day.year - 1


def _month_day(text: str, year: int) -> dt.date:
    month, day = (int(p) for p in text.split("-"))
    return dt.date(year, month, day)


@dataclass(frozen=True)
class Deadline:
    """``due`` is None where the call sets no due date (the final inspection, the annual
    project report): a note says so, and ``extra`` holds what the call does give."""

    event: str
    basis_date: dt.date
    due: dt.date | None
    clause: str
    extra: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        out: dict[str, Any] = {
            "due": None if self.due is None else self.due.isoformat(),
            "clause": self.clause,
            "event": self.event,
            "date": self.basis_date.isoformat(),
        }
        out.update({k: _plain(v) for k, v in self.extra.items()})
        if self.notes:
            out["notes"] = [n.to_dict(lang) for n in self.notes]
        return out


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def fiscal_year_end(day: dt.date) -> dt.date:
    """31 March ending the Japanese fiscal year that contains ``day``."""
    return dt.date(fiscal_year_start(day) + 1, 3, 31)


def deadline(
    book: JcmRulebook, event: str, day: dt.date, *, useful_life_years: int | None = None
) -> Deadline:
    """The due date for ``event`` given its basis date (see EVENTS and the CLI help);
    ``useful_life_years`` is needed by ``annual-report`` (its date is the start of operation)."""
    s = book.schedule
    if event == "pre-registration":
        window = book.call_window
        first, last = window.opens.astimezone(JST).date(), window.closes.astimezone(JST).date()
        if not first <= day <= last:
            from renkei.errors import NotInForce

            raise NotInForce(book.id, "a proposal deadline on", day.isoformat(), first, last)
        n = s.pre_registration_days_before_deadline
        deadline_at = dt.datetime.combine(day, dt.time(12, 0), tzinfo=JST)
        due = day - dt.timedelta(days=n.value)
        notes = [Note("jcm.note.pre_registration_time", (n.clause,))]
        if due < first:
            # a deadline less than two weeks after the call opened cannot be pre-registered for
            notes.append(
                Note(
                    "jcm.note.pre_registration_before_call",
                    (n.clause, window.clause),
                    {"due": due.isoformat(), "opens": first.isoformat()},
                )
            )
        return Deadline(
            event,
            day,
            due,
            n.clause,
            {"proposal_deadline": deadline_at.isoformat()},
            tuple(notes),
        )
    if event == "grant-application":
        book.period.require(book.id, "a notice of selection (内示) on", day)
        n = s.grant_application_days_after_naiji
        cancel = s.naiji_cancellable_after_days
        fy_rule = book.grant.naiji_cancellable_when_fiscal_year_ends
        # 4.(2): 「通知した日から60日を経過した後、または年度内に…交付決定できない場合」 — the
        # earlier of the day after the 60 days and the day after the fiscal year of the 内示 ends
        sixty = day + dt.timedelta(days=cancel.value + 1)
        year_end = fiscal_year_end(day) + dt.timedelta(days=1)
        cancellable = min(sixty, year_end) if fy_rule.value else sixty
        reason = (
            "both"
            if fy_rule.value and sixty == year_end
            else "fiscal_year_end"
            if cancellable == year_end
            else "sixty_days"
        )
        notes = (
            reading(
                book,
                "jcm.reading.naiji_sixty_days",
                {"sixty": sixty.isoformat(), "year_end": year_end.isoformat()},
            ),
            Note("jcm.note.naiji_cancellable_discretionary", (cancel.clause,)),
        )
        return Deadline(
            event,
            day,
            day + dt.timedelta(days=n.value),
            n.clause,
            {
                "naiji_cancellable_from": cancellable,
                "naiji_cancellable_clause": cancel.clause,
                "naiji_cancellable_reason": reason,
                "naiji_cancellable_after_sixty_days": sixty,
                "naiji_cancellable_after_fiscal_year": year_end,
                **(
                    {
                        "decision_target": day + dt.timedelta(days=target.value),
                        "decision_target_clause": target.clause,
                    }
                    if (target := s.decision_target_days_after_naiji) is not None
                    else {}
                ),
            },
            notes,
        )
    if event == "completion-report":
        book.period.require(book.id, "a completion on", day)
        n = s.completion_report_days_after_completion
        cutoff = _month_day(
            s.completion_report_fiscal_year_cutoff.value, fiscal_year_start(day) + 1
        )
        by_days = day + dt.timedelta(days=n.value)
        notes: tuple[Note, ...] = (reading(book, "jcm.reading.completion_report_c30"),)
        if cutoff < day:
            notes += (
                Note(
                    "jcm.note.completion_after_cutoff", (n.clause,), {"cutoff": cutoff.isoformat()}
                ),
            )
        limb = (
            "both"
            if by_days == cutoff
            else "thirty_days"
            if by_days < cutoff
            else "fiscal_year_cutoff"
        )
        return Deadline(
            event,
            day,
            min(by_days, cutoff),
            n.clause,
            {"thirty_days_after": by_days, "fiscal_year_cutoff": cutoff, "limb": limb},
            notes,
        )
    if event == "year-end-report":
        book.period.require(book.id, "a fiscal year containing", day)
        fy = fiscal_year_start(day)
        return Deadline(
            event,
            day,
            _month_day(s.year_end_report_due.value, fy + 1),
            s.year_end_report_due.clause,
            {"fiscal_year": f"FY{fy}"},
        )
    if event == "payment":
        book.period.require(book.id, "a payment request on", day)
        fy = fiscal_year_start(day)
        return Deadline(
            event,
            day,
            _month_day(s.payment_due.value, fy + 1),
            s.payment_due.clause,
            {"request_fiscal_year": f"FY{fy}"},
            (reading(book, "jcm.reading.payment_claim_fiscal_year"),),
        )
    if event in ("jcm-registration", "first-issuance"):
        # both "原則として" one year from their basis: completion, then registration
        if event == "jcm-registration":
            book.period.require(book.id, "a completion on", day)
            n = s.jcm_registration_years_after_completion
        else:
            book.post_completion_period.require(book.id, "a JCM registration on", day)
            n = s.first_issuance_years_after_registration
        notes = (Note("jcm.note.in_principle", (n.clause,)),)
        return Deadline(event, day, add_years(day, n.value), n.clause, {}, notes)
    if event == "records-retention":
        # 「補助事業完了後5年間」: counted from completion (the due date, spec DL12); the named
        # alternative counts from the end of the fiscal year of completion (A-20): both in extra
        book.period.require(book.id, "a completion on", day)
        n = s.records_retention_years
        from_completion = add_years(day, n.value)
        from_fy_end = add_years(fiscal_year_end(day), n.value)
        extra = {
            "from_completion": from_completion,
            "from_fiscal_year_end": from_fy_end,
            "later_of_both": max(from_completion, from_fy_end),
        }
        later = {k: v.isoformat() for k, v in extra.items()}
        later["until"] = later.pop("later_of_both")
        notes = (
            reading(book, "jcm.reading.records_from_completion"),
            reading(book, "jcm.reading.records_later_of_both", later),
        )
        return Deadline(event, day, from_completion, n.clause, extra, notes)
    if event == "property-ledger-retention":
        return _property_ledger(book, day)
    if event == "final-inspection":
        return _final_inspection(book, day)
    if event == "annual-report":
        return _annual_report(book, day, useful_life_years)
    raise UnknownChoice("event", event, EVENTS)


def _property_ledger(book: JcmRulebook, life_end: dt.date) -> Deadline:
    """How long the property ledger (4.(8)) is kept, from the day the useful life ends (E): the
    call sets no period; property management runs to E (2.(5)①(エ)), so at least to E, and the
    spec's reading A-20 holds it a year beyond (``property_ledger_retention_after_life_end_years``).
    """
    n = book.schedule.property_ledger_retention_after_life_end_years
    if n is None:
        raise BadInput(f"{book.id} sets no property-ledger retention (a JCM rulebook does)")
    until = add_years(life_end, n.value)
    note = reading(
        book,
        "jcm.reading.property_ledger_after_life_end",
        {"life_end": life_end.isoformat(), "until": until.isoformat()},
    )
    extra = {"at_least_until": life_end}
    return Deadline("property-ledger-retention", life_end, until, n.clause, extra, (note,))


def _final_inspection(book: JcmRulebook, day: dt.date) -> Deadline:
    """After the completion report (its date, or the completion date before it is filed), on
    site in principle; the call sets no due date. 2.(11) places it in February–March of the
    fiscal year (a 目安), given here as the guideline window of the basis date's fiscal year."""
    book.period.require(book.id, "a completion report (or completion) on", day)
    fi = book.grant.final_inspection
    months = fi.guideline_months.value  # February, March: within the fiscal year's last quarter
    fy = fiscal_year_start(day)
    first = dt.date(fy + 1 if months[0] < 4 else fy, months[0], 1)
    last_year = fy + 1 if months[-1] < 4 else fy
    last = dt.date(last_year, months[-1], calendar.monthrange(last_year, months[-1])[1])
    notes = (
        reading(
            book,
            "jcm.reading.final_inspection_after_report",
            {"start": first.isoformat(), "end": last.isoformat()},
        ),
    )
    return Deadline(
        "final-inspection",
        day,
        None,
        fi.clause,
        {
            "not_before": day,
            "on_site_in_principle": fi.on_site_in_principle.value,
            "guideline_window_start": first,
            "guideline_window_end": last,
            "guideline_clause": fi.guideline_months.clause,
        },
        notes,
    )


def annual_report_periods(
    operation_start: dt.date, life_end: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """[O, 31 Dec of O's year], then each calendar year, the last ending on E (2.(1)②)."""
    periods = []
    start = operation_start
    while start <= life_end:
        end = min(dt.date(start.year, 12, 31), life_end)
        periods.append((start, end))
        start = dt.date(start.year + 1, 1, 1)
    return periods


def _annual_report(book: JcmRulebook, day: dt.date, useful_life_years: int | None) -> Deadline:
    if useful_life_years is None:
        raise BadInput(
            "annual-report needs the statutory useful life in years (--useful-life-years, "
            "e.g. 17): the reports run every year from the start of operation to its end"
        )
    if isinstance(useful_life_years, bool) or not isinstance(useful_life_years, int):
        raise BadInput(f"useful life must be whole years (got {useful_life_years!r})")
    if useful_life_years <= 0:
        raise BadInput(f"useful life must be at least 1 year (got {useful_life_years})")
    book.post_completion_period.require(book.id, "a start of operation on", day)
    ar = book.grant.annual_report
    life_end = period_end(day, useful_life_years)
    reports = [
        {"period_start": start, "period_end": end, "due": None}
        for start, end in annual_report_periods(day, life_end)
    ]
    notes = (
        reading(book, "jcm.reading.annual_report_calendar_year"),
        reading(
            book,
            "jcm.reading.disposal_until_life_end",
            {"start": day.isoformat(), "years": useful_life_years, "end": life_end.isoformat()},
        ),
        Note("jcm.note.annual_report_no_due", (ar.clause.split(";")[0].strip(),)),
    )
    return Deadline(
        "annual-report",
        day,
        None,
        ar.clause,
        {
            "useful_life_years": useful_life_years,
            "useful_life_end": life_end,
            "recipient": ar.recipient,
            "reports": reports,
        },
        notes,
    )


@dataclass(frozen=True)
class MonitoringPlan:
    """How long a project is monitored and when its issuances fall due (2.(1)②③).

    The period runs from operation to the end of the statutory useful life (a JCM eco-lease:
    the lease period, 2.(1)③ なお書き), cut short by the end of the bilateral document's
    validity; ``basis`` says which of the three ended it."""

    operation_start: dt.date
    life_end: dt.date
    monitoring_end: dt.date
    bounded_by_bilateral: bool
    issuance_after_life_due: dt.date
    reductions_to_2030_request_year: int | None
    clause: str
    notes: tuple[Note, ...]
    basis: str = "useful_life"  # useful_life | lease | bilateral


def monitoring_plan(
    book: JcmRulebook,
    *,
    operation_start: dt.date,
    useful_life_years: int,
    bilateral_valid_until: dt.date | None,
    eco_lease: bool = False,
) -> MonitoringPlan:
    """``useful_life_years`` is the lease period for a JCM eco-lease (``eco_lease=True``)."""
    if useful_life_years <= 0:
        raise BadInput(f"useful life must be at least 1 year (got {useful_life_years})")
    life_end = period_end(operation_start, useful_life_years)
    notes: list[Note] = []
    end = life_end
    bounded = False
    basis = "lease" if eco_lease else "useful_life"
    years = {"years": useful_life_years, "end": life_end.isoformat()}
    if eco_lease:
        notes.append(Note("jcm.note.monitoring_basis_lease", ("2.(1)③ なお書き",), years))
    else:
        notes.append(Note("jcm.note.monitoring_basis_life", ("2.(1)②", "2.(1)③"), years))
    if bilateral_valid_until is not None and bilateral_valid_until < life_end:
        end, bounded, basis = bilateral_valid_until, True, "bilateral"
        notes.append(
            Note(
                "jcm.note.monitoring_basis_bilateral",
                ("2.(1)②", "2.(1)③"),
                {"until": bilateral_valid_until.isoformat()},
            )
        )
    if bilateral_valid_until is None:
        notes.append(Note("jcm.note.bilateral_unknown", ("2.(1)②",)))
    rule_2030 = None
    if life_end.year >= 2031:
        rule_2030 = 2031
        notes.append(
            Note(
                "jcm.note.issuance_2030",
                (book.schedule.issuance_2030_rule.clause,),
                {"end": life_end.isoformat()},
            )
        )
    after = book.schedule.issuance_after_life_end_years
    return MonitoringPlan(
        operation_start,
        life_end,
        end,
        bounded,
        add_years(end, after.value),
        rule_2030,
        "2.(1)②③",
        tuple(notes),
        basis,
    )


@dataclass(frozen=True)
class IssuanceSchedule:
    """When a registered project's issuance requests fall due (2.(1)③, spec §2.5 I1–I6).

    ``deadlines``: the first request (I2: a year from registration, in principle), the request
    for the reductions up to 2030 (I5: during 2031, only when the useful life ends in 2031 or
    later) and the last request (I4: within a year after the end). Between them requests may
    bundle several years (I3); the office may ask for one in or before 2030 (I6): notes, no
    date. ``eligible_from``/``eligible_until``: what may be credited (I1)."""

    eligible_from: dt.date
    eligible_until: dt.date
    deadlines: tuple[Deadline, ...]
    notes: tuple[Note, ...]

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "eligible_from": self.eligible_from.isoformat(),
            "eligible_until": self.eligible_until.isoformat(),
            "deadlines": [d.to_dict(lang) for d in self.deadlines],
            "notes": [n.to_dict(lang) for n in self.notes],
        }


def issuance_schedule(
    book: JcmRulebook,
    *,
    registered_on: dt.date,
    operation_start: dt.date,
    useful_life_years: int,
    bilateral_valid_until: dt.date | None,
    eco_lease: bool = False,
) -> IssuanceSchedule:
    """The issuance schedule of a project registered on ``registered_on`` (R) whose equipment
    started operating on ``operation_start`` (O) with a statutory useful life (a JCM eco-lease:
    the lease period) of ``useful_life_years``; the bilateral document valid until
    ``bilateral_valid_until`` (None: unknown)."""
    plan = monitoring_plan(
        book,
        operation_start=operation_start,
        useful_life_years=useful_life_years,
        bilateral_valid_until=bilateral_valid_until,
        eco_lease=eco_lease,
    )
    clause = book.schedule.issuance_2030_rule.clause
    first = deadline(book, "first-issuance", registered_on)
    deadlines = [first]
    if plan.reductions_to_2030_request_year is not None:
        year = plan.reductions_to_2030_request_year
        until = dt.date(year - 1, 12, 31)
        deadlines.append(
            Deadline(
                "issuance-2030",
                until,
                dt.date(year, 12, 31),
                clause,
                {
                    "reductions_until": until,
                    "window_start": dt.date(year, 1, 1),
                    "window_end": dt.date(year, 12, 31),
                    "life_end": plan.life_end,
                },
                (
                    Note("jcm.note.issuance_2030", (clause,), {"end": plan.life_end.isoformat()}),
                    reading(
                        book,
                        "jcm.reading.issuance_2030_calendar_year",
                        {"until": until.isoformat(), "year": year},
                    ),
                ),
            )
        )
    last_notes: list[Note] = [n for n in plan.notes if n.code != "jcm.note.issuance_2030"]
    literal = add_years(plan.life_end, book.schedule.issuance_after_life_end_years.value)
    if plan.bounded_by_bilateral:
        last_notes.append(
            reading(
                book,
                "jcm.reading.last_issuance_after_bilateral_end",
                {
                    "until": plan.monitoring_end.isoformat(),
                    "due": plan.issuance_after_life_due.isoformat(),
                    "literal": literal.isoformat(),
                },
            )
        )
    deadlines.append(
        Deadline(
            "last-issuance",
            plan.monitoring_end,
            plan.issuance_after_life_due,
            book.schedule.issuance_after_life_end_years.clause,
            {"life_end": plan.life_end, "monitoring_end": plan.monitoring_end, "basis": plan.basis},
            tuple(last_notes),
        )
    )
    notes = (
        Note("jcm.note.issuance_bundling", (clause,)),
        Note("jcm.note.issuance_on_request", (clause,)),
    )
    return IssuanceSchedule(plan.operation_start, plan.monitoring_end, tuple(deadlines), notes)
