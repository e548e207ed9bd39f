"""Due dates of a grant from the rules core, and the reminders sent for them.

``refresh_deadlines(grant)`` recomputes every ``GrantDeadline`` of a grant from its facts and
records (each service of the stage calls it inside its transaction): each due date comes from
``renkei.rules.jcm.deadline`` with the rulebook of the grant's call, its clause and, where the
call is unclear, the reading applied. A row is done when the record that satisfies it exists,
cancelled (never deleted) when it no longer applies, and moved when its date moves.

``send_due_reminders(today)`` is the worker's job (``renkei.grants.tasks``): for every open due
date, one reminder N days before (``RENKEI_REMINDER_DAYS_BEFORE``) and one when overdue, by
e-mail and in-app notice. Each is sent exactly once even with several workers: the reminder is
recorded (``ReminderSent``, unique per due date, stage and date) in the same transaction as the
notice, and a second worker's insert fails on the unique constraint, which means "already sent".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import clock
from renkei.accounts.models import Role, User
from renkei.accounts.notices import Msg, notify
from renkei.audit.services import audit_record
from renkei.errors import RenkeiError
from renkei.grants.models import (
    AnnualReport,
    Claim,
    CompletionReport,
    FinalInspection,
    Grant,
    GrantApplication,
    GrantDeadline,
    GrantDecision,
    GrantState,
    ReminderSent,
    StopRequest,
    YearEndReport,
)
from renkei.grants.services.core import require
from renkei.rules.jcm import deadline as rules_deadline
from renkei.services import ServiceError

log = logging.getLogger(__name__)
JST = ZoneInfo("Asia/Tokyo")
S = GrantState

__all__ = [
    "SPECS",
    "deadline_mark_done",
    "describe",
    "reading_text",
    "refresh_deadlines",
    "send_due_reminders",
    "spec_of",
]


# --- what each due date is ----------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """A kind of due date: its name, whose duty it is (``applicant``: the representative
    participant's applicants, the filer of record, spec A-35; ``office``), and what the date
    means: ``due`` (to be done by then), ``from`` (possible from then), ``until`` (kept until
    then; nothing to remind); ``closed_by``: the record of the stage that closes it (its
    service sets it done), empty where none does and the office marks it done."""

    label: str
    side: str
    kind: str = "due"
    closed_by: str = ""

    @property
    def marked_by_office(self) -> bool:
        return self.kind == "due" and not self.closed_by

    @property
    def reminds(self) -> bool:
        return self.kind != "until"


SPECS: dict[str, Spec] = {
    "grant_application": Spec(
        gettext_noop("Grant application (交付申請書) submitted"),
        "applicant",
        closed_by=gettext_noop("the application's submission"),
    ),
    "naiji_cancellable": Spec(
        gettext_noop("The 内示 may be withdrawn without a grant decision"), "office", "from"
    ),
    "decision_target": Spec(
        gettext_noop("Grant decision (交付決定, target)"),
        "office",
        closed_by=gettext_noop("the grant decision"),
    ),
    "year_end_report": Spec(
        gettext_noop("Year-end report (年度終了実績報告書)"),
        "applicant",
        closed_by=gettext_noop("the year-end report"),
    ),
    "completion": Spec(
        gettext_noop("Project completed (補助事業の完了)"),
        "applicant",
        closed_by=gettext_noop("the completion date"),
    ),
    "completion_report": Spec(
        gettext_noop("Completion report (完了実績報告書)"),
        "applicant",
        closed_by=gettext_noop("the completion report"),
    ),
    "final_inspection": Spec(
        gettext_noop("Final inspection (確定検査)"),
        "office",
        closed_by=gettext_noop("the final inspection's record"),
    ),
    "payment": Spec(
        gettext_noop("Payment of a claim (補助金の支払)"),
        "office",
        closed_by=gettext_noop("the payment's record"),
    ),
    "jcm_registration": Spec(
        gettext_noop("Application for JCM project registration (JCM登録申請)"), "applicant"
    ),
    "annual_report": Spec(
        gettext_noop("Annual project report to MOEJ (事業報告書)"),
        "applicant",
        closed_by=gettext_noop("the annual project report"),
    ),
    "records_retention": Spec(
        gettext_noop("Accounting records kept (帳簿等の保存)"), "applicant", "until"
    ),
}


def spec_of(key: str) -> Spec:
    return SPECS[key.split(":", 1)[0]]


# Readings the platform applies where the call is unclear and the rules core returns no reading
# of its own for the date (spec §5.1); shown beside the date, in both languages.
READINGS: dict[str, str] = {
    "grants.reading.application_first_submission": gettext_noop(
        "4.(2) asks for the application to be completed (完成) within 30 days of the 内示, 2.(11) "
        "for it to be submitted (提出): Renkei counts the first submission as done and shows the "
        "office's acceptance separately (spec A-05)."
    ),
    "grants.reading.completion_by_decision": gettext_noop(
        "The completion date is the one the grant decision sets; the call's own date is "
        "2027-01-29 (2.(10)) and the schedule's are guidelines (2.(11), spec A-08)."
    ),
    "grants.reading.no_year_end_report_in_completion_year": gettext_noop(
        "A year-end report is due for each fiscal year that ends before the project is "
        "completed; the fiscal year of completion is covered by the completion report "
        "(spec A-38)."
    ),
    "grants.reading.annual_report_no_due_date": gettext_noop(
        "The call sets no due date for the annual project report (2.(1)②, spec A-21): the "
        "period is shown, and no reminder is sent."
    ),
    "grants.reading.annual_report_office_due_date": gettext_noop(
        "The call sets no due date for the annual project report (2.(1)②, spec A-21): this "
        "date is the office's own rule (%(days)s days after the period ends), not the call's."
    ),
    "grants.reading.decision_target_guideline": gettext_noop(
        "The schedule of 2.(11) gives the grant decision within 60 days of the 内示 as a "
        "guideline (目安), not a rule."
    ),
}


def reading_text(
    reading: str, details: dict[str, Any] | None = None, lang: str | None = None
) -> str:
    """The sentence of a reading id, in ``lang`` (default: the active language): the
    platform's own readings from the message catalogue, the rules core's from its own."""
    if not reading:
        return ""
    if reading in READINGS:
        text = _(READINGS[reading])
        return text % {"days": (details or {}).get("office_due_days", "")} if "%(" in text else text
    from django.utils import translation

    from renkei.rules._result import catalogue, render

    if reading in catalogue():
        language = lang or translation.get_language() or "ja"
        params = (details or {}).get("reading_params", {})
        try:
            return render(reading, params, "en" if language.startswith("en") else "ja")
        except (KeyError, IndexError, ValueError):  # a sentence whose values changed
            return reading
    return reading


def describe(row: GrantDeadline) -> str:
    """The due date's name with what it is about (a fiscal year, a period, a claim)."""
    return _(spec_of(row.key).label) + _detail(row)


def _detail(row: GrantDeadline) -> str:
    d = row.details or {}
    if "fiscal_year" in d:
        return f" (FY{d['fiscal_year']})"
    if "period_start" in d:
        return f" ({d['period_start']} – {d['period_end']})"
    if "claim_id" in d:
        return f" (#{d['claim_id']}, {d.get('received_on', '')})"
    if "guideline_window_start" in d:
        return " (%s)" % (
            _("guideline %(start)s – %(end)s")
            % {"start": d["guideline_window_start"], "end": d["guideline_window_end"]}
        )
    return ""


# --- computing them ------------------------------------------------------------------------------
@dataclass
class Planned:
    key: str
    event: str
    due_on: dt.date | None
    clause: str
    reading: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    done_at: dt.datetime | None = None
    applies: bool = True


def _fy(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _at(day: dt.date) -> dt.datetime:
    """A date recorded as done (a completion date): the start of that day in JST."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=JST)


def _reading(result: Any, default: str = "") -> tuple[str, dict[str, Any]]:
    """The reading the rules core applied to a due date (its first ``jcm.reading.…`` note) and
    the note's values, else ``default`` (one of the platform's ``READINGS``)."""
    for note in getattr(result, "notes", ()):
        if note.code.startswith("jcm.reading."):
            return note.code, {k: _plain(v) for k, v in dict(note.params).items()}
    return default, {}


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in details.items()}


def _rule(book: Any, event: str, day: dt.date, **kw: Any) -> Any:
    """The rules core's due date, or None (logged) where the rulebook does not cover the day:
    a refresh never makes the service that called it fail."""
    try:
        return rules_deadline(book, event, day, **kw)
    except RenkeiError as exc:
        log.warning("no %s due date for %s: %s", event, day, exc)
        return None


def _planned(key: str, d: Any, default_reading: str = "", **kw: Any) -> Planned:
    """A due date from a rules-core result ``d``, with the reading it applied."""
    reading, params = _reading(d, default_reading)
    details = dict(kw.pop("details", {}))
    if params:
        details["reading_params"] = params
    due_on, clause = kw.pop("due_on", d.due), kw.pop("clause", d.clause)
    return Planned(key, d.event, due_on, clause, reading, details, **kw)


def _plan(grant: Grant) -> Iterator[Planned]:
    book = grant.selection.proposal.call.rulebook()
    ended = grant.state in (S.NAIJI_REVOKED, S.CANCELLED)
    decided = GrantDecision.objects.filter(grant=grant).first()
    naiji = grant.selection.naiji_at.astimezone(JST).date()

    # 交付申請 within 30 days of the 内示 (4.(2), A-05: the first submission counts; the office's
    # acceptance is shown beside it); the 内示 revocable after 60 days or the FY's end (4.(2))
    application = GrantApplication.objects.filter(grant=grant).first()
    d = _rule(book, "grant-application", naiji)
    if d is not None:
        yield Planned(
            "grant_application",
            d.event,
            d.due,
            d.clause,
            "grants.reading.application_first_submission",
            {"naiji_on": naiji, "accepted_at": application.accepted_at if application else None},
            application.first_submitted_at if application else None,
            applies=not ended,
        )
        yield _planned(
            "naiji_cancellable",
            d,
            due_on=d.extra["naiji_cancellable_from"],
            clause=d.extra.get("naiji_cancellable_clause", d.clause),
            details={
                "naiji_on": naiji,
                "reason": d.extra.get("naiji_cancellable_reason", ""),
                "clause": d.extra.get("naiji_cancellable_clause", d.clause),
            },
            applies=decided is None and not ended,
        )
        if d.extra.get("decision_target") is not None:  # 2.(11)'s guideline, if the rules give it
            yield Planned(
                "decision_target",
                d.event,
                d.extra["decision_target"],
                d.extra.get("decision_target_clause", "2.(11)"),
                "grants.reading.decision_target_guideline",
                {"naiji_on": naiji},
                decided.decided_at if decided else None,
                applies=not ended,
            )

    if decided is None or grant.decided_on is None:
        return
    # implementation: a year-end report for each FY that ends before completion (4.(6)①, A-38)
    completed = grant.completed_on
    end = completed or grant.completion_due or decided.completion_due
    # an approved suspension or abolition (4.(10)) ends implementation for good, also once the
    # grant has moved on to its completion report
    stop = StopRequest.objects.filter(grant=grant, state="approved").order_by("decided_at").last()
    stopped_on = stop.decided_at.astimezone(JST).date() if stop and stop.decided_at else None
    reports = {r.fiscal_year: r for r in YearEndReport.objects.filter(grant=grant)}
    for fy in sorted(set(range(_fy(grant.decided_on), _fy(end))) | set(reports)):
        fy_end = dt.date(fy + 1, 3, 31)
        d = _rule(book, "year-end-report", fy_end)
        if d is None:
            continue
        report = reports.get(fy)
        yield _planned(
            f"year_end_report:{fy}",
            d,
            "grants.reading.no_year_end_report_in_completion_year",
            details={"fiscal_year": fy},
            done_at=report.submitted_at if report else None,
            applies=not ended and fy < _fy(end) and (stopped_on is None or fy_end < stopped_on),
        )
    # completion by the decision's date (2.(10), A-08)
    yield Planned(
        "completion",
        "completion",
        grant.completion_due or decided.completion_due,
        "2.(10)",
        "grants.reading.completion_by_decision",
        {},
        _at(completed) if completed else None,
        applies=not ended and stop is None,
    )
    # payment by 30 April of the FY after the claim was received (4.(7))
    for claim in Claim.objects.filter(grant=grant).select_related("payment"):
        d = _rule(book, "payment", claim.received_on)
        if d is None:
            continue
        payment = getattr(claim, "payment", None)
        yield _planned(
            f"payment:{claim.pk}",
            d,
            details={"claim_id": claim.pk, "received_on": claim.received_on, "kind": claim.kind},
            done_at=payment.recorded_at if payment else None,
            applies=not ended,
        )
    if completed is None:
        return
    # after completion: the report (4.(6)②), the final inspection after it (4.(6)②, 4.(7):
    # no due date in the call, 2.(11)'s guideline window), JCM registration (2.(1)①), records
    # (4.(5))
    report = CompletionReport.objects.filter(grant=grant).first()
    d = _rule(book, "completion-report", completed)
    if d is not None:
        yield _planned(
            "completion_report",
            d,
            details=_jsonable(dict(d.extra)),
            done_at=report.submitted_at if report else None,
            applies=not ended,
        )
    inspection = FinalInspection.objects.filter(grant=grant).first()
    basis = report.submitted_at.astimezone(JST).date() if report else completed
    d = _rule(book, "final-inspection", basis)
    if d is not None:
        window = {
            k: d.extra[k]
            for k in ("guideline_window_start", "guideline_window_end", "guideline_clause")
            if k in d.extra
        }
        yield _planned(
            "final_inspection",
            d,
            details=_jsonable(window),
            done_at=inspection.recorded_at if inspection else None,
            applies=not ended,
        )
    for event, key in (
        ("jcm-registration", "jcm_registration"),
        ("records-retention", "records_retention"),
    ):
        d = _rule(book, event, completed)
        if d is not None:
            yield _planned(key, d, applies=key == "records_retention" or not ended)
    # the annual project report to MOEJ for each period of the useful life (2.(1)②): no due
    # date in the call (A-21, DL17); the office may set its own rule
    start, life = grant.operation_started_on, grant.useful_life_years
    if start is None or not life:
        return
    d = _rule(book, "annual-report", start, useful_life_years=life)
    if d is None:
        return
    office_days = getattr(settings, "RENKEI_ANNUAL_REPORT_DUE_DAYS_AFTER_PERIOD", None)
    submitted = {r.period_start: r for r in AnnualReport.objects.filter(grant=grant)}
    for period in d.extra.get("reports", ()):
        begins, ends = _date(period["period_start"]), _date(period["period_end"])
        due = _date(period["due"]) if period.get("due") else None
        details: dict[str, Any] = {"period_start": begins, "period_end": ends}
        reading = ""
        if due is None and office_days is not None:
            due = ends + dt.timedelta(days=int(office_days))
            details.update(due_basis="office", office_due_days=int(office_days))
            reading = "grants.reading.annual_report_office_due_date"
        elif due is None:
            details["due_basis"] = "none"
            reading = "grants.reading.annual_report_no_due_date"
        done = submitted.get(begins)
        yield Planned(
            f"annual_report:{begins.year}",
            d.event,
            due,
            d.clause,
            reading,
            details,
            done.submitted_at if done else None,
            applies=not ended,
        )


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def refresh_deadlines(grant: Grant) -> None:
    """Recompute the grant's ``GrantDeadline`` rows from its facts and records (called by every
    service that changes them, inside its transaction): new rows created, moved dates updated,
    done set from the record that satisfies it (or kept when the office marked it done),
    rows that no longer apply cancelled, never deleted. Outside a transaction it opens its own."""
    with transaction.atomic():
        _refresh(grant)


def _refresh(grant: Grant) -> None:
    now = clock.now()
    existing = {
        row.key: row for row in GrantDeadline.objects.select_for_update().filter(grant=grant)
    }
    seen: set[str] = set()
    for planned in _plan(grant):
        row = existing.get(planned.key)
        details = _jsonable(planned.details)
        if row is None:
            if not planned.applies and planned.done_at is None:
                continue
            row = GrantDeadline(grant=grant, key=planned.key)
        else:
            details = {**details, **_kept(row.details)}
        done_at = planned.done_at or (row.done_at if "marked_done" in details else None)
        cancelled_at = None
        if not planned.applies and done_at is None:
            cancelled_at = row.cancelled_at or now
        values = {
            "event": planned.event,
            "due_on": planned.due_on,
            "clause": planned.clause,
            "reading": planned.reading,
            "details": details,
            "done_at": done_at,
            "cancelled_at": cancelled_at,
        }
        seen.add(planned.key)
        if row.pk is not None and all(getattr(row, k) == v for k, v in values.items()):
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        row.save()
    for key, row in existing.items():
        if key not in seen and row.cancelled_at is None and row.done_at is None:
            row.cancelled_at = row.updated_at = now
            row.save(update_fields=["cancelled_at", "updated_at"])


def _kept(details: dict[str, Any]) -> dict[str, Any]:
    """What a refresh keeps of a row's details: the office's own marks."""
    return {k: v for k, v in (details or {}).items() if k == "marked_done"}


# --- the office marks a due date done --------------------------------------------------------
def deadline_mark_done(*, actor: Any, deadline: GrantDeadline, reason: str) -> GrantDeadline:
    """The office records a due date as done where no record of this stage closes it (the JCM
    registration, applied for outside Renkei), saying how it knows (audited). A due date that a
    record closes (a report, an inspection, a payment) is refused: its record is what is
    missing, and a mark would hide that."""
    require(actor, "mark_deadline_done", deadline)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            _(
                "Say how the office knows this is done (for example the registration's "
                "reference and date); the reason is kept in the audit trail."
            )
        )
    if len(reason) > 2000 or "\x00" in reason:
        raise ServiceError(
            _("The reason is %(length)s characters long; at most 2000 are accepted.")
            % {"length": len(reason)}
            if len(reason) > 2000
            else _("The reason contains a NUL character (U+0000), which cannot be stored.")
        )
    with transaction.atomic():
        row = GrantDeadline.objects.select_for_update().select_related("grant").get(pk=deadline.pk)
        if row.cancelled_at is not None:
            raise ServiceError(_("This due date no longer applies; there is nothing to mark."))
        if row.done_at is not None:
            raise ServiceError(
                _("This due date is already done (%(when)s).")
                % {"when": row.done_at.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")}
            )
        spec = spec_of(row.key)
        if spec.kind != "due":
            raise ServiceError(
                _("This date is not something to do: %(what)s. Only a due date can be marked done.")
                % {"what": describe(row)}
            )
        if spec.closed_by:
            raise ServiceError(
                _(
                    "%(what)s is done when %(record)s is recorded on Renkei, not by a mark: "
                    "record it on the grant's page (or through the API)."
                )
                % {"what": describe(row), "record": _(spec.closed_by)}
            )
        now = clock.now()
        row.done_at = row.updated_at = now
        row.details = {
            **row.details,
            "marked_done": {"by": actor.pk, "at": now.isoformat(), "reason": reason},
        }
        row.save()
        audit_record(
            actor=actor,
            obj=row,
            action="deadline_mark_done",
            to_state="done",
            payload={"grant": row.grant.number, "key": row.key, "reason": reason},
        )
    return row


# --- reminders ---------------------------------------------------------------------------------
SUBJECT_SOON = gettext_noop("Renkei: a due date is near")
SUBJECT_OVERDUE = gettext_noop("Renkei: a due date has passed")
MESSAGES = {
    ("due", "before"): gettext_noop(
        "%(what)s%(detail)s for grant %(number)s (%(title)s) is due on %(due)s "
        "(JCM call %(clause)s), in %(days)s days."
    ),
    ("due", "overdue"): gettext_noop(
        "%(what)s%(detail)s for grant %(number)s (%(title)s) was due on %(due)s "
        "(JCM call %(clause)s) and is not recorded as done."
    ),
    ("from", "before"): gettext_noop(
        "%(what)s%(detail)s for grant %(number)s (%(title)s): possible from %(due)s (JCM call "
        "%(clause)s), in %(days)s days."
    ),
    ("from", "overdue"): gettext_noop(
        "%(what)s%(detail)s for grant %(number)s (%(title)s): possible since %(due)s "
        "(JCM call %(clause)s)."
    ),
}


def reminder_days() -> list[int]:
    """Days before a due date on which a reminder goes out, largest first (e.g. [14, 3])."""
    days = getattr(settings, "RENKEI_REMINDER_DAYS_BEFORE", (14, 3))
    return sorted({int(n) for n in days if int(n) >= 0}, reverse=True)


def stage_on(due_on: dt.date, today: dt.date, days: list[int]) -> str | None:
    """The reminder that falls on ``today``: the nearest ``before_N`` whose window has opened,
    or ``overdue`` after the due date (a worker that was down sends the current one only)."""
    if today > due_on:
        return "overdue"
    left = (due_on - today).days
    opened = [n for n in days if left <= n]
    return f"before_{min(opened)}" if opened else None


def recipients(row: GrantDeadline) -> list[User]:
    """The representative participant's applicants (the filer of record) for their duties; the
    office for its own."""
    people = User.objects.filter(is_active=True)
    if spec_of(row.key).side == "office":
        return list(people.filter(role=Role.OFFICE))
    return list(
        people.filter(
            role=Role.APPLICANT, organisation_id=row.grant.selection.proposal.organisation_id
        )
    )


def send_due_reminders(today: dt.date | None = None) -> int:
    """Send every reminder that falls due ``today`` (default: the platform's clock, JST) and
    has not been sent; the number sent by this call."""
    today = today or clock.now().astimezone(JST).date()
    days = reminder_days()
    horizon = today + dt.timedelta(days=days[0] if days else 0)
    open_rows = (
        GrantDeadline.objects.filter(
            done_at__isnull=True,
            cancelled_at__isnull=True,
            due_on__isnull=False,
            due_on__lte=horizon,
        )
        .select_related("grant__selection__proposal")
        .order_by("due_on", "pk")
    )
    sent = 0
    for row in list(open_rows):
        if not spec_of(row.key).reminds:
            continue
        stage = stage_on(row.due_on, today, days)
        if stage is not None and _remind(row, stage, today):
            sent += 1
    return sent


def _remind(row: GrantDeadline, stage: str, today: dt.date) -> bool:
    """One reminder: recorded and notified in one transaction; False if another worker (or an
    earlier run) already sent it, or the due date was done, cancelled or moved meanwhile."""
    try:
        with transaction.atomic():
            fresh = GrantDeadline.objects.select_for_update().get(pk=row.pk)
            if fresh.done_at or fresh.cancelled_at or fresh.due_on != row.due_on:
                return False
            # the unique constraint (deadline, stage, due_on) decides between two workers
            ReminderSent.objects.create(deadline=fresh, stage=stage, due_on=fresh.due_on)
            spec = spec_of(row.key)
            grant = row.grant
            when = "overdue" if stage == "overdue" else "before"
            people = recipients(row)
            audit_record(
                actor=None,  # the worker
                obj=fresh,
                action="deadline_remind",
                to_state=stage,
                payload={
                    "grant": grant.number,
                    "key": fresh.key,
                    "due_on": fresh.due_on.isoformat(),
                    "recipients": [p.pk for p in people],
                },
            )
            notify(
                people,
                subject=SUBJECT_OVERDUE if stage == "overdue" else SUBJECT_SOON,
                message=MESSAGES[(spec.kind, when)],
                link=reverse("grants:detail", args=[grant.pk]),
                values={
                    "what": Msg(spec.label),
                    "detail": _detail(fresh),
                    "number": grant.number,
                    "title": grant.selection.proposal.title,
                    "due": fresh.due_on,
                    "clause": fresh.clause,
                    "days": (fresh.due_on - today).days,
                },
            )
    except IntegrityError:
        return False  # already sent: another worker's row (or an earlier run's) is there
    return True
