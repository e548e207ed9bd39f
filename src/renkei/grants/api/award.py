"""The grant's award part in the REST API (see ``renkei.grants.services.award``): the grant
application with its versions, uploads and pre-check, the 内示's withdrawal, the decision and its
notice, procurement, changes (with the rules core's verdict before filing), suspension or
abolition, interim inspections and year-end reports. The same services and the same access
policy as the pages: 403 for a request the caller's role or the grant's state does not allow,
404 for a grant the caller may not see, 422 with the reason for a refusal."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from renkei import access
from renkei.apikit import op, path_id, text
from renkei.grants.models import (
    ChangeRequest,
    Grant,
    GrantDocument,
    ProcurementRecord,
    StopRequest,
)
from renkei.grants.services import award as services
from renkei.services import NotAllowed

router = Router(tags=["grants"])

GrantId = path_id("Grant id.")
ChangeId = path_id("Change request id.")
StopId = path_id("Suspension or abolition request id.")
Yen = Annotated[int, Field(ge=0, lt=10**13, description="Whole yen.")]
PositiveYen = Annotated[int, Field(ge=1, lt=10**13, description="Whole yen above 0.")]
Category = Literal["construction", "equipment", "admin"]
FiscalYear = Annotated[int, Field(ge=2000, le=2100, description="Fiscal year, e.g. 2024.")]
Row = dict[Category, Yen]
BUDGET_TEXT = (
    "Eligible cost by fiscal year and 別表1 column-1 category: "
    '`{"2024": {"construction": yen, "equipment": yen, "admin": yen}}`.'
)
Budget = Annotated[
    dict[Annotated[str, Field(pattern=r"^\d{4}$")], Row], Field(description=BUDGET_TEXT)
]


def _visible(request, grant_id: int) -> Grant:
    grant = access.grants_for(request.user).filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    return grant


def _may(request, action: str, obj: Any) -> None:
    if not access.can(request.user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def _lang(request) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "ja") or "ja").startswith("en") else "ja"


# --- answers -----------------------------------------------------------------------------------
class AwardVersionOut(Schema):
    number: int = Field(description="Version number (every save is a new version).")
    budget: dict[str, dict[str, int]] = Field(description=BUDGET_TEXT)
    plan: str = Field(description="Plan and content of the project.")
    planned_completion_on: str = Field(description="Planned completion date (ISO) or empty.")
    created_at: dt.datetime = Field(description="When this version was saved.")
    submitted_at: dt.datetime | None = Field(description="When sent to the office.")
    submitted_late: bool = Field(description="Submitted after the 30-day due date (4.(2)).")


class AwardDocumentOut(Schema):
    id: int = Field(description="Record id.")
    kind: str = Field(description="consortium_agreement, implementation_plan, quotations, other.")
    name: str = Field(description="The file's name as uploaded.")
    size: int = Field(description="Size in bytes.")
    sha256: str = Field(description="SHA-256 of the file's bytes.")
    uploaded_at: dt.datetime = Field(description="When uploaded.")


class AwardPreCheckOut(Schema):
    id: int = Field(description="Record id.")
    version: int = Field(description="The version the office asked about.")
    message: str = Field(description="The office's message.")
    asked_at: dt.datetime = Field(description="When the office asked.")
    answered_by_version: int | None = Field(description="The version that answers it.")


class AwardApplicationOut(Schema):
    grant_id: int = Field(description="The grant.")
    due: dt.date = Field(description="Complete within 30 days of the 内示 (4.(2)).")
    due_clause: str = Field(description="The clause of the due date.")
    naiji_cancellable_from: dt.date = Field(description="The 内示 may be withdrawn from (4.(2)).")
    first_submitted_at: dt.datetime | None = Field(
        description="When the application was first submitted."
    )
    accepted_at: dt.datetime | None = Field(description="Accepted as complete by the office.")
    revoked_at: dt.datetime | None = Field(description="The 内示 withdrawn.")
    revoke_reason: str = Field(description="Why the 内示 was withdrawn.")
    versions: list[AwardVersionOut] = Field(description="Newest first.")
    documents: list[AwardDocumentOut] = Field(description="The uploaded documents.")
    prechecks: list[AwardPreCheckOut] = Field(description="The office's requests for corrections.")


def _version_out(v) -> AwardVersionOut:
    return AwardVersionOut(
        number=v.number,
        budget=v.budget,
        plan=(v.content or {}).get("plan", ""),
        planned_completion_on=(v.content or {}).get("planned_completion_on", ""),
        created_at=v.created_at,
        submitted_at=v.submitted_at,
        submitted_late=v.submitted_late,
    )


def _doc_out(d: GrantDocument) -> AwardDocumentOut:
    return AwardDocumentOut(
        id=d.pk,
        kind=d.kind,
        name=d.original_name,
        size=d.size,
        sha256=d.sha256,
        uploaded_at=d.uploaded_at,
    )


def _application_out(grant: Grant) -> AwardApplicationOut:
    app = grant.application
    deadline = services.application_deadline(grant)
    return AwardApplicationOut(
        grant_id=grant.pk,
        due=deadline.due,
        due_clause=deadline.clause,
        naiji_cancellable_from=deadline.cancellable_from,
        first_submitted_at=app.first_submitted_at,
        accepted_at=app.accepted_at,
        revoked_at=app.revoked_at,
        revoke_reason=app.revoke_reason,
        versions=[_version_out(v) for v in app.versions.order_by("-number")],
        documents=[_doc_out(d) for d in services.application_documents(grant)],
        prechecks=[
            AwardPreCheckOut(
                id=p.pk,
                version=p.version.number,
                message=p.message,
                asked_at=p.asked_at,
                answered_by_version=p.answered_by_version.number if p.answered_by_version else None,
            )
            for p in app.prechecks.select_related("version", "answered_by_version")
        ],
    )


class AwardFindingOut(Schema):
    status: str = Field(description="pass, fail or needs_review.")
    clause: str = Field(description="The call's clause.")
    message: str = Field(description="In the request's language.")


class AwardDecisionOut(Schema):
    number: str = Field(description="Decision number.")
    decided_on: dt.date = Field(description="Decision date (交付決定日).")
    amount_jpy: int = Field(description="Amount in whole yen.")
    rate: str = Field(description='Subsidy rate as a decimal string, e.g. "0.5".')
    completion_due: dt.date = Field(description="Completion due under the decision.")
    findings: list[AwardFindingOut] = Field(
        description="The rules core's checks (2.(8)–(9), 別表1)."
    )
    budget_in_force: dict[str, dict[str, int]] = Field(description=BUDGET_TEXT)
    amount_in_force_jpy: int = Field(description="After approved amount changes.")


def _findings(stored: list[dict], lang: str) -> list[AwardFindingOut]:
    return [
        AwardFindingOut(
            status=f["status"],
            clause=str((f.get(lang) or {}).get("clause", "")),
            message=str((f.get(lang) or {}).get("message", "")),
        )
        for f in stored
    ]


def _decision_out(grant: Grant, lang: str) -> AwardDecisionOut:
    d = grant.decision
    current = services.current_allocation(grant)
    return AwardDecisionOut(
        number=d.number,
        decided_on=d.decided_on,
        amount_jpy=d.amount_jpy,
        rate=str(d.rate),
        completion_due=d.completion_due,
        findings=_findings(d.findings, lang),
        budget_in_force=current.budget,
        amount_in_force_jpy=current.amount_jpy,
    )


class AwardProcurementOut(Schema):
    id: int = Field(description="Record id.")
    fiscal_year: int = Field(description="Fiscal year (April–March), e.g. 2024.")
    category: str = Field(description="別表1 column-1 category.")
    description: str = Field(description="What it is, as typed.")
    supplier: str = Field(description="The supplier.")
    method: str = Field(
        description="tender, quotations or sole (a single supplier, with the reason)."
    )
    method_reason: str = Field(description="Why this supplier.")
    ordered_on: dt.date = Field(description="Order date (on or after the decision date, 4.(3)①).")
    amount_jpy: int = Field(description="Amount in whole yen.")
    paid_on: dt.date | None = Field(
        description="Payment date (in the order's fiscal year, 4.(3)③)."
    )
    flags: list[str] = Field(description="What the rules flag, e.g. a payment outside the FY.")


def _procurement_out(p: ProcurementRecord, lang: str) -> AwardProcurementOut:
    return AwardProcurementOut(
        id=p.pk,
        fiscal_year=p.fiscal_year,
        category=p.category,
        description=p.description,
        supplier=p.supplier,
        method=p.method,
        method_reason=p.method_reason,
        ordered_on=p.ordered_on,
        amount_jpy=p.amount_jpy,
        paid_on=p.paid_on,
        flags=[f"{f['clause']}: {f.get(lang) or f.get('en')}" for f in p.flags],
    )


class AwardVerdictOut(Schema):
    approval_required: bool = Field(description="Whether prior approval of the office is needed.")
    clause: str = Field(description="The call's clause.")
    reading: str = Field(description="The named reading applied, if any.")
    threshold_jpy: int | None = Field(description="15 % of the lower allocation (4.(4)2)①).")
    detail: dict[str, Any] = Field(description="The rules core's result in the request's language.")
    findings: list[AwardFindingOut] = Field(description="The checks of an amount change.")


def _verdict_out(v: dict, lang: str) -> AwardVerdictOut:
    return AwardVerdictOut(
        approval_required=bool(v.get("approval_required")),
        clause=str(v.get("clause") or ""),
        reading=str(v.get("reading") or ""),
        threshold_jpy=v.get("threshold_jpy"),
        detail=v.get(lang) or {},
        findings=_findings(v.get("findings", []), lang),
    )


class AwardChangeOut(Schema):
    id: int = Field(description="Record id.")
    kind: str = Field(description="Kind (see the enumeration).")
    state: str = Field(description="submitted, approved, refused, withdrawn, recorded.")
    description: str = Field(description="What it is, as typed.")
    budget: dict[str, dict[str, int]] | None = Field(
        description="Budget by fiscal year and category (yen)."
    )
    amount_jpy: int | None = Field(description="Amount in whole yen.")
    details: dict[str, Any] = Field(description="Minor-change answers or the consortium members.")
    verdict: AwardVerdictOut = Field(description="The rules core's verdict, as stored.")
    submitted_at: dt.datetime = Field(description="When submitted.")
    decided_at: dt.datetime | None = Field(description="When the office decided.")
    decision_reason: str = Field(description="The office's reason.")


def _change_out(c: ChangeRequest, lang: str) -> AwardChangeOut:
    return AwardChangeOut(
        id=c.pk,
        kind=c.kind,
        state=c.state,
        description=c.description,
        budget=c.budget,
        amount_jpy=c.amount_jpy,
        details=c.details,
        verdict=_verdict_out(c.verdict, lang),
        submitted_at=c.submitted_at,
        decided_at=c.decided_at,
        decision_reason=c.decision_reason,
    )


class AwardStopOut(Schema):
    id: int = Field(description="Record id.")
    kind: str = Field(description="Kind (see the enumeration).")
    whole: bool = Field(description="The whole project (not a part).")
    late_completion: bool = Field(
        description="Because the project cannot be completed in time (4.(10))."
    )
    reason: str = Field(description="The reason, as typed.")
    state: str = Field(description="State of the request.")
    submitted_at: dt.datetime = Field(description="When submitted.")
    decision_reason: str = Field(description="The office's reason.")


def _stop_out(s: StopRequest) -> AwardStopOut:
    return AwardStopOut(
        id=s.pk,
        kind=s.kind,
        whole=s.whole,
        late_completion=s.late_completion,
        reason=s.reason,
        state=s.state,
        submitted_at=s.submitted_at,
        decision_reason=s.decision_reason,
    )


class AwardInspectionOut(Schema):
    id: int = Field(description="Record id.")
    fiscal_year: int = Field(description="Fiscal year (April–March), e.g. 2024.")
    inspected_on: dt.date = Field(description="Inspection date.")
    on_site: bool = Field(description="A site visit (not only documents).")
    representative_attended: bool = Field(description="The representative participant attended.")
    attendees: str = Field(description="Who attended.")
    findings: str = Field(description="Findings.")


class AwardYearEndOut(Schema):
    id: int = Field(description="Record id.")
    fiscal_year: int = Field(description="Fiscal year (April–March), e.g. 2024.")
    spending: dict[str, int] = Field(description="Spending per category (yen).")
    narrative: str = Field(description="Narrative, as typed.")
    due_on: dt.date = Field(description="10 April of the next fiscal year (4.(6)①).")
    late: bool = Field(description="Submitted after its due date (flagged).")
    submitted_at: dt.datetime = Field(description="When submitted.")


class AwardImplementationOut(Schema):
    procurements: list[AwardProcurementOut] = Field(description="Orders recorded.")
    changes: list[AwardChangeOut] = Field(description="Change requests.")
    stop_requests: list[AwardStopOut] = Field(description="Suspension or abolition requests.")
    interim_inspections: list[AwardInspectionOut] = Field(description="Interim inspections.")
    year_end_reports: list[AwardYearEndOut] = Field(description="Year-end reports.")


# --- requests ----------------------------------------------------------------------------------
class AwardApplicationIn(Schema):
    budget: Budget = Field(description="Budget by fiscal year and category (yen).")
    plan: text(20000, min_length=0) = Field("", description="Plan and content of the project.")
    planned_completion_on: dt.date | None = Field(None, description="Planned completion date.")


class AwardMessageIn(Schema):
    message: text(5000) = Field(description="What must be corrected.")


class AwardReasonIn(Schema):
    reason: text(5000) = Field(description="The reason, as typed.")


class AwardDecideIn(Schema):
    decided_on: dt.date = Field(description="Decision date (交付決定日).")
    amount_jpy: PositiveYen = Field(description="Amount in whole yen.")
    rate: str = Field(
        pattern=r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$",
        description='Subsidy rate as a decimal string above 0 and at most 1, e.g. "0.5" '
        "(2.(9)); at most 4 decimal places.",
    )
    completion_due: dt.date = Field(description="Completion due under the decision.")
    budget: Budget | None = Field(None, description="Default: the accepted version's budget.")


class AwardProcurementIn(Schema):
    fiscal_year: FiscalYear = Field(description="Fiscal year (April–March), e.g. 2024.")
    category: Category = Field(description="別表1 column-1 category.")
    description: text(300) = Field(description="What it is, as typed.")
    supplier: text(200) = Field(description="The supplier.")
    method: Literal["tender", "quotations", "sole"] = Field(
        description="tender, quotations or sole (a single supplier, with the reason)."
    )
    method_reason: text(5000, min_length=0) = Field("", description="Required for `sole`.")
    ordered_on: dt.date = Field(description="Order date (on or after the decision date, 4.(3)①).")
    amount_jpy: PositiveYen = Field(description="Amount in whole yen.")
    paid_on: dt.date | None = Field(
        None, description="Payment date (in the order's fiscal year, 4.(3)③)."
    )


class AwardChangeIn(Schema):
    kind: Literal["amount", "reallocation", "content", "consortium"] = Field(
        description="Kind (see the enumeration)."
    )
    description: text(20000) = Field("", description="What it is, as typed.")
    budget: Budget | None = Field(None, description="The new allocation (reallocation, amount).")
    amount_jpy: PositiveYen | None = Field(None, description="The new amount (amount change).")
    details: dict[str, bool | Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict,
        description="A content change answers changes_purpose, own_initiative_efficiency, "
        "detail_only, reductions_unchanged (true/false); a consortium change gives `members`.",
    )


class AwardDecideRequestIn(Schema):
    approve: bool = Field(description="true: approve; false: refuse.")
    reason: text(5000, min_length=0) = Field("", description="The reason, as typed.")


class AwardStopIn(Schema):
    kind: Literal["suspend", "abolish"] = Field(description="Kind (see the enumeration).")
    whole: bool = Field(True, description="The whole project (not a part).")
    late_completion: bool = Field(
        False, description="Because the project cannot be completed in time (4.(10))."
    )
    reason: text(5000) = Field(description="The reason, as typed.")


class AwardInterimIn(Schema):
    fiscal_year: FiscalYear = Field(description="Fiscal year (April–March), e.g. 2024.")
    inspected_on: dt.date = Field(description="Inspection date.")
    on_site: bool = Field(False, description="A site visit (not only documents).")
    representative_attended: bool = Field(
        False, description="The representative participant attended."
    )
    attendees: text(5000, min_length=0) = Field("", description="Who attended.")
    findings: text(20000, min_length=0) = Field("", description="Findings.")


class AwardYearEndIn(Schema):
    fiscal_year: FiscalYear = Field(description="Fiscal year (April–March), e.g. 2024.")
    spending: Row = Field(description="Spending per category (yen).")
    narrative: text(20000, min_length=0) = Field("", description="Narrative, as typed.")


# --- operations --------------------------------------------------------------------------------
@router.get(
    "/grants/{grant_id}/application",
    operation_id="renkei_api_grant_application",
    summary="The grant application with its versions, documents and pre-check requests",
    **op({200: (AwardApplicationOut, "The application.")}, 401, 404, 422),
)
def application_get(request, grant_id: GrantId) -> AwardApplicationOut:
    """The grant application: its due date (4.(2)), every version newest first, the uploaded
    documents and the office's pre-check requests. The office and the consortium."""
    return _application_out(_visible(request, grant_id))


