"""The monitoring stage's intake part in the REST API (see ``renkei.monitoring.services.intake``):
the uploads of a plan, one upload with what it read, kept and left out (every bad cell named)
and its findings, the original file, the monitoring spreadsheet and interval meter data
uploaded as multipart, and the data a period is computed from. The same services and access
policy as the pages; a plan the caller cannot see is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from renkei import access
from renkei.apikit import ERROR_TEXT, ErrorOut, jst, op, path_id, text
from renkei.monitoring.models import DataUpload, MonitoringPlan
from renkei.monitoring.policy import plans_for
from renkei.monitoring.services import intake as services
from renkei.services import NotAllowed, ServiceError

router = Router(tags=["monitoring"])

PlanId = path_id("Monitoring plan id.")
UploadId = path_id("Upload id.")
ERRORS = (400, 401, 403, 404, 422)


class CellErrorOut(Schema):
    where: str = Field(description='The sheet and cell, e.g. "Readings!D7", or "file.csv:7".')
    message: str = Field(description="What is wrong there, and what would be right.")


class UploadOut(Schema):
    id: int = Field(description="Upload id.")
    kind: str = Field(description="sheet (the monitoring spreadsheet) or interval (meter data).")
    status: str = Field(description="queued, running, done or failed.")
    name: str = Field(description="The file's name as uploaded.")
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of every byte.")
    uploaded_at: dt.datetime = Field(description="When (+09:00).")
    finished_at: dt.datetime | None = Field(description="When the import ended (+09:00).")
    progress_percent: int = Field(description="0–100 while an interval import runs.")
    rows_read: int = Field(description="Data rows read.")
    rows_kept: int = Field(description="Rows kept (stored and used).")
    unit: str = Field(description="Interval data: the unit of its values.")
    interval_minutes: int | None = Field(description="Interval data: minutes per reading.")
    errors: list[CellErrorOut] = Field(description="Every cell or row left out, and why.")
    findings: list[dict[str, Any]] = Field(
        description="Quality findings on what was kept (kind, message, site, point, source)."
    )
    failure: str = Field(description="Why a failed import failed.")


def upload_out(u: DataUpload) -> UploadOut:
    return UploadOut(
        id=u.pk,
        kind=u.kind,
        status=u.status,
        name=u.original_name,
        size=u.size,
        sha256=u.sha256,
        uploaded_at=jst(u.uploaded_at),
        finished_at=jst(u.finished_at),
        progress_percent=u.progress_percent,
        rows_read=u.rows_read,
        rows_kept=u.rows_kept,
        unit=u.unit,
        interval_minutes=u.interval_minutes,
        errors=[CellErrorOut(**e) for e in u.errors],
        findings=u.findings,
        failure=u.failure,
    )


def _plan(request, plan_id: int) -> MonitoringPlan:
    plan = plans_for(request.user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


def _upload(request, upload_id: int) -> DataUpload:
    upload = DataUpload.objects.filter(plan__in=plans_for(request.user), pk=upload_id).first()
    if upload is None:
        raise Http404
    return upload


def _filer(request, plan: MonitoringPlan) -> None:
    if not access.can(request.user, "upload_monitoring_data", plan):
        raise NotAllowed(_("You are not allowed to do this."))


@router.get(
    "/monitoring/plans/{plan_id}/uploads",
    summary="The monitoring data uploaded for a plan",
    **op({200: (list[UploadOut], "Newest first.")}, 401, 404),
)
def upload_list(request, plan_id: PlanId) -> list[UploadOut]:
    """Spreadsheets and interval data, each with its state and what it kept and left out."""
    plan = _plan(request, plan_id)
    return [upload_out(u) for u in plan.uploads.order_by("-uploaded_at", "-pk")]


@router.get(
    "/monitoring/uploads/{upload_id}",
    summary="One upload: progress, rows read and kept, every cell left out, findings",
    **op({200: (UploadOut, "The upload.")}, 401, 404),
)
def upload_detail(request, upload_id: UploadId) -> UploadOut:
    """Poll it while an interval import runs (`status`, `progress_percent`)."""
    return upload_out(_upload(request, upload_id))


@router.get(
    "/monitoring/uploads/{upload_id}/file",
    summary="The original file, as uploaded",
    response={code: ErrorOut for code in (401, 404)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file (attachment).",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
            401: {"description": ERROR_TEXT[401]},
            404: {"description": ERROR_TEXT[404]},
        }
    },
)
def upload_file(request, upload_id: UploadId) -> FileResponse:
    """Byte for byte what was uploaded (nothing lost), whatever the import kept."""
    from renkei.monitoring.views_intake import original_file

    return original_file(_upload(request, upload_id))


@router.post(
    "/monitoring/plans/{plan_id}/uploads/sheet",
    summary="Upload the monitoring spreadsheet (the representative participant)",
    **op({201: (UploadOut, "Imported: what was kept and every cell left out.")}, *ERRORS),
)
def upload_sheet(
    request,
    plan_id: PlanId,
    file: Annotated[UploadedFile, File(description="The spreadsheet (.xlsx or .csv).")],
) -> Status:
    """Columns site, point, parameter, start, end, value, unit[, meter]. The valid rows are
    stored; every bad cell and every row the plan cannot use is listed in `errors`."""
    plan = _plan(request, plan_id)
    _filer(request, plan)
    return Status(
        201, upload_out(services.upload_sheet(actor=request.user, plan=plan, upload=file))
    )


@router.post(
    "/monitoring/plans/{plan_id}/uploads/interval",
    summary="Upload interval meter data (the representative participant)",
    **op({202: (UploadOut, "Queued: poll the upload for its progress and result.")}, *ERRORS),
)
def upload_interval(
    request,
    plan_id: PlanId,
    file: Annotated[UploadedFile, File(description="CSV site,point,timestamp,value.")],
    unit: Annotated[text(20), Form(description='The unit of the values, e.g. "kWh".')],
    interval_minutes: Annotated[
        int, Form(description="Minutes per reading: 1, 5, 10, 15, 30 or 60.")
    ],
) -> Status:
    """Many sites at once; imported by the task runner into a columnar store."""
    plan = _plan(request, plan_id)
    _filer(request, plan)
    upload = services.upload_interval(
        actor=request.user,
        plan=plan,
        upload=file,
        unit=unit.strip(),
        interval_minutes=interval_minutes,
    )
    return Status(202, upload_out(upload))


class IntakePointOut(Schema):
    site: str = Field(description="Site code.")
    point: str = Field(description="Monitoring point code.")
    values: dict[str, str] = Field(description='Monitored totals, e.g. {"EC_PJ": "12.5 MWh"}.')
    fixed: dict[str, str] = Field(description="Point-level fixed values.")


class PeriodDataOut(Schema):
    start: dt.date = Field(description="First day (JST).")
    end: dt.date = Field(description="Last day (JST), inclusive.")
    points: list[IntakePointOut] = Field(description="Per monitoring point.")
    fixed: dict[str, str] = Field(description="Project-level fixed values.")
    findings: list[dict[str, Any]] = Field(description="Quality findings.")
    adjustments: list[dict[str, Any]] = Field(description="The methodology's treatments applied.")
    sources: list[dict[str, Any]] = Field(description="The uploads used (id, kind, name).")


class PeriodQuery(Schema):
    start: dt.date = Field(description="First day of the period (JST).")
    end: dt.date = Field(description="Last day of the period (JST), inclusive.")


def _q(q: Any) -> str:
    return f"{q.value.normalize():f} {q.unit}"


@router.get(
    "/monitoring/plans/{plan_id}/data",
    summary="The data a period would be computed from",
    **op({200: (PeriodDataOut, "Totals per point, findings, uploads used.")}, 401, 404, 422),
)
def period_data(request, plan_id: PlanId, query: Query[PeriodQuery]) -> PeriodDataOut:
    """Monitored totals per point over [start, end] from the spreadsheets and interval data,
    with the plan's fixed values, the quality findings and adjustments."""
    from renkei.monitoring.services.intake import finding_json

    plan = _plan(request, plan_id)
    try:
        data = services.period_data(plan, query.start, query.end)
    except ValueError as exc:  # the MRV core's MrvError: bad data, said as is
        raise ServiceError(str(exc)) from None
    return PeriodDataOut(
        start=query.start,
        end=query.end,
        points=[
            IntakePointOut(
                site=p.site,
                point=p.point,
                values={k: _q(v) for k, v in p.values.items()},
                fixed={k: _q(v) for k, v in (p.fixed or {}).items()},
            )
            for p in data.points
        ],
        fixed={k: _q(v) for k, v in data.fixed.items()},
        findings=[finding_json(f) for f in data.findings],
        adjustments=[
            {
                "finding": finding_json(a.finding),
                "treatment": a.treatment,
                "effect_tco2": str(a.effect_tco2),
                "note": a.note,
            }
            for a in data.adjustments
        ],
        sources=data.sources,
    )
