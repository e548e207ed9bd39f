"""The credits stage's cycle part in the REST API (see ``renkei.credits.services.cycle``): the JCM
project of a monitoring plan, its PDD versions with the local stakeholder consultation and
documents, the TPE's validation (assignment, findings, answers, report), the registration
request and the Joint Committee's decision, and the credit allocation agreement (form 5). The
same services and access policy as the pages; a project the caller cannot see is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StringConstraints

from renkei import access
from renkei.apikit import MAX_ID, jst, op, path_id, text, visible_or_404
from renkei.credits.models.cycle import (
    AllocationAgreement,
    CycleDocument,
    JcmProject,
    ValidationFinding,
)
from renkei.credits.policy import projects_for
from renkei.credits.services import cycle as services
from renkei.monitoring.policy import plans_for
from renkei.services import NotAllowed

router = Router(tags=["credits"])

ProjectId = path_id("JCM project id.")
PlanId = path_id("Monitoring plan id.")
FindingId = path_id("Validation finding id.")
DocumentId = path_id("PDD document id.")
Long = text(services.TEXT_LIMIT)
Optional = text(services.TEXT_LIMIT, min_length=0)
PddTitle = text(300)
Reference = text(40, min_length=0)
ERRORS = (400, 401, 403, 404, 422)
# a percent as a decimal string (never a float): above 0, at most 100, up to four decimals
Percent = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$")]


# --- answers -----------------------------------------------------------------------------------
class CreditsCycleDocumentOut(Schema):
    id: int = Field(description="Document id (download: GET /api/credits/documents/{id}).")
    kind: Literal["pdd", "lsc", "other"] = Field(
        description="pdd: the PDD; lsc: the consultation's record; other: an annex."
    )
    name: str = Field(description="The file's name as uploaded.")
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of the file.")
    uploaded_at: dt.datetime = Field(description="When it was uploaded (+09:00).")


class CreditsCyclePddOut(Schema):
    version: int = Field(description="1, 2, …: a change is a new version; earlier ones are kept.")
    title: str = Field(description="The PDD's title.")
    lsc_held_on: dt.date = Field(description="When the local stakeholder consultation was held.")
    lsc_summary: str = Field(description="Who was heard and what was said.")
    reason: str = Field(description="Why this version changed (empty for version 1).")
    documents: list[CreditsCycleDocumentOut] = Field(description="Its files.")


class CreditsCycleFindingOut(Schema):
    id: int = Field(description="Finding id.")
    kind: Literal["car", "cl"] = Field(
        description="car: corrective action request; cl: clarification request."
    )
    text: str = Field(description="What the TPE found or asks.")
    status: Literal["open", "answered", "closed"] = Field(description="Where it stands.")
    raised_at: dt.datetime = Field(description="When it was raised (+09:00).")
    answer: str = Field(description="The participant's answer (empty until answered).")
    answered_at: dt.datetime | None = Field(description="When it was answered (+09:00).")
    closed_at: dt.datetime | None = Field(description="When the TPE closed it (+09:00).")


class CreditsCycleReportOut(Schema):
    pdd_version: int = Field(description="The PDD version validated.")
    validated_on: dt.date = Field(description="Date of the validation.")
    opinion: str = Field(description="The TPE's validation opinion.")


class CreditsCycleRequestOut(Schema):
    requested_on: dt.date = Field(description="When registration was requested.")
    due_on: dt.date | None = Field(description="Due in principle (completion + 1 year).")
    late: bool = Field(description="Requested after the due date (accepted: 原則として).")
    note: str = Field(description="The participant's note to the Joint Committee.")
    outcome: Literal["pending", "registered", "refused"] = Field(description="The decision.")
    reason: str = Field(description="The reason for a refusal.")
    decided_at: dt.datetime | None = Field(description="When it was decided (+09:00).")


class CreditsCycleDueOut(Schema):
    due: dt.date | None = Field(description="Registration request due, in principle.")
    completed_on: dt.date | None = Field(description="The grant's completion date (the basis).")
    clause: str = Field(description="The call's clause.")
    why: str = Field(description="Why there is no due date, when there is none.")


class CreditsCycleProjectOut(Schema):
    id: int = Field(description="JCM project id.")
    plan: int = Field(description="Its monitoring plan's id.")
    grant_number: str = Field(description="The grant's number.")
    title: str = Field(description="The project's title.")
    country: str = Field(description="The partner country (ISO 3166-1 alpha-2).")
    state: Literal[
        "preparing",
        "in_validation",
        "validated",
        "registration_requested",
        "registered",
        "rejected",
    ] = Field(description="Where the project stands in the cycle.")
    registered_on: dt.date | None = Field(description="Date of registration (R).")
    reference: str = Field(description="The JCM project reference (empty until registered).")
    tpe: int | None = Field(description="The validating TPE organisation's id.")
    tpe_name: str = Field(description="The validating TPE's name (empty if none).")
    pdds: list[CreditsCyclePddOut] = Field(description="PDD versions, the latest first.")
    findings: list[CreditsCycleFindingOut] = Field(description="Validation findings, oldest first.")
    validation: CreditsCycleReportOut | None = Field(description="The validation report.")
    registration_due: CreditsCycleDueOut = Field(description="When registration is due.")
    registration_requests: list[CreditsCycleRequestOut] = Field(
        description="Registration requests, the latest first."
    )


class CreditsCycleProjectItemOut(Schema):
    id: int = Field(description="JCM project id.")
    grant_number: str = Field(description="The grant's number.")
    title: str = Field(description="The project's title.")
    country: str = Field(description="The partner country.")
    state: str = Field(description="Where the project stands in the cycle.")
    reference: str = Field(description="The JCM project reference (empty until registered).")


class CreditsCycleShareOut(Schema):
    key: str = Field(description="The party's key in the allocation arithmetic (goj, org<id>).")
    is_government: bool = Field(description="The Government of Japan's share.")
    organisation: int | None = Field(description="The party's organisation id (None for GoJ).")
    name: str = Field(description="The party's name.")
    percent: str = Field(description="Its share in percent (a decimal string).")


class CreditsCycleAgreementOut(Schema):
    version: int = Field(description="1, 2, …; a change is a new version.")
    state: Literal["current", "superseded"] = Field(description="In force, or superseded.")
    agreed_on: dt.date = Field(description="Date of the agreement.")
    reason: str = Field(description="Why it changed (empty for version 1).")
    shares: list[CreditsCycleShareOut] = Field(description="Each party's share.")


class CreditsCycleAgreementsOut(Schema):
    goj_minimum_percent: str | None = Field(
        description="The office's minimum for the GoJ share (None: the office has set none; the "
        "call sets no share, spec A-24)."
    )
    goj_minimum_source: str = Field(description="Where the office's minimum comes from.")
    agreements: list[CreditsCycleAgreementOut] = Field(description="Versions, the latest first.")


def _doc(d: CycleDocument) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind,
        "name": d.original_name,
        "size": d.size,
        "sha256": d.sha256,
        "uploaded_at": jst(d.uploaded_at),
    }


def project_out(project: JcmProject) -> dict:
    project = JcmProject.objects.select_related("plan__grant__selection__proposal").get(
        pk=project.pk
    )
    proposal = project.plan.grant.selection.proposal
    assignment = getattr(project, "validation_assignment", None)
    report = getattr(project, "validation_report", None)
    due = services.registration_due(project)
    return {
        "id": project.pk,
        "plan": project.plan_id,
        "grant_number": project.plan.grant.number,
        "title": proposal.title,
        "country": proposal.country,
        "state": project.state,
        "registered_on": project.registered_on,
        "reference": project.reference,
        "tpe": assignment.tpe_id if assignment else None,
        "tpe_name": assignment.tpe.name if assignment else "",
        "pdds": [
            {
                "version": p.version,
                "title": p.title,
                "lsc_held_on": p.lsc_held_on,
                "lsc_summary": p.lsc_summary,
                "reason": p.reason,
                "documents": [_doc(d) for d in p.documents.all()],
            }
            for p in project.pdds.order_by("-version").prefetch_related("documents")
        ],
        "findings": [
            {
                "id": f.pk,
                "kind": f.kind,
                "text": f.text,
                "status": f.status,
                "raised_at": jst(f.raised_at),
                "answer": f.answer,
                "answered_at": jst(f.answered_at),
                "closed_at": jst(f.closed_at),
            }
            for f in project.validation_findings.order_by("raised_at", "pk")
        ],
        "validation": None
        if report is None
        else {
            "pdd_version": report.pdd.version,
            "validated_on": report.validated_on,
            "opinion": report.opinion,
        },
        "registration_due": {
            "due": due.due,
            "completed_on": due.completed_on,
            "clause": due.clause,
            "why": due.why,
        },
        "registration_requests": [
            {
                "requested_on": r.requested_on,
                "due_on": r.due_on,
                "late": r.late,
                "note": r.note,
                "outcome": r.outcome,
                "reason": r.reason,
                "decided_at": jst(r.decided_at),
            }
            for r in project.registration_requests.order_by("-requested_at", "-pk")
        ],
    }


def agreements_out(project: JcmProject) -> dict:
    minimum = services.goj_minimum()
    rows = (
        AllocationAgreement.objects.filter(project=project)
        .order_by("-version")
        .prefetch_related("shares__organisation")
    )
    return {
        "goj_minimum_percent": None if minimum.percent is None else f"{minimum.percent:f}",
        "goj_minimum_source": minimum.source,
        "agreements": [
            {
                "version": a.version,
                "state": a.state,
                "agreed_on": a.agreed_on,
                "reason": a.reason,
                "shares": [
                    {
                        "key": s.key,
                        "is_government": s.is_government,
                        "organisation": s.organisation_id,
                        "name": "Government of Japan" if s.is_government else s.organisation.name,
                        "percent": f"{s.percent.normalize():f}",
                    }
                    for s in a.shares.order_by("-is_government", "pk")
                ],
            }
            for a in rows
        ],
    }


def _project(request, project_id: int) -> JcmProject:
    return visible_or_404(projects_for(request.user), project_id)


def _finding(request, finding_id: int) -> ValidationFinding:
    return visible_or_404(
        ValidationFinding.objects.filter(project__in=projects_for(request.user)).select_related(
            "project__plan__grant__selection__proposal"
        ),
        finding_id,
    )


# --- requests ----------------------------------------------------------------------------------
class CreditsCyclePddIn(Schema):
    title: PddTitle = Field(description="The PDD's title.")
    lsc_held_on: dt.date = Field(description="When the local stakeholder consultation was held.")
    lsc_summary: Long = Field(description="Who was heard and what was said.")
    reason: Optional = Field("", description="Why it changes (required from version 2).")


class CreditsCycleAssignIn(Schema):
    tpe: Annotated[int, Field(ge=1, le=MAX_ID)] = Field(
        description="The TPE organisation's id (an organisation of kind tpe)."
    )


class CreditsCycleFindingIn(Schema):
    kind: Literal["car", "cl"] = Field(
        description="car: corrective action request; cl: clarification request."
    )
    text: Long = Field(description="What the TPE found or asks.")


class CreditsCycleAnswerIn(Schema):
    answer: Long = Field(description="The participant's answer.")


class CreditsCycleValidationIn(Schema):
    validated_on: dt.date = Field(description="Date of the validation (not in the future).")
    opinion: Long = Field(description="The TPE's validation opinion.")


class CreditsCycleRegistrationIn(Schema):
    note: Optional = Field("", description="A note to the Joint Committee.")


class CreditsCycleDecisionIn(Schema):
    decision: Literal["register", "refuse"] = Field(description="Register, or refuse.")
    registered_on: dt.date | None = Field(None, description="Date of registration R (register).")
    reference: Reference = Field(
        "", description="The JCM project reference (register), e.g. KE009."
    )
    reason: Optional = Field("", description="Why it is refused (refuse).")


class CreditsCycleShareIn(Schema):
    organisation: Annotated[int, Field(ge=1, le=MAX_ID)] = Field(
        description="An organisation of the grant's consortium."
    )
    percent: Percent = Field(
        description='Its share in percent, a decimal string (above 0, at most 100), e.g. "30".'
    )


class CreditsCycleAgreementIn(Schema):
    agreed_on: dt.date = Field(description="Date of the agreement (form 5).")
    goj_percent: Percent = Field(
        description='The Government of Japan\'s share in percent, a decimal string, e.g. "50".'
    )
    participants: list[CreditsCycleShareIn] = Field(
        description="Each project participant's share; all shares add up to 100.",
        max_length=49,
    )
    reason: Optional = Field("", description="Why it changes (required from version 2).")


def _ok(text_: str, code: int = 200):
    return op({code: (CreditsCycleProjectOut, text_)}, *ERRORS)


# --- operations --------------------------------------------------------------------------------
@router.get(
    "/credits/projects",
    summary="The JCM projects you may see",
    **op({200: (list[CreditsCycleProjectItemOut], "By grant number.")}, 401),
)
def project_list(request) -> list[dict]:
    """The office sees all; the consortium its own; a TPE verifier those it validates; a Joint
    Committee contact its country's once registration is requested; a registry administrator
    the registered ones."""
    return [
        {
            "id": p.pk,
            "grant_number": p.plan.grant.number,
            "title": p.plan.grant.selection.proposal.title,
            "country": p.plan.grant.selection.proposal.country,
            "state": p.state,
            "reference": p.reference,
        }
        for p in projects_for(request.user).order_by("plan__grant__number")
    ]


@router.post(
    "/credits/plans/{plan_id}/project",
    summary="Open the JCM project of a monitoring plan (office or the filer)",
    **_ok("Opened (one per plan).", 201),
)
def project_open(request, plan_id: PlanId) -> Status:
    """The office or the filer (the representative participant's applicants); one per plan."""
    plan = visible_or_404(plans_for(request.user), plan_id)
    project = services.project_open(actor=request.user, plan=plan)
    return Status(201, project_out(project))


@router.get(
    "/credits/projects/{project_id}",
    summary="A JCM project's cycle as it stands",
    **op({200: (CreditsCycleProjectOut, "PDD, validation and registration.")}, 401, 404, 422),
)
def project_detail(request, project_id: ProjectId) -> dict:
    """The PDD versions, the validation and its findings, the registration due date, requests."""
    return project_out(_project(request, project_id))


@router.post(
    "/credits/projects/{project_id}/pdd",
    summary="Save a new version of the PDD with its local stakeholder consultation (the filer)",
    **_ok("Saved as a new version.", 201),
)
def pdd_save(request, project_id: ProjectId, body: CreditsCyclePddIn) -> Status:
    """Until the TPE has validated it; from version 2 with the reason for the change."""
    project = _project(request, project_id)
    services.pdd_save(actor=request.user, project=project, **body.dict())
    return Status(201, project_out(project))


@router.post(
    "/credits/projects/{project_id}/pdd/documents",
    summary="Upload a document to the latest PDD version (the filer)",
    **op({201: (CreditsCycleDocumentOut, "Stored, with its SHA-256.")}, *ERRORS),
)
def pdd_document_add(
    request,
    project_id: ProjectId,
    file: Annotated[UploadedFile, File(description="The file (allowed types; size limit).")],
    kind: Annotated[
        Literal["pdd", "lsc", "other"],
        Form(description="pdd: the PDD; lsc: the consultation's record; other: an annex."),
    ],
) -> Status:
    """Type, content and size checked; added, never overwritten."""
    project = _project(request, project_id)
    doc = services.pdd_document_add(actor=request.user, project=project, kind=kind, upload=file)
    return Status(201, _doc(doc))


@router.get(
    "/credits/documents/{document_id}",
    summary="Download a PDD document",
    **op({200: (None, "The file.")}, 401, 404, 422),
)
def document_download(request, document_id: DocumentId):
    """A file of a PDD version, for whoever sees the project."""
    doc = visible_or_404(
        CycleDocument.objects.filter(pdd__project__in=projects_for(request.user)), document_id
    )
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.original_name,
        content_type=doc.content_type,
    )