@router.post(
    "/grants/{grant_id}/application/versions",
    operation_id="renkei_api_grant_application_save",
    summary="Save the application as a new version (the representative, while drafting)",
    **op({201: (AwardVersionOut, "Saved.")}, 400, 401, 403, 404, 422),
)
def application_save(request, grant_id: GrantId, body: AwardApplicationIn) -> Status:
    """Save the application as a new version (every save is kept): the budget by fiscal year
    and category, the plan and the planned completion date. The representative participant's
    applicants, while the application is with the consortium."""
    grant = _visible(request, grant_id)
    version = services.application_save(
        actor=request.user,
        grant=grant,
        budget=body.budget,
        content={"plan": body.plan, "planned_completion_on": body.planned_completion_on or ""},
    )
    return Status(201, _version_out(version))


@router.post(
    "/grants/{grant_id}/application/documents",
    operation_id="renkei_api_grant_application_document_add",
    summary="Upload a document to the application (e.g. the signed consortium agreement)",
    **op({201: (AwardDocumentOut, "Stored, with its SHA-256.")}, 400, 401, 403, 404, 422),
)
def application_document_add(
    request,
    grant_id: GrantId,
    file: Annotated[UploadedFile, File(description="The file (allowed types; size limit).")],
    kind: Annotated[
        Literal["consortium_agreement", "implementation_plan", "quotations", "other"],
        Form(description="Which document this is."),
    ],
) -> Status:
    """Upload a file to the application: the signed international consortium agreement
    (needed to submit, 5.(3)①(ク)), the implementation plan, quotations or others. Type,
    content and size are checked; files are added, never overwritten."""
    grant = _visible(request, grant_id)
    doc = services.application_document_add(actor=request.user, grant=grant, kind=kind, upload=file)
    return Status(201, _doc_out(doc))


