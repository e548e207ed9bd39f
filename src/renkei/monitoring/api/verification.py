"""The monitoring stage's verification part in the REST API (see
``renkei.monitoring.services.verification``): the office assigns a submitted period to a TPE;
the TPE starts the verification, raises findings, returns the period, closes findings and issues
its verification; the representative participant's applicants answer the findings. The same
services and access policy as the pages; a period the caller cannot see is 404 (a verifier of
another TPE included)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Router, Schema, Status
from pydantic import Field

from renkei.apikit import MAX_ID, jst, op, path_id, text, visible_or_404
from renkei.monitoring.models import Finding, MonitoringPeriod
from renkei.monitoring.policy import periods_for, plans_for
from renkei.monitoring.services import verification as services

router = Router(tags=["monitoring"])

PeriodId = path_id("Monitoring period id.")
FindingId = path_id("Finding id.")
PlanId = path_id("Monitoring plan id.")
Long = text(services.TEXT_LIMIT)
ERRORS = (400, 401, 403, 404, 422)


# --- answers -----------------------------------------------------------------------------------
class VerificationFindingOut(Schema):
    id: int = Field(description="Finding id.")
    kind: Literal["car", "cl"] = Field(
        description="car: corrective action request; cl: clarification request."
    )
    text: str = Field(description="What the TPE found or asks.")
    status: Literal["open", "answered", "closed"] = Field(description="Where the finding stands.")
    raised_at: dt.datetime = Field(description="When it was raised (+09:00).")
    answer: str = Field(description="The participant's answer (empty until answered).")
    answered_at: dt.datetime | None = Field(description="When it was answered (+09:00).")
    closed_at: dt.datetime | None = Field(description="When the TPE closed it (+09:00).")


class IssuedOut(Schema):
    verified_tco2: int = Field(description="Verified emission reductions (whole tCO2).")
    verified_on: dt.date = Field(description="Date of the verification.")
    statement: str = Field(description="The TPE's verification statement.")
    issued_at: dt.datetime = Field(description="When it was recorded (+09:00).")


class VerificationOut(Schema):
    period: int = Field(description="Monitoring period id.")
    state: str = Field(
        description="The period's state: draft, submitted, in_verification, returned, verified "
        "or superseded."
    )
    computed_tco2: int | None = Field(description="Reductions the monitoring report computed.")
    tpe: int | None = Field(description="The assigned TPE organisation's id.")
    tpe_name: str = Field(description="The assigned TPE's name (empty if none).")
    assigned_at: dt.datetime | None = Field(description="When it was assigned (+09:00).")
    findings: list[VerificationFindingOut] = Field(description="The findings, oldest first.")
    verification: IssuedOut | None = Field(description="The verification, once issued.")


class VerifiedOut(Schema):
    period: int = Field(description="Monitoring period id.")
    start: dt.date = Field(description="First day of the period.")
    end: dt.date = Field(description="Last day of the period (inclusive).")
    version: int = Field(description="The period's version (corrections count up).")
    verified_tco2: int = Field(description="Verified emission reductions (whole tCO2).")


def _finding_out(f: Finding) -> dict:
    return {
        "id": f.pk,
        "kind": f.kind,
        "text": f.text,
        "status": f.status,
        "raised_at": jst(f.raised_at),
        "answer": f.answer,
        "answered_at": jst(f.answered_at),
        "closed_at": jst(f.closed_at),
    }


def verification_out(period: MonitoringPeriod) -> dict:
    period = MonitoringPeriod.objects.get(pk=period.pk)
    assignment = getattr(period, "assignment", None)
    issued = getattr(period, "verification", None)
    return {
        "period": period.pk,
        "state": period.state,
        "computed_tco2": period.emission_reductions_tco2,
        "tpe": assignment.tpe_id if assignment else None,
        "tpe_name": assignment.tpe.name if assignment else "",
        "assigned_at": jst(assignment.assigned_at) if assignment else None,
        "findings": [_finding_out(f) for f in period.findings.order_by("raised_at", "pk")],
        "verification": None
        if issued is None
        else {
            "verified_tco2": issued.verified_tco2,
            "verified_on": issued.verified_on,
            "statement": issued.statement,
            "issued_at": jst(issued.issued_at),
        },
    }


def _period(request, period_id: int) -> MonitoringPeriod:
    return visible_or_404(periods_for(request.user), period_id)


def _finding(request, finding_id: int) -> Finding:
    return visible_or_404(
        Finding.objects.filter(period__in=periods_for(request.user)).select_related(
            "period__plan__grant"
        ),
        finding_id,
    )


# --- requests ----------------------------------------------------------------------------------
class TpeAssignIn(Schema):
    tpe: Annotated[int, Field(ge=1, le=MAX_ID)] = Field(
        description="The TPE organisation's id (an organisation of kind tpe)."
    )


class FindingIn(Schema):
    kind: Literal["car", "cl"] = Field(
        description="car: corrective action request; cl: clarification request."
    )
    text: Long = Field(description="What the TPE found or asks.")


class FindingAnswerIn(Schema):
    answer: Long = Field(description="The participant's answer to the finding.")


class IssueIn(Schema):
    verified_tco2: Annotated[int, Field(ge=0, le=services.MAX_TCO2)] = Field(
        description="Verified reductions: whole tCO2, from 0 to the period's computed reductions."
    )
    verified_on: dt.date = Field(
        description="Date of the verification: not before the period's end, not in the future."
    )
    statement: Long = Field(description="The TPE's verification statement.")


def _ok(text_: str, code: int = 200):
    return op({code: (VerificationOut, text_)}, *ERRORS)


# --- operations --------------------------------------------------------------------------------
@router.get(
    "/monitoring/periods/{period_id}/verification",
    summary="A monitoring period's verification as it stands",
    **op({200: (VerificationOut, "The assignment, findings and verification.")}, 401, 404, 422),
)
def verification_detail(request, period_id: PeriodId) -> dict:
    """The assigned TPE, the findings with their answers, and the verification once issued."""
    return verification_out(_period(request, period_id))


@router.get(
    "/monitoring/plans/{plan_id}/verified-reductions",
    summary="Verified reductions per period (what the credit stage reads)",
    **op({200: (list[VerifiedOut], "Verified, non-superseded periods by start.")}, 401, 404, 422),
)
def verified_reductions(request, plan_id: PlanId) -> list[dict]:
    """Only verified periods; a superseded version is left out (its correction counts)."""
    plan = visible_or_404(plans_for(request.user), plan_id)
    rows = services.verified_reductions(plan)
    visible = set(periods_for(request.user).filter(plan=plan).values_list("pk", flat=True))
    return [
        {
            "period": p.pk,
            "start": p.start,
            "end": p.end,
            "version": p.version,
            "verified_tco2": tonnes,
        }
        for p, tonnes in rows
        if p.pk in visible
    ]


@router.post(
    "/monitoring/periods/{period_id}/assignment",
    summary="Assign a submitted period to a TPE (office)",
    **_ok("Assigned; the TPE's verifiers are told.", 201),
)
def tpe_assign(request, period_id: PeriodId, body: TpeAssignIn) -> Status:
    """Another TPE may be assigned until the assigned one has raised a finding."""
    period = _period(request, period_id)
    services.tpe_assign(actor=request.user, period=period, tpe=body.tpe)
    return Status(201, verification_out(period))


@router.post(
    "/monitoring/periods/{period_id}/verification/start",
    summary="Start (or resume) verifying a submitted period (the assigned TPE)",
    **_ok("In verification."),
)
def verification_start(request, period_id: PeriodId) -> dict:
    """Submitted → in verification."""
    period = _period(request, period_id)
    services.verification_start(actor=request.user, period=period)
    return verification_out(period)


@router.post(
    "/monitoring/periods/{period_id}/findings",
    summary="Raise a finding, CAR or CL (the assigned TPE)",
    **_ok("Raised.", 201),
)
def finding_raise(request, period_id: PeriodId, body: FindingIn) -> Status:
    """During verification."""
    period = _period(request, period_id)
    services.finding_raise(actor=request.user, period=period, kind=body.kind, text=body.text)
    return Status(201, verification_out(period))


@router.post(
    "/monitoring/periods/{period_id}/return",
    summary="Return the period to the participant with its open findings (the assigned TPE)",
    **_ok("Returned; the representative participant's applicants are told."),
)
def period_return(request, period_id: PeriodId) -> dict:
    """In verification → returned; at least one finding must be open."""
    period = _period(request, period_id)
    services.period_return(actor=request.user, period=period)
    return verification_out(period)


@router.post(
    "/monitoring/findings/{finding_id}/answer",
    summary="Answer a finding (the representative participant's applicants)",
    **_ok("Answered."),
)
def finding_answer(request, finding_id: FindingId, body: FindingAnswerIn) -> dict:
    """While the period is returned; resubmitting the period is the period part's operation."""
    finding = _finding(request, finding_id)
    services.finding_answer(actor=request.user, finding=finding, answer=body.answer)
    return verification_out(finding.period)


@router.post(
    "/monitoring/findings/{finding_id}/close",
    summary="Close a finding (the assigned TPE)",
    **_ok("Closed."),
)
def finding_close(request, finding_id: FindingId) -> dict:
    """During verification."""
    finding = _finding(request, finding_id)
    services.finding_close(actor=request.user, finding=finding)
    return verification_out(finding.period)


@router.post(
    "/monitoring/periods/{period_id}/verification",
    summary="Issue the verification with the verified amount (the assigned TPE)",
    **_ok("Verified; the amount is fixed from now on.", 201),
)
def verification_issue(request, period_id: PeriodId, body: IssueIn) -> Status:
    """Every finding closed; 0 ≤ verified ≤ computed; dated from the period's end to today. The
    version it corrects, if any, is superseded."""
    period = _period(request, period_id)
    services.verification_issue(actor=request.user, period=period, **body.dict())
    return Status(201, verification_out(period))