@router.post(
    "/credits/projects/{project_id}/validation/request",
    summary="Hand the PDD to validation (the filer)",
    **_ok("In validation."),
)
def validation_request(request, project_id: ProjectId) -> dict:
    """The latest version needs the PDD and the consultation's record uploaded."""
    project = _project(request, project_id)
    services.validation_request(actor=request.user, project=project)
    return project_out(project)


@router.post(
    "/credits/projects/{project_id}/validation/assignment",
    summary="Assign the validating TPE (office)",
    **_ok("Assigned; the TPE's verifiers are told.", 201),
)
def validation_assign(request, project_id: ProjectId, body: CreditsCycleAssignIn) -> Status:
    """Another TPE may be assigned until the assigned one raised a finding."""
    project = _project(request, project_id)
    services.validation_tpe_assign(actor=request.user, project=project, tpe=body.tpe)
    return Status(201, project_out(project))


@router.post(
    "/credits/projects/{project_id}/validation/findings",
    summary="Raise a finding, CAR or CL (the assigned TPE)",
    **_ok("Raised; the filer is told.", 201),
)
def finding_raise(request, project_id: ProjectId, body: CreditsCycleFindingIn) -> Status:
    """During validation."""
    project = _project(request, project_id)
    services.validation_finding_raise(
        actor=request.user, project=project, kind=body.kind, text=body.text
    )
    return Status(201, project_out(project))