@router.get(
    "/grants/{grant_id}/documents/{document_id}",
    operation_id="renkei_api_grant_document",
    summary="Download a document of the grant",
    **op({200: (None, "The file.")}, 401, 404, 422),
)
def document_download(request, grant_id: GrantId, document_id: path_id("Document id.")):
    """A file uploaded to the grant, for the office and the consortium."""
    grant = _visible(request, grant_id)
    doc = get_object_or_404(GrantDocument, grant=grant, pk=document_id)
    # streamed from the storage (a local file or an object store), never read whole into memory
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=f"{doc.pk}{_ext(doc.original_name)}",
        content_type=doc.content_type,
    )


def _ext(name: str) -> str:
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


@router.post(
    "/grants/{grant_id}/application/submit",
    operation_id="renkei_api_grant_application_submit",
    summary="Submit the application (the representative; the signed agreement required)",
    **op(
        {200: (AwardVersionOut, "Submitted; `submitted_late` flags a late one.")},
        401,
        403,
        404,
        422,
    ),
)
def application_submit(request, grant_id: GrantId) -> AwardVersionOut:
    """Submit the latest version to the office (2.(4)② 注2: the representative only). Refused
    without the signed consortium agreement; after the 30-day due date it is accepted and
    flagged (`submitted_late`)."""
    return _version_out(
        services.application_submit(actor=request.user, grant=_visible(request, grant_id))
    )


