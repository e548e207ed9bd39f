"""The monitoring stage's period part in the REST API (JCM 2.(1)③): the monitoring periods of a
plan, their computation line by line, submission, correction, and the monitoring report as
.xlsx and PDF. The same services (``renkei.monitoring.services.period``) and access policy as
the pages; a plan or period the caller cannot see is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from renkei.apikit import ERROR_TEXT, ErrorOut, jst, op, path_id, plain, text, visible_or_404
from renkei.monitoring.models import MonitoringPeriod
from renkei.monitoring.policy import periods_for, plans_for
from renkei.monitoring.services import period as services

router = Router(tags=["monitoring"])

PlanId = path_id("Monitoring plan id.")
PeriodId = path_id("Monitoring period id.")
Reason = text(services.REASON_LIMIT)
ERRORS = (400, 401, 403, 404, 422)


class MonitoringPeriodOut(Schema):
    id: int = Field(description="Monitoring period id.")
    plan_id: int = Field(description="Monitoring plan id.")
    start: dt.date = Field(description="First day of the period.")
    end: dt.date = Field(description="Last day of the period (inclusive).")
    version: int = Field(description="1, or the version of a correction.")
    correction_of: int | None = Field(description="The verified period this version corrects.")
    correction_reason: str = Field(description="Why it was corrected.")
    state: str = Field(
        description="draft, submitted, in_verification, returned, verified or superseded."
    )
    reference_emissions_tco2: str | None = Field(description="RE, tCO2 as a decimal string.")
    project_emissions_tco2: str | None = Field(description="PE, tCO2 as a decimal string.")
    emission_reductions_tco2: int | None = Field(
        description="ER after the JCM rounding (down to whole tCO2)."
    )
    provisional: bool = Field(description="A formula of the methodology is tagged K.")
    computed_at: dt.datetime | None = Field(description="When it was computed (+09:00).")
    submitted_at: dt.datetime | None = Field(description="When it was submitted (+09:00).")


class PeriodDetailOut(MonitoringPeriodOut):
    result: dict[str, Any] = Field(
        description="The computation (renkei.mrv.compute.result_json): per site and point, "
        "every step, the adjustments with their effect, the notes, and the inputs it took."
    )


def period_out(period: MonitoringPeriod, *, detail: bool = False) -> MonitoringPeriodOut:
    values = {
        "id": period.pk,
        "plan_id": period.plan_id,
        "start": period.start,
        "end": period.end,
        "version": period.version,
        "correction_of": period.correction_of_id,
        "correction_reason": period.correction_reason,
        "state": period.state,
        "reference_emissions_tco2": plain(period.reference_emissions_tco2),
        "project_emissions_tco2": plain(period.project_emissions_tco2),
        "emission_reductions_tco2": period.emission_reductions_tco2,
        "provisional": period.provisional,
        "computed_at": jst(period.computed_at),
        "submitted_at": jst(period.submitted_at),
    }
    if detail:
        return PeriodDetailOut(**values, result=plain(period.result or {}))
    return MonitoringPeriodOut(**values)


class PeriodIn(Schema):
    start: dt.date = Field(description="First day of the period, within the monitoring span.")
    end: dt.date = Field(description="Last day of the period (inclusive).")


class CorrectionIn(Schema):
    reason: Reason = Field(description="Why the verified period is corrected.")


def _period(request, period_id: int) -> MonitoringPeriod:
    return visible_or_404(periods_for(request.user), period_id)


@router.get(
    "/monitoring/plans/{plan_id}/periods",
    summary="The monitoring periods of a plan",
    **op(
        {200: (list[MonitoringPeriodOut], "The periods the caller sees, by start.")}, 401, 404, 422
    ),
)
def period_list(request, plan_id: PlanId) -> list[MonitoringPeriodOut]:
    """Every version; a TPE verifier sees only the periods assigned to its organisation."""
    plan = visible_or_404(plans_for(request.user), plan_id)
    periods = periods_for(request.user).filter(plan=plan).order_by("start", "version")
    return [period_out(p) for p in periods]


@router.post(
    "/monitoring/plans/{plan_id}/periods",
    summary="Create a monitoring period (the representative participant)",
    **op({201: (MonitoringPeriodOut, "Created, as a draft.")}, *ERRORS),
)
def period_create(request, plan_id: PlanId, body: PeriodIn) -> Status:
    """Within the monitoring span (start of operation to the end of the useful life, 2.(1)②);
    never overlapping another period of the plan."""
    plan = visible_or_404(plans_for(request.user), plan_id)
    period = services.period_create(actor=request.user, plan=plan, start=body.start, end=body.end)
    return Status(201, period_out(period))


@router.get(
    "/monitoring/periods/{period_id}",
    summary="A monitoring period with its calculation line by line",
    **op({200: (PeriodDetailOut, "The period and its computation.")}, 401, 404, 422),
)
def period_detail(request, period_id: PeriodId) -> PeriodDetailOut:
    """Its state and totals, and the stored computation: every step, the adjustments with their
    effect, the notes and the inputs it was computed from."""
    return period_out(_period(request, period_id), detail=True)


@router.post(
    "/monitoring/periods/{period_id}/compute",
    summary="Compute the period's reductions (the representative participant)",
    **op({200: (PeriodDetailOut, "Computed.")}, *ERRORS),
)
def period_compute(request, period_id: PeriodId) -> PeriodDetailOut:
    """From the period's data and the plan's methodology (in force over the period); again as
    often as needed while draft or returned."""
    period = services.period_compute(actor=request.user, period=_period(request, period_id))
    return period_out(period, detail=True)


@router.post(
    "/monitoring/periods/{period_id}/submit",
    summary="Submit the monitoring report for verification (the representative participant)",
    **op({200: (MonitoringPeriodOut, "Submitted.")}, *ERRORS),
)
def period_submit(request, period_id: PeriodId) -> MonitoringPeriodOut:
    """Draft or returned → submitted; computed after the last data change."""
    period = services.period_submit(actor=request.user, period=_period(request, period_id))
    return period_out(period)


@router.post(
    "/monitoring/periods/{period_id}/correction",
    summary="Correct a verified period with a new version (the representative participant)",
    **op({201: (MonitoringPeriodOut, "The correction: a new draft version.")}, *ERRORS),
)
def period_correct(request, period_id: PeriodId, body: CorrectionIn) -> Status:
    """The verified period stays in force, unchanged, until the correction is verified."""
    period = services.period_correct(
        actor=request.user, period=_period(request, period_id), reason=body.reason
    )
    return Status(201, period_out(period))


def _file_doc(what: str, content_type: str) -> dict:
    return {
        "responses": {
            200: {
                "description": what,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            },
            **{code: {"description": ERROR_TEXT[code]} for code in (401, 404, 422)},
        }
    }


def _report(request, period_id: int, kind: str) -> HttpResponse:
    from renkei.monitoring.views_period import report_download

    return report_download(_period(request, period_id), kind)


@router.get(
    "/monitoring/periods/{period_id}/report.xlsx",
    summary="The monitoring report (.xlsx): input and calculation sheets",
    response={code: ErrorOut for code in (401, 404, 422)},
    openapi_extra=_file_doc(
        "The monitoring report as an .xlsx workbook.",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
)
def report_xlsx(request, period_id: PeriodId) -> HttpResponse:
    """In the JCM monitoring report sheet's structure: the input sheet (project, methodology,
    period, parameters fixed ex ante with sources, monitored values per point) and the
    calculation sheet (every step, adjustments, totals with the rounding shown)."""
    return _report(request, period_id, "xlsx")


@router.get(
    "/monitoring/periods/{period_id}/report.pdf",
    summary="The monitoring report (PDF), in the caller's language",
    response={code: ErrorOut for code in (401, 404, 422)},
    openapi_extra=_file_doc("The monitoring report as a PDF.", "application/pdf"),
)
def report_pdf(request, period_id: PeriodId) -> HttpResponse:
    """The same sheets as the .xlsx, in Japanese or English (Accept-Language or the account's
    language)."""
    return _report(request, period_id, "pdf")