@router.post(
    "/credits/validation-findings/{finding_id}/answer",
    summary="Answer a validation finding (the filer)",
    **_ok("Answered; the TPE is told."),
)
def finding_answer(request, finding_id: FindingId, body: CreditsCycleAnswerIn) -> dict:
    """While the project is in validation and the finding is not closed."""
    finding = _finding(request, finding_id)
    services.validation_finding_answer(actor=request.user, finding=finding, answer=body.answer)
    return project_out(finding.project)


@router.post(
    "/credits/validation-findings/{finding_id}/close",
    summary="Close a validation finding (the assigned TPE)",
    **_ok("Closed."),
)
def finding_close(request, finding_id: FindingId) -> dict:
    """During validation."""
    finding = _finding(request, finding_id)
    services.validation_finding_close(actor=request.user, finding=finding)
    return project_out(finding.project)


@router.post(
    "/credits/projects/{project_id}/validation/report",
    summary="Issue the validation report (the assigned TPE)",
    **_ok("Validated; the filer and the office are told.", 201),
)
def validation_issue(request, project_id: ProjectId, body: CreditsCycleValidationIn) -> Status:
    """Every finding closed; dated from the latest PDD version's saving to today."""
    project = _project(request, project_id)
    services.validation_issue(actor=request.user, project=project, **body.dict())
    return Status(201, project_out(project))