@router.post(
    "/grants/{grant_id}/application/return",
    operation_id="renkei_api_grant_application_return",
    summary="Ask for corrections (the office's pre-check, 4.(1))",
    **op({200: (AwardPreCheckOut, "Returned to the representative.")}, 400, 401, 403, 404, 422),
)
def application_return(request, grant_id: GrantId, body: AwardMessageIn) -> AwardPreCheckOut:
    """The office's pre-check asks for corrections (4.(1)); the application goes back to the
    representative, and the next submitted version answers it."""
    grant = _visible(request, grant_id)
    _may(request, "review_grant_application", grant)
    p = services.application_return(actor=request.user, grant=grant, message=body.message)
    return AwardPreCheckOut(
        id=p.pk,
        version=p.version.number,
        message=p.message,
        asked_at=p.asked_at,
        answered_by_version=None,
    )


@router.post(
    "/grants/{grant_id}/application/accept",
    operation_id="renkei_api_grant_application_accept",
    summary="Accept the application as complete (the office)",
    **op({200: (AwardApplicationOut, "Accepted.")}, 401, 403, 404, 422),
)
def application_accept(request, grant_id: GrantId) -> AwardApplicationOut:
    """The office accepts the submitted application as complete (不備のない交付申請書, 4.(2)); the
    grant can then be decided."""
    grant = _visible(request, grant_id)
    services.application_accept(actor=request.user, grant=grant)
    return _application_out(_visible(request, grant_id))


