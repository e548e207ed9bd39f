"""The grant's schedule part in the REST API (see ``renkei.grants.services.schedule``): a
grant's due dates, the office's calendar of every open due date, and marking one done."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field

from renkei import access
from renkei.apikit import MAX_ID, Reason, jst, op, visible_or_404
from renkei.grants.models import GrantDeadline
from renkei.grants.services.schedule import deadline_mark_done, describe, reading_text, spec_of
from renkei.grants.views_schedule import open_deadlines, status_of, today
from renkei.services import NotAllowed

router = Router(tags=["grants"])

GrantId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Grant id.")]
DeadlineId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Due date id.")]


class DeadlineOut(Schema):
    id: int = Field(description="Due date id.")
    grant_id: int = Field(description="The grant.")
    grant_number: str = Field(description="The grant's number.")
    key: str = Field(
        description="Which due date: grant_application, naiji_cancellable, decision_target, "
        "year_end_report:<FY>, completion, completion_report, final_inspection, "
        "payment:<claim id>, jcm_registration, annual_report:<year>, records_retention."
    )
    what: str = Field(description="Its name, in the request's language.")
    event: str = Field(description="The rules core's event it was computed with.")
    due_on: dt.date | None = Field(
        description="The due date; empty where the call sets none (the annual project report, "
        "spec A-21), unless the office set its own rule (details.due_basis = office)."
    )
    clause: str = Field(description="The clause of the JCM call.")
    reading: str = Field(description="Id of the reading applied where the call is unclear.")
    reading_text: str = Field(description="That reading, in the request's language.")
    status: str = Field(
        description="done, cancelled (no longer applies), no_due_date, overdue, soon (within "
        "the first reminder's window), open, reached (a date from which something is possible) "
        "or until (a date until which something is kept)."
    )
    done_at: dt.datetime | None = Field(description="When it was done (JST).")
    cancelled_at: dt.datetime | None = Field(description="When it stopped applying (JST).")
    details: dict = Field(description="What it is about (fiscal year, period, claim, …).")


def _status(row: GrantDeadline, on: dt.date) -> str:
    kind = spec_of(row.key).kind
    if row.done_at is not None:
        return "done"
    if row.cancelled_at is not None:
        return "cancelled"
    if row.due_on is None:
        return "no_due_date"
    if kind == "until":
        return "until"
    if kind == "from":
        return "reached" if on >= row.due_on else "open"
    css, _words = status_of(row, on)
    return {"fail": "overdue", "needs_review": "soon"}.get(css, "open")


def deadline_out(row: GrantDeadline, on: dt.date) -> DeadlineOut:
    return DeadlineOut(
        id=row.pk,
        grant_id=row.grant_id,
        grant_number=row.grant.number,
        key=row.key,
        what=describe(row),
        event=row.event,
        due_on=row.due_on,
        clause=row.clause,
        reading=row.reading,
        reading_text=reading_text(row.reading, row.details),
        status=_status(row, on),
        done_at=jst(row.done_at),
        cancelled_at=jst(row.cancelled_at),
        details={k: v for k, v in (row.details or {}).items() if k != "marked_done"}
        | (
            {"marked_done_reason": row.details["marked_done"]["reason"]}
            if "marked_done" in (row.details or {})
            else {}
        ),
    )


class MarkDoneIn(Schema):
    reason: Reason = Field(
        description="How the office knows it is done (e.g. the JCM registration's reference)."
    )


@router.get(
    "/grants/{grant_id}/deadlines",
    summary="A grant's due dates",
    **op({200: (list[DeadlineOut], "Every due date of the grant, by date.")}, 401, 404, 422),
)
def grant_deadlines(request, grant_id: GrantId) -> list[DeadlineOut]:
    """Every due date of the grant with its clause, reading and status (done, overdue, soon,
    …), including those that no longer apply; seen by whoever sees the grant."""
    grant = visible_or_404(access.grants_for(request.user), grant_id)
    on = today()
    rows = grant.deadlines.select_related("grant").order_by("due_on", "pk")
    return [deadline_out(r, on) for r in rows]


@router.get(
    "/grant-deadlines",
    summary="The office's calendar of due dates",
    **op({200: (list[DeadlineOut], "Every open due date of every grant.")}, 401, 403),
)
def deadline_calendar(request) -> list[DeadlineOut]:
    """The office's calendar: every open due date of every grant (not done, still applying),
    by date; those without a due date in the call come last."""
    if not access.can(request.user, "view_deadline_calendar", None):
        raise NotAllowed(_("Only the office sees the calendar of every grant."))
    on = today()
    rows = sorted(open_deadlines(), key=lambda r: (r.due_on is None, r.due_on or dt.date.max))
    return [deadline_out(r, on) for r in rows]


@router.post(
    "/grant-deadlines/{deadline_id}/done",
    summary="Mark a due date done",
    **op({200: (DeadlineOut, "Marked done.")}, 400, 401, 403, 404, 422),
)
def deadline_done(request, deadline_id: DeadlineId, body: MarkDoneIn) -> DeadlineOut:
    """The office records a due date as done where no record of the stage closes it (e.g. the
    JCM registration, 2.(1)①), with how it knows; audited. Refused (422) for a due date already
    done or no longer applying, or a date that is not something to do."""
    row = (
        GrantDeadline.objects.filter(grant__in=access.grants_for(request.user), pk=deadline_id)
        .select_related("grant")
        .first()
    )
    if row is None:
        raise Http404
    row = deadline_mark_done(actor=request.user, deadline=row, reason=body.reason)
    return deadline_out(row, today())