@router.post(
    "/credits/projects/{project_id}/registration/request",
    summary="Request registration from the Joint Committee (the filer)",
    **_ok("Requested; the Joint Committee contacts and the office are told.", 201),
)
def registration_request(
    request, project_id: ProjectId, body: CreditsCycleRegistrationIn
) -> Status:
    """Due within one year of completion in principle (2.(1)①); a later request is flagged."""
    project = _project(request, project_id)
    services.registration_request(actor=request.user, project=project, note=body.note)
    return Status(201, project_out(project))


@router.post(
    "/credits/projects/{project_id}/registration/decision",
    summary="Register the project or refuse (the Joint Committee contact of its country)",
    **_ok("Decided; the filer and the office are told."),
)
def registration_decide(request, project_id: ProjectId, body: CreditsCycleDecisionIn) -> dict:
    """Register: the date R (not before the request) and the JCM project reference (unique);
    refuse: the reason. The participant may request again after a refusal."""
    project = _project(request, project_id)
    services.registration_decide(
        actor=request.user,
        project=project,
        register=body.decision == "register",
        registered_on=body.registered_on,
        reference=body.reference,
        reason=body.reason,
    )
    return project_out(project)


@router.get(
    "/credits/projects/{project_id}/agreements",
    summary="The credit allocation agreement's versions (form 5)",
    **op(
        {200: (CreditsCycleAgreementsOut, "The versions and the office's minimum.")},
        401,
        403,
        404,
        422,
    ),
)
def agreement_list(request, project_id: ProjectId) -> dict:
    """Every version, the one in force and the superseded ones; not for the TPE."""
    project = _project(request, project_id)
    if not access.can(request.user, "view_allocation_agreement", project):
        raise NotAllowed(_("You are not allowed to do this."))
    return agreements_out(project)


@router.post(
    "/credits/projects/{project_id}/agreements",
    summary="Record a new version of the credit allocation agreement (the filer or the office)",
    **op({201: (CreditsCycleAgreementsOut, "Recorded; the earlier version superseded.")}, *ERRORS),
)
def agreement_record(request, project_id: ProjectId, body: CreditsCycleAgreementIn) -> Status:
    """Parties: the Government of Japan and organisations of the grant's consortium; shares
    add up to 100; the GoJ share at least the office's minimum, if it set one."""
    project = _project(request, project_id)
    services.agreement_record(
        actor=request.user,
        project=project,
        agreed_on=body.agreed_on,
        goj_percent=body.goj_percent,
        participants=[(p.organisation, p.percent) for p in body.participants],
        reason=body.reason,
    )
    return Status(201, agreements_out(project))