@router.post(
    "/grants/{grant_id}/naiji/revoke",
    operation_id="renkei_api_grant_naiji_revoke",
    summary="Withdraw the 内示 (the office, when 4.(2) allows it)",
    **op({200: (AwardApplicationOut, "Withdrawn.")}, 400, 401, 403, 404, 422),
)
def naiji_revoke(request, grant_id: GrantId, body: AwardReasonIn) -> AwardApplicationOut:
    """The office withdraws the 内示 (4.(2)): only from `naiji_cancellable_from` (the earlier
    of 60 days after the notice and the end of its fiscal year), before the decision, with
    the reason."""
    grant = _visible(request, grant_id)
    _may(request, "revoke_naiji", grant)
    services.naiji_revoke(actor=request.user, grant=grant, reason=body.reason)
    return _application_out(_visible(request, grant_id))


@router.post(
    "/grants/{grant_id}/decision",
    operation_id="renkei_api_grant_decide",
    summary="Decide the grant (交付決定; the office)",
    **op(
        {201: (AwardDecisionOut, "Decided; findings needing review listed.")},
        400,
        401,
        403,
        404,
        422,
    ),
)
def grant_decide(request, grant_id: GrantId, body: AwardDecideIn) -> Status:
    """The grant decision: amount, rate, completion date and the allocation (the accepted
    version's budget unless given), checked by the rules core; a failed check is refused
    (422) with its clause, one needing review is returned in `findings`."""
    grant = _visible(request, grant_id)
    _may(request, "decide_grant", grant)
    services.grant_decide(
        actor=request.user,
        grant=grant,
        decided_on=body.decided_on,
        amount_jpy=body.amount_jpy,
        rate=body.rate,
        completion_due=body.completion_due,
        budget=body.budget,
    )
    return Status(201, _decision_out(_visible(request, grant_id), _lang(request)))


