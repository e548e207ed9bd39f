"""The credits stage's issuance part in the REST API (JCM 2.(1)③, 2.(5)②(カ); spec §2.5): a
project's issuance due dates and requests, the filer's draft, periods, submission and
withdrawal, the Joint Committee's decision. The same services
(``renkei.credits.services.issuance``) and access policy as the pages; a project or request the
caller cannot see is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from renkei.apikit import MAX_ID, jst, op, path_id, text, visible_or_404
from renkei.credits.models import IssuanceRequest, JcmProject
from renkei.credits.policy import projects_for
from renkei.credits.policy.issuance import requests_for
from renkei.credits.services import issuance as services
from renkei.services import ServiceError

router = Router(tags=["credits"])

ProjectId = path_id("JCM project id.")
RequestId = path_id("Issuance request id.")
PeriodRef = Annotated[int, Field(ge=1, le=MAX_ID)]
Tonnes = Annotated[int, Field(ge=0, le=services.MAX_TCO2, strict=True)]
ERRORS = (400, 401, 403, 404, 422)


# --- answers -----------------------------------------------------------------------------------
class CreditsIssuanceDueDateOut(Schema):
    key: str = Field(description="first-issuance, issuance-2030 or last-issuance.")
    label: str = Field(description="What is due, in the caller's language.")
    due_on: dt.date = Field(description="The due date (JST).")
    clause: str = Field(description="The clause of the JCM call.")
    done: bool = Field(description="A submitted or decided request covers it.")
    notes: list[str] = Field(description="The readings applied and the call's caveats.")


class CreditsIssuanceScheduleOut(Schema):
    project: int = Field(description="JCM project id.")
    eligible_from: dt.date | None = Field(description="First day that may be credited (I1).")
    eligible_until: dt.date | None = Field(description="Last day that may be credited (I1).")
    missing: str = Field(description="Why there is no schedule yet (empty if there is one).")
    due_dates: list[CreditsIssuanceDueDateOut] = Field(description="By due date.")
    notes: list[str] = Field(description="Bundling (I3) and requests on demand (I6).")


class CreditsIssuancePeriodOut(Schema):
    period: int = Field(description="Monitoring period id.")
    start: dt.date = Field(description="First day of the period.")
    end: dt.date = Field(description="Last day of the period (inclusive).")
    version: int = Field(description="The period's version.")
    verified_tco2: int = Field(description="Verified reductions (whole tCO2): the ceiling.")
    issued_tco2: int | None = Field(description="Credits issued for it, once decided.")
    active: bool = Field(description="False once the request is refused or withdrawn.")


class CreditsIssuanceOut(Schema):
    id: int = Field(description="Issuance id.")
    issued_tco2: int = Field(description="Credits issued (whole tCO2).")
    decided_on: dt.date = Field(description="Date of the Joint Committee's decision.")
    vintage_start: dt.date = Field(description="First period's start.")
    vintage_end: dt.date = Field(description="Last period's end.")
    agreement: int = Field(description="The allocation agreement in force at the decision.")
    agreement_version: int = Field(description="Its version.")
    recorded_at: dt.datetime | None = Field(description="When the registry recorded it (+09:00).")


class CreditsIssuanceRequestOut(Schema):
    id: int = Field(description="Issuance request id.")
    project: int = Field(description="JCM project id.")
    state: str = Field(description="draft, submitted, approved, rejected or withdrawn.")
    submitted_at: dt.datetime | None = Field(description="When it was submitted (+09:00).")
    decided_at: dt.datetime | None = Field(description="When it was decided (+09:00).")
    decision_note: str = Field(description="The reason for a refusal.")
    verified_tco2: int = Field(description="Sum of the periods' verified reductions.")
    periods: list[CreditsIssuancePeriodOut] = Field(description="By start.")
    issuance: CreditsIssuanceOut | None = Field(description="The issuance, once approved.")


def request_out(req: IssuanceRequest) -> dict[str, Any]:
    req = IssuanceRequest.objects.select_related("issuance__agreement").get(pk=req.pk)
    rows = list(req.periods.select_related("period").order_by("period__start", "period__version"))
    issuance = getattr(req, "issuance", None)
    return {
        "id": req.pk,
        "project": req.project_id,
        "state": req.state,
        "submitted_at": jst(req.submitted_at),
        "decided_at": jst(req.decided_at),
        "decision_note": req.decision_note,
        "verified_tco2": sum(r.verified_tco2 for r in rows),
        "periods": [
            {
                "period": r.period_id,
                "start": r.period.start,
                "end": r.period.end,
                "version": r.period.version,
                "verified_tco2": r.verified_tco2,
                "issued_tco2": r.issued_tco2,
                "active": r.active,
            }
            for r in rows
        ],
        "issuance": None
        if issuance is None
        else {
            "id": issuance.pk,
            "issued_tco2": issuance.issued_tco2,
            "decided_on": issuance.decided_on,
            "vintage_start": issuance.vintage_start,
            "vintage_end": issuance.vintage_end,
            "agreement": issuance.agreement_id,
            "agreement_version": issuance.agreement.version,
            "recorded_at": jst(issuance.recorded_at),
        },
    }


# --- bodies ------------------------------------------------------------------------------------
class CreditsIssuancePeriodsIn(Schema):
    periods: list[PeriodRef] = Field(
        min_length=1, max_length=500, description="Ids of verified monitoring periods."
    )


class CreditsIssuanceAmountIn(Schema):
    period: PeriodRef = Field(description="Monitoring period id of the request.")
    issued_tco2: Tonnes = Field(description="Credits issued for it: 0 to its verified reductions.")


class CreditsIssuanceApproveIn(Schema):
    issued: list[CreditsIssuanceAmountIn] | None = Field(
        default=None,
        max_length=500,
        description="Per period; a period not listed gets its verified reductions (default).",
    )


class CreditsIssuanceRefuseIn(Schema):
    reason: text(services.TEXT_LIMIT) = Field(description="Why the request is refused.")


def _project(request, project_id: int) -> JcmProject:
    return visible_or_404(projects_for(request.user), project_id)


def _request(request, request_id: int) -> IssuanceRequest:
    return visible_or_404(
        requests_for(request.user).select_related("project__plan__grant__selection__proposal"),
        request_id,
    )


# --- operations --------------------------------------------------------------------------------
@router.get(
    "/credits/projects/{project_id}/issuance",
    summary="A JCM project's issuance due dates",
    **op({200: (CreditsIssuanceScheduleOut, "The schedule (2.(1)③).")}, 401, 404, 422),
)
def issuance_schedule(request, project_id: ProjectId) -> dict[str, Any]:
    """The first request a year after registration (I2), the reductions up to 2030 during 2031
    when the useful life ends in 2031 or later (I5), the last within a year after the end (I4);
    each with its clause, the readings applied and whether a request covers it."""
    project = _project(request, project_id)
    sched = services.issuance_due_dates(project)
    return {
        "project": project.pk,
        "eligible_from": sched.eligible_from,
        "eligible_until": sched.eligible_until,
        "missing": sched.missing,
        "due_dates": [
            {
                "key": d.key,
                "label": d.label,
                "due_on": d.due_on,
                "clause": d.clause,
                "done": d.done,
                "notes": d.notes,
            }
            for d in sched.due_dates
        ],
        "notes": sched.notes,
    }


@router.get(
    "/credits/projects/{project_id}/issuance-requests",
    summary="A JCM project's issuance requests",
    **op({200: (list[CreditsIssuanceRequestOut], "Newest first.")}, 401, 404, 422),
)
def issuance_request_list(request, project_id: ProjectId) -> list[dict[str, Any]]:
    """A draft is listed to the consortium and the office only."""
    project = _project(request, project_id)
    rows = requests_for(request.user).filter(project=project).order_by("-created_at", "-pk")
    return [request_out(r) for r in rows]


@router.post(
    "/credits/projects/{project_id}/issuance-requests",
    summary="Draft an issuance request (the representative participant)",
    **op({201: (CreditsIssuanceRequestOut, "Drafted.")}, *ERRORS),
)
def issuance_request_create(request, project_id: ProjectId, body: CreditsIssuancePeriodsIn):
    """For verified periods (not superseded) held by no other active request, of a registered
    project with an allocation agreement in force."""
    project = _project(request, project_id)
    req = services.issuance_request_create(
        actor=request.user, project=project, periods=body.periods
    )
    return Status(201, request_out(req))


@router.get(
    "/credits/issuance-requests/{request_id}",
    summary="An issuance request",
    **op({200: (CreditsIssuanceRequestOut, "The request.")}, 401, 404, 422),
)
def issuance_request_detail(request, request_id: RequestId) -> dict[str, Any]:
    """Its periods with their verified reductions and, once decided, the issuance."""
    return request_out(_request(request, request_id))


@router.put(
    "/credits/issuance-requests/{request_id}/periods",
    summary="Change a draft request's periods (the representative participant)",
    **op({200: (CreditsIssuanceRequestOut, "Saved.")}, *ERRORS),
)
def issuance_request_periods(request, request_id: RequestId, body: CreditsIssuancePeriodsIn):
    """Several years may be bundled (I3)."""
    req = services.issuance_request_set_periods(
        actor=request.user, request=_request(request, request_id), periods=body.periods
    )
    return request_out(req)


@router.post(
    "/credits/issuance-requests/{request_id}/submit",
    summary="Submit a request to the Joint Committee (the representative participant)",
    **op({200: (CreditsIssuanceRequestOut, "Submitted.")}, *ERRORS),
)
def issuance_request_submit(request, request_id: RequestId):
    """A draft of a registered project with an allocation agreement in force, its periods still
    verified and held by no other active request; the Joint Committee and the office are told."""
    req = services.issuance_request_submit(
        actor=request.user, request=_request(request, request_id)
    )
    return request_out(req)


@router.post(
    "/credits/issuance-requests/{request_id}/withdraw",
    summary="Withdraw a request before the decision (the representative participant)",
    **op({200: (CreditsIssuanceRequestOut, "Withdrawn; its periods are free.")}, *ERRORS),
)
def issuance_request_withdraw(request, request_id: RequestId):
    """A draft or a submitted request; its periods may be requested again. Once submitted, the
    Joint Committee and the office are told."""
    req = services.issuance_request_withdraw(
        actor=request.user, request=_request(request, request_id)
    )
    return request_out(req)


@router.post(
    "/credits/issuance-requests/{request_id}/approve",
    summary="Issue credits (the Joint Committee of the project's country)",
    **op({200: (CreditsIssuanceRequestOut, "Issued.")}, *ERRORS),
)
def issuance_request_approve(request, request_id: RequestId, body: CreditsIssuanceApproveIn):
    """Per period at most its verified reductions, whole tCO2, more than 0 in all; recorded
    against the allocation agreement in force, with the vintage."""
    req = _request(request, request_id)
    issued = None
    if body.issued is not None:
        issued = {}
        for row in body.issued:
            if row.period in issued:
                raise ServiceError(
                    _("Period %(id)s is given twice; give each period's amount once.")
                    % {"id": row.period}
                )
            issued[row.period] = row.issued_tco2
    services.issuance_request_approve(actor=request.user, request=req, issued=issued)
    return request_out(req)


@router.post(
    "/credits/issuance-requests/{request_id}/refuse",
    summary="Refuse a request with the reason (the Joint Committee of the project's country)",
    **op({200: (CreditsIssuanceRequestOut, "Refused; its periods are free.")}, *ERRORS),
)
def issuance_request_refuse(request, request_id: RequestId, body: CreditsIssuanceRefuseIn):
    """A submitted request, with the reason (kept as its decision note); its periods may be
    requested again. The filers and the office are told."""
    req = services.issuance_request_refuse(
        actor=request.user, request=_request(request, request_id), reason=body.reason
    )
    return request_out(req)