@router.get(
    "/grants/{grant_id}/decision",
    operation_id="renkei_api_grant_decision",
    summary="The grant decision and the budget in force",
    **op({200: (AwardDecisionOut, "The decision.")}, 401, 404, 422),
)
def decision_get(request, grant_id: GrantId) -> AwardDecisionOut:
    """The decision with the rules core's findings, and the budget and amount in force after
    approved changes."""
    grant = _visible(request, grant_id)
    if grant.decided_on is None:
        raise Http404
    return _decision_out(grant, _lang(request))


@router.get(
    "/grants/{grant_id}/decision/notice",
    operation_id="renkei_api_grant_decision_notice",
    summary="The decision notice (交付決定通知書) as a Word document",
    **op({200: (None, "The .docx.")}, 401, 404, 422),
)
def decision_notice(request, grant_id: GrantId):
    """The decision notice (交付決定通知書) as a .docx for the office and the consortium."""
    from renkei.grants.notice import decision_docx, notice_filename

    grant = _visible(request, grant_id)
    if not access.can(request.user, "download_decision_notice", grant):
        raise Http404
    response = HttpResponse(
        decision_docx(grant),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="{notice_filename(grant)}"'
    return response


@router.get(
    "/grants/{grant_id}/implementation",
    operation_id="renkei_api_grant_implementation",
    summary="Procurement, changes, suspension requests, inspections and year-end reports",
    **op(
        {200: (AwardImplementationOut, "Everything recorded during implementation.")}, 401, 404, 422
    ),
)
def implementation_get(request, grant_id: GrantId) -> AwardImplementationOut:
    """Everything recorded during implementation: orders, changes with their verdicts,
    suspension or abolition requests, interim inspections and year-end reports."""
    grant = _visible(request, grant_id)
    lang = _lang(request)
    return AwardImplementationOut(
        procurements=[_procurement_out(p, lang) for p in grant.procurements.all()],
        changes=[_change_out(c, lang) for c in grant.changes.all()],
        stop_requests=[_stop_out(s) for s in grant.stop_requests.all()],
        interim_inspections=[
            AwardInspectionOut(
                id=i.pk,
                fiscal_year=i.fiscal_year,
                inspected_on=i.inspected_on,
                on_site=i.on_site,
                representative_attended=i.representative_attended,
                attendees=i.attendees,
                findings=i.findings,
            )
            for i in grant.interim_inspections.all()
        ],
        year_end_reports=[_year_end_out(r) for r in grant.year_end_reports.all()],
    )


def _year_end_out(r) -> AwardYearEndOut:
    return AwardYearEndOut(
        id=r.pk,
        fiscal_year=r.fiscal_year,
        spending=r.spending,
        narrative=r.narrative,
        due_on=r.due_on,
        late=r.late,
        submitted_at=r.submitted_at,
    )


@router.post(
    "/grants/{grant_id}/procurements",
    operation_id="renkei_api_grant_procurement_record",
    summary="Record an order (the representative; 4.(3))",
    **op(
        {201: (AwardProcurementOut, "Recorded; `flags` lists what 4.(3)③ flags.")},
        400,
        401,
        403,
        404,
        422,
    ),
)
def procurement_record(request, grant_id: GrantId, body: AwardProcurementIn) -> Status:
    """Record an order: on or after the decision date (4.(3)①, refused otherwise), a single
    supplier with its reason (4.(3)②); a payment outside the order's fiscal year is flagged
    (4.(3)③)."""
    grant = _visible(request, grant_id)
    record = services.procurement_record(actor=request.user, grant=grant, **body.dict())
    return Status(201, _procurement_out(record, _lang(request)))


@router.post(
    "/grants/{grant_id}/changes/verdict",
    operation_id="renkei_api_grant_change_verdict",
    summary="Whether a change would need prior approval (nothing is filed)",
    **op({200: (AwardVerdictOut, "The rules core's verdict.")}, 400, 401, 403, 404, 422),
)
def change_verdict(request, grant_id: GrantId, body: AwardChangeIn) -> AwardVerdictOut:
    """The rules core's verdict on a change before it is filed: whether it needs prior
    approval, the threshold of a reallocation (15 % of the lower allocation, 4.(4)2)①), the
    clause and the reading applied. Nothing is stored."""
    grant = _visible(request, grant_id)
    _may(request, "submit_change_request", grant)
    v = services.change_verdict(
        grant,
        kind=body.kind,
        budget=body.budget,
        amount_jpy=body.amount_jpy,
        details=body.details,
    )
    return _verdict_out(v, _lang(request))


@router.post(
    "/grants/{grant_id}/changes",
    operation_id="renkei_api_grant_change_submit",
    summary="File a change (the representative); recorded at once if it needs no approval",
    **op({201: (AwardChangeOut, "Filed or recorded.")}, 400, 401, 403, 404, 422),
)
def change_submit(request, grant_id: GrantId, body: AwardChangeIn) -> Status:
    """File a change with its verdict stored. One that needs no prior approval is recorded
    at once (a reallocation within 15 % becomes the budget in force); the others wait for
    the office."""
    grant = _visible(request, grant_id)
    change = services.change_request_submit(actor=request.user, grant=grant, **body.dict())
    return Status(201, _change_out(change, _lang(request)))


def _visible_change(request, grant_id: int, change_id: int) -> ChangeRequest:
    grant = _visible(request, grant_id)
    return get_object_or_404(ChangeRequest, grant=grant, pk=change_id)


@router.post(
    "/grants/{grant_id}/changes/{change_id}/decide",
    operation_id="renkei_api_grant_change_decide",
    summary="Approve or refuse a change (the office)",
    **op({200: (AwardChangeOut, "Decided.")}, 400, 401, 403, 404, 422),
)
def change_decide(request, grant_id: GrantId, change_id: ChangeId, body: AwardDecideRequestIn):
    """The office approves or refuses a change waiting for it; approving a budget or amount
    change makes the new allocation current (an increase is checked against the 内示 and the
    caps)."""
    change = _visible_change(request, grant_id, change_id)
    change = services.change_request_decide(
        actor=request.user, change=change, approve=body.approve, reason=body.reason
    )
    return _change_out(change, _lang(request))


@router.post(
    "/grants/{grant_id}/changes/{change_id}/withdraw",
    operation_id="renkei_api_grant_change_withdraw",
    summary="Withdraw a change waiting for the office (the representative)",
    **op({200: (AwardChangeOut, "Withdrawn.")}, 401, 403, 404, 422),
)
def change_withdraw(request, grant_id: GrantId, change_id: ChangeId) -> AwardChangeOut:
    """The representative withdraws a change still waiting for the office."""
    change = _visible_change(request, grant_id, change_id)
    return _change_out(
        services.change_request_withdraw(actor=request.user, change=change), _lang(request)
    )


@router.post(
    "/grants/{grant_id}/stop-requests",
    operation_id="renkei_api_grant_stop_submit",
    summary="Ask to suspend or abolish the project (the representative; 4.(10))",
    **op({201: (AwardStopOut, "Filed.")}, 400, 401, 403, 404, 422),
)
def stop_submit(request, grant_id: GrantId, body: AwardStopIn) -> Status:
    """Ask to suspend or abolish all or part of the project, including when it cannot be
    completed in time (4.(10))."""
    grant = _visible(request, grant_id)
    stop = services.stop_request_submit(actor=request.user, grant=grant, **body.dict())
    return Status(201, _stop_out(stop))


@router.post(
    "/grants/{grant_id}/stop-requests/{stop_id}/decide",
    operation_id="renkei_api_grant_stop_decide",
    summary="Approve or refuse a suspension or abolition (the office)",
    **op({200: (AwardStopOut, "Decided.")}, 400, 401, 403, 404, 422),
)
def stop_decide(
    request, grant_id: GrantId, stop_id: StopId, body: AwardDecideRequestIn
) -> AwardStopOut:
    """The office approves (the project stops; a completion report is still due) or refuses
    (implementation resumes) the request."""
    grant = _visible(request, grant_id)
    stop = get_object_or_404(StopRequest, grant=grant, pk=stop_id)
    return _stop_out(
        services.stop_request_decide(
            actor=request.user, stop=stop, approve=body.approve, reason=body.reason
        )
    )


@router.post(
    "/grants/{grant_id}/interim-inspections",
    operation_id="renkei_api_grant_interim_record",
    summary="Record an interim inspection (the office; 2.(11))",
    **op({201: (AwardInspectionOut, "Recorded.")}, 400, 401, 403, 404, 422),
)
def interim_record(request, grant_id: GrantId, body: AwardInterimIn) -> Status:
    """The office records an interim inspection of a fiscal year of implementation (2.(11));
    a site visit needs the representative present."""
    grant = _visible(request, grant_id)
    i = services.interim_inspection_record(actor=request.user, grant=grant, **body.dict())
    return Status(
        201,
        AwardInspectionOut(
            id=i.pk,
            fiscal_year=i.fiscal_year,
            inspected_on=i.inspected_on,
            on_site=i.on_site,
            representative_attended=i.representative_attended,
            attendees=i.attendees,
            findings=i.findings,
        ),
    )


@router.post(
    "/grants/{grant_id}/year-end-reports",
    operation_id="renkei_api_grant_year_end_submit",
    summary="Submit the year-end report of an ended fiscal year (the representative; 4.(6)①)",
    **op(
        {201: (AwardYearEndOut, "Submitted; `late` flags one after 10 April.")},
        400,
        401,
        403,
        404,
        422,
    ),
)
def year_end_submit(request, grant_id: GrantId, body: AwardYearEndIn) -> Status:
    """The year-end report of a fiscal year that ended during implementation (4.(6)①):
    spending per category. A fiscal year not yet ended is refused; after 10 April of the
    next it is accepted and flagged (`late`)."""
    grant = _visible(request, grant_id)
    report = services.year_end_report_submit(
        actor=request.user,
        grant=grant,
        fiscal_year=body.fiscal_year,
        spending=dict(body.spending),
        narrative=body.narrative,
    )
    return Status(201, _year_end_out(report))


# the operations of this router, for the permission matrix test
OPERATIONS = (
    "renkei_api_grant_application",
    "renkei_api_grant_application_save",
    "renkei_api_grant_application_document_add",
    "renkei_api_grant_document",
    "renkei_api_grant_application_submit",
    "renkei_api_grant_application_return",
    "renkei_api_grant_application_accept",
    "renkei_api_grant_naiji_revoke",
    "renkei_api_grant_decide",
    "renkei_api_grant_decision",
    "renkei_api_grant_decision_notice",
    "renkei_api_grant_implementation",
    "renkei_api_grant_procurement_record",
    "renkei_api_grant_change_verdict",
    "renkei_api_grant_change_submit",
    "renkei_api_grant_change_decide",
    "renkei_api_grant_change_withdraw",
    "renkei_api_grant_stop_submit",
    "renkei_api_grant_stop_decide",
    "renkei_api_grant_interim_record",
    "renkei_api_grant_year_end_submit",
)
