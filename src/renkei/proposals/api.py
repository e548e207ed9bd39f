"""The proposal path in the REST API: pre-registration (5.(1)①, public), proposals of both
calls (create, the document, its assessment, attachments, submit with a receipt number, the
office's revision), and the consortium's partner participants. Same services and access policy
as the pages. Mounted by ``renkei.api``; shared helpers from ``renkei.apikit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import DecimalException
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Body, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from renkei import access, clock
from renkei.accounts.models import Role
from renkei.apikit import (
    MAX_ID,
    Country,
    Email,
    EmailText,
    Id,
    Name,
    Reason,
    Technology,
    Title,
    arithmetic_message,
    jst,
    op,
    path_id,
    plain,
    public_form,
    visible_or_404,
)
from renkei.calls.models import Program, Round
from renkei.errors import RenkeiError
from renkei.proposals import services
from renkei.proposals.models import Attachment, PartnerInvitation, Proposal, ProposalVersion
from renkei.rules import assess_proposal, validate_proposal
from renkei.services import NotAllowed, ServiceError

router = Router(tags=["proposals"])

IDEMPOTENCY_KEY_MAX = 80  # ProposalVersion.idempotency_key
State = Literal["draft", "submitted", "revision_open"]
FindingStatus = Literal["pass", "fail", "needs_review", "info"]


# --- schemas -----------------------------------------------------------------------------------
class PreRegistrationIn(Schema):
    round_id: Id = Field(description="The round (deadline) targeted; from `GET /api/calls`.")
    organisation_name: Name = Field(description="Representative participant (company name).")
    contact_name: Name = Field(description="Contact person.")
    email: Email = Field(
        description="Contact email address.", json_schema_extra={"format": "email"}
    )
    title: Title = Field(description="Project title.")
    country: Country = Field(description="Host country, ISO 3166-1 alpha-2 code (e.g. `KE`).")
    technologies: list[Technology] = Field(
        default_factory=list, max_length=20, description="Technologies to be introduced."
    )
    needs_account: bool = Field(
        default=True, description="The organisation needs an application account."
    )


class PreRegistrationOut(Schema):
    id: int = Field(description="Pre-registration id.")
    round_id: int = Field(description="The round targeted.")
    title: str = Field(description="Project title as registered.")
    registered_at: dt.datetime = Field(description="When it was received (ISO 8601, +09:00).")
    account_request_url: str | None = Field(
        description="Where to request an application account, when one is needed."
    )


class ProposalCreateIn(Schema):
    round_id: Id = Field(description="An open round (deadline in the future) of any call.")
    title: Title = Field(description="Project title.")
    country: Country = Field(
        description="Host country, ISO 3166-1 alpha-2 code (e.g. `KE`): one the call covers "
        "(JCM 2.(3) partner countries; C3P Table 3), else 422 naming the codes that would be right."
    )


class ProposalSummaryOut(Schema):
    id: int = Field(description="Proposal id.")
    title: str = Field(description="Project title.")
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    state: State = Field(description="Workflow state (stable identifier).")
    call: str = Field(description="Rulebook id of the call.")
    round_id: int = Field(description="The round (deadline) targeted.")
    round_code: str = Field(description="Code of that round.")
    organisation: str = Field(description="Representative participant.")
    receipt_number: str | None = Field(description="Receipt number, once first submitted.")
    created_at: dt.datetime = Field(description="Created (ISO 8601, +09:00).")
    updated_at: dt.datetime = Field(description="Last change (ISO 8601, +09:00).")
    submitted_at: dt.datetime | None = Field(description="Last submission (ISO 8601, +09:00).")
    c3p_project_id: int | None = Field(
        description="The C3P project this JCM proposal was started from (its exit, "
        "`GET /api/c3p/projects/{id}/exits`), else null."
    )


class VersionOut(Schema):
    number: int = Field(description="1 for the first submission, 2 after a revision, ...")
    submitted_at: dt.datetime = Field(description="When it was submitted (ISO 8601, +09:00).")
    rulebook_id: str = Field(description="Rulebook that assessed it.")
    rulebook_version: int = Field(description="Version of that rulebook.")
    assessment_status: str = Field(description="Overall status of the assessment at submission.")


class AttachmentOut(Schema):
    id: int = Field(description="Attachment id.")
    document_id: str = Field(description="Which required document it is (e.g. `form1`).")
    name: str = Field(description="Original file name.")
    content_type: str = Field(description="Media type, from the allow-list of file types.")
    size: int = Field(description="Size in bytes.")
    sha256: str = Field(description="SHA-256 of every byte, 64 lower-case hex digits.")
    uploaded_at: dt.datetime = Field(description="When it was uploaded (ISO 8601, +09:00).")
    version: int | None = Field(description="Number of the version it was submitted with.")


class AllowedOut(Schema):
    edit: bool = Field(description="You may save the document (`PUT .../document`).")
    attach: bool = Field(description="You may upload attachments.")
    submit: bool = Field(description="You may submit.")
    open_revision: bool = Field(description="You may open it for revision (office).")
    manage_partners: bool = Field(
        description="You may link or unlink partner participants (the representative)."
    )


class InvitationOut(Schema):
    id: int = Field(description="Id of the partner invitation.")
    state: Literal["pending", "accepted", "declined", "withdrawn"] = Field(
        description="Where the invitation stands."
    )


class PartnerOut(Schema):
    id: int = Field(description="Id of the link (for removing it).")
    organisation: str = Field(description="The partner participant (共同事業者).")
    country: str = Field(description="Its country (ISO 3166-1 alpha-2).")
    added_at: dt.datetime = Field(description="Linked (ISO 8601, +09:00).")


class PendingInvitationOut(Schema):
    id: int = Field(description="Id of the invitation (for withdrawing it).")
    email: str = Field(description="The address invited; nothing tells whose it is.")
    invited_at: dt.datetime = Field(description="Invited (ISO 8601, +09:00).")


class ProposalOut(ProposalSummaryOut):
    document: dict[str, Any] = Field(
        description="The proposal document as saved (decimals as strings)."
    )
    versions: list[VersionOut] = Field(description="Every submitted version, oldest first.")
    attachments: list[AttachmentOut] = Field(description="Uploaded files.")
    partners: list[PartnerOut] = Field(
        description="Partner participants whose users see it (linked by the representative)."
    )
    invitations: list[PendingInvitationOut] = Field(
        description="Invitations to partner participants still waiting for an answer, by "
        "address only (the representative participant, while it may manage partners; empty "
        "for anyone else)."
    )
    allowed: AllowedOut = Field(description="What you may do with it now.")


class DocumentSavedOut(Schema):
    valid: bool = Field(description="True when the document has no validation errors.")
    errors: list[str] = Field(
        description="Every validation error of the saved document, as `path: message`."
    )


class NoteOut(Schema):
    code: str = Field(description="Stable code of the note.")
    clauses: list[str] = Field(description="The clauses it concerns.")
    message: str = Field(description="The note as a sentence.")


class FindingOut(Schema):
    check: str = Field(description="Stable name of the rule.")
    clause: str = Field(description="Clause of the call the rule implements.")
    status: FindingStatus = Field(description="Outcome of the rule.")
    message: str = Field(description="The outcome as a sentence a program officer can read.")
    subject: str | None = Field(default=None, description="Site or technology it is about.")
    values: dict[str, Any] | None = Field(
        default=None, description="The figures behind it (decimals as strings)."
    )
    notes: list[NoteOut] | None = Field(default=None, description="Caveats.")


class SectionOut(Schema):
    id: str = Field(description="Stable id of the section.")
    title: str = Field(description="Title of the section.")
    status: FindingStatus = Field(description="Worst status of its findings.")
    findings: list[FindingOut] = Field(description="One result per rule.")


class RulebookRef(Schema):
    id: str = Field(description="Rulebook id.")
    version: int = Field(description="Rulebook version.")


class AssessmentResultOut(Schema):
    rulebook: RulebookRef = Field(description="The rulebook that produced the assessment.")
    subject: str = Field(description="What was assessed (the project title).")
    status: FindingStatus = Field(description="Overall status: the worst of every finding.")
    figures: dict[str, Any] = Field(
        description="Computed figures: money as integer yen, decimals as strings."
    )
    sections: list[SectionOut] = Field(description="Findings grouped by section.")


class AssessmentOut(Schema):
    lang: Literal["ja", "en"] = Field(description="Language of the messages.")
    valid: bool = Field(description="False when the document could not be assessed.")
    errors: list[str] = Field(description="Why it could not be assessed (validation errors).")
    assessment: AssessmentResultOut | None = Field(
        description="The rules core's assessment, when the document is valid."
    )


class SubmitOut(Schema):
    proposal_id: int = Field(description="Proposal id.")
    receipt_number: str = Field(description="Receipt number (受付番号) of the proposal.")
    version: int = Field(description="Number of the version this submission made.")
    submitted_at: dt.datetime = Field(description="When it was received (ISO 8601, +09:00).")
    rulebook_id: str = Field(description="Rulebook that assessed it.")
    rulebook_version: int = Field(description="Version of that rulebook.")
    assessment_status: str = Field(description="Overall status of the assessment.")


class PartnerIn(Schema):
    email: EmailText = Field(
        description="E-mail address of an applicant account of the partner participant."
    )


class RevisionIn(Schema):
    reason: Reason = Field(description="Why a revision is allowed (recorded in the audit trail).")


_DOCUMENT_TEXT = (
    "The whole proposal document (see the rules core's proposal schema). Saved even when "
    "incomplete or invalid, so nothing typed is lost; `call` is set from the proposal and "
    "`reviewer_scores` (the reviewers' part, which comes from the reviews) is not kept."
)
ProposalId = path_id("Proposal id.")
PartnerId = path_id("Id of the partner link.")
AttachmentId = path_id("Attachment id.")
InvitationId = path_id("Id of the partner invitation.")


# --- conversions -------------------------------------------------------------------------------
def _texts(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def _not_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800) that JSON allows and UTF-8 cannot hold
        return True
    return False


def _summary_fields(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "country": p.country,
        "state": p.state,
        "call": p.call.rulebook_id,
        "round_id": p.round_id,
        "round_code": p.round.code,
        "organisation": p.organisation.name,
        "receipt_number": p.receipt_number,
        "created_at": jst(p.created_at),
        "updated_at": jst(p.updated_at),
        "submitted_at": jst(p.submitted_at),
        "c3p_project_id": p.c3p_origin_id,
    }


def _version_out(v: ProposalVersion) -> VersionOut:
    return VersionOut(
        number=v.number,
        submitted_at=jst(v.submitted_at),
        rulebook_id=v.rulebook_id,
        rulebook_version=v.rulebook_version,
        assessment_status=v.assessment_status,
    )


def _attachment_out(a: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.pk,
        document_id=a.document_id,
        name=a.original_name,
        content_type=a.content_type,
        size=a.size,
        sha256=a.sha256,
        uploaded_at=jst(a.uploaded_at),
        version=a.version.number if a.version_id else None,
    )


def _proposal_out(user: Any, p: Proposal) -> ProposalOut:
    manage_partners = access.can(user, "manage_partners", p)
    return ProposalOut(
        **_summary_fields(p),
        document=plain(p.document),
        versions=[_version_out(v) for v in p.versions.all()],
        attachments=[
            _attachment_out(a)
            for a in p.attachments.current().select_related("version").order_by("document_id", "id")
        ],
        partners=[
            PartnerOut(
                id=x.pk,
                organisation=x.organisation.name,
                country=x.organisation.country,
                added_at=jst(x.added_at),
            )
            for x in p.partners.select_related("organisation")
        ],
        invitations=[
            PendingInvitationOut(id=i.pk, email=i.email, invited_at=jst(i.invited_at))
            for i in p.partner_invitations.filter(state=PartnerInvitation.State.PENDING).order_by(
                "invited_at", "pk"
            )
        ]
        if manage_partners
        else [],
        allowed=AllowedOut(
            edit=access.can(user, "edit", p),
            attach=access.can(user, "attach", p),
            submit=access.can(user, "submit", p),
            open_revision=access.can(user, "open_revision", p),
            manage_partners=manage_partners,
        ),
    )


def visible_proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    """The proposal if the caller may see it; otherwise 404, as if it did not exist."""
    return visible_or_404(access.proposals_for(request.user), proposal_id)


# --- ① pre-registration (public) -----------------------------------------------------------------
@router.post(
    "/preregistrations",
    operation_id="renkei_api_preregistration_create",
    auth=public_form,
    summary="Pre-register a proposal (5.(1)①)",
    **op({201: (PreRegistrationOut, "Pre-registration received.")}, 400, 403, 422),
)
def preregistration_create(request, body: PreRegistrationIn) -> Status:
    """Public form: no login needed (a logged-in caller sends the CSRF token, 403 without).
    Refused (422) less than two weeks before the deadline it targets."""
    round = Round.objects.select_related("call").filter(pk=body.round_id).first()
    if round is None:
        raise ServiceError(
            _("There is no round %(id)s; choose one from GET /api/calls.") % {"id": body.round_id}
        )
    if round.call.program != Program.JCM:
        # the C3P rulebook has no pre-registration step (and the service would fail on it)
        raise ServiceError(
            _(
                "Pre-registration (5.(1)①) is a step of the JCM Model Project call only; %(call)s "
                "has none. Choose a JCM round."
            )
            % {"call": round.call.rulebook_id}
        )
    reg = services.preregistration_create(
        actor=request.user,
        round=round,
        organisation_name=body.organisation_name,
        contact_name=body.contact_name,
        email=body.email,
        title=body.title,
        country=body.country.upper(),
        technologies=body.technologies,
        needs_account=body.needs_account,
    )
    return Status(
        201,
        PreRegistrationOut(
            id=reg.pk,
            round_id=round.pk,
            title=reg.title,
            registered_at=jst(reg.registered_at),
            account_request_url=reverse("accounts:request") if reg.needs_account else None,
        ),
    )


class PreRegistrationRecordOut(Schema):
    id: int = Field(description="Pre-registration id.")
    call: str = Field(description="Rulebook id of the call.")
    round_id: int = Field(description="The round targeted.")
    title: str = Field(description="Project title as registered.")
    registered_at: dt.datetime = Field(description="When it was received (ISO 8601, +09:00).")
    organisation_name: str = Field(description="Representative participant (company name).")
    contact_name: str = Field(description="Contact person.")
    email: str = Field(description="Contact email address.")
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    technologies: list[str] = Field(description="Technologies to be introduced.")
    needs_account: bool = Field(description="The organisation needs an application account.")


@router.get(
    "/preregistrations",
    summary="Pre-registrations (office)",
    **op({200: (list[PreRegistrationRecordOut], "Oldest first.")}, 401, 404, 422),
)
def preregistrations_list(
    request,
    round_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only those for this round.")
    ] = None,
) -> list[PreRegistrationRecordOut]:
    """What was pre-registered (5.(1)①) for the office, which expects the proposals; 404 for
    anyone else (the registrations name people who may have no account)."""
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404
    qs = access.preregistrations_for(request.user).order_by("registered_at", "pk")
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    return [
        PreRegistrationRecordOut(
            id=r.pk,
            round_id=r.round_id,
            call=r.call.rulebook_id,
            title=r.title,
            registered_at=jst(r.registered_at),
            organisation_name=r.organisation_name,
            contact_name=r.contact_name,
            email=r.email,
            country=r.country,
            technologies=[str(t) for t in r.technologies or []],
            needs_account=r.needs_account,
        )
        for r in qs
    ]


# --- ④ proposals ---------------------------------------------------------------------------------
@router.get(
    "/proposals",
    operation_id="renkei_api_proposals_list",
    summary="Proposals visible to you",
    **op({200: (list[ProposalSummaryOut], "The proposals you may see.")}, 401, 422),
)
def proposals_list(
    request,
    state: Annotated[State | None, Query(description="Only proposals in this state.")] = None,
) -> list[ProposalSummaryOut]:
    """Applicants see their organisation's proposals; the office sees every submitted one."""
    qs = access.proposals_for(request.user).order_by("-updated_at", "-pk")
    if state:
        qs = qs.filter(state=state)
    return [ProposalSummaryOut(**_summary_fields(p)) for p in qs]


@router.post(
    "/proposals",
    operation_id="renkei_api_proposal_create",
    summary="Start a proposal (applicants)",
    **op({201: (ProposalOut, "The new draft.")}, 400, 401, 403, 422),
)
def proposal_create(request, body: ProposalCreateIn) -> Status:
    """A new draft for an open round, owned by your organisation."""
    if not access.can(request.user, "create_proposal"):
        raise NotAllowed(_("Only applicants start proposals."))
    round = (
        Round.objects.select_related("call")
        .filter(pk=body.round_id, deadline__gt=clock.now())
        .first()
    )
    if round is None:
        raise ServiceError(
            _(
                "Round %(id)s does not exist or no longer accepts proposals; choose an open round "
                "from GET /api/calls."
            )
            % {"id": body.round_id}
        )
    proposal = services.proposal_create(
        actor=request.user, round=round, title=body.title, country=body.country.upper()
    )
    return Status(201, _proposal_out(request.user, visible_proposal(request, proposal.pk)))


@router.get(
    "/proposals/{proposal_id}",
    operation_id="renkei_api_proposal_detail",
    summary="One proposal",
    **op({200: (ProposalOut, "The proposal.")}, 401, 404, 422),
)
def proposal_detail(request, proposal_id: ProposalId) -> ProposalOut:
    """The proposal with its document, versions, attachments and what you may do with it."""
    return _proposal_out(request.user, visible_proposal(request, proposal_id))


@router.put(
    "/proposals/{proposal_id}/document",
    operation_id="renkei_api_proposal_update_document",
    summary="Save the draft document",
    **op(
        {200: (DocumentSavedOut, "Saved as given; its validation errors are listed.")},
        400,
        401,
        403,
        404,
        422,
    ),
)
def proposal_update_document(
    request,
    proposal_id: ProposalId,
    document: Annotated[dict[str, Any], Body(description=_DOCUMENT_TEXT)],
) -> DocumentSavedOut:
    """Save the draft as given and return every validation error (200 even when invalid)."""
    proposal = visible_proposal(request, proposal_id)
    texts = list(_texts(document))
    if any("\x00" in t for t in texts):
        raise ServiceError(_("The document must not contain NUL (\\x00) characters."))
    if any(_not_unicode(t) for t in texts):
        raise ServiceError(
            _(
                "The document contains text that is not valid Unicode (a lone surrogate such as "
                "\\ud800); correct it and save again."
            )
        )
    errors = services.proposal_update_document(
        actor=request.user, proposal=proposal, document=document
    )
    return DocumentSavedOut(valid=not errors, errors=errors)


@router.get(
    "/proposals/{proposal_id}/assessment",
    operation_id="renkei_api_proposal_assessment",
    summary="Assessment of the saved document",
    **op({200: (AssessmentOut, "The assessment, or why there is none.")}, 401, 404, 422),
)
def proposal_assessment(
    request,
    proposal_id: ProposalId,
    lang: Annotated[
        Literal["ja", "en"] | None,
        Query(description="Language of the messages; default: the request's language."),
    ] = None,
) -> AssessmentOut:
    """The rules core's clause-by-clause assessment of the saved document, after validation."""
    proposal = visible_proposal(request, proposal_id)
    lang = lang or ("en" if (translation.get_language() or "ja").startswith("en") else "ja")
    document = proposal.document
    errors = services.document_errors(document)
    result = None
    if not errors:
        try:
            result = assess_proposal(validate_proposal(document)).to_dict(lang)
        except RenkeiError as exc:
            errors = [str(exc)]
        except DecimalException as exc:
            errors = [arithmetic_message(exc)]
    return AssessmentOut(
        lang=lang, valid=not errors, errors=errors, assessment=plain(result) if result else None
    )


@router.post(
    "/proposals/{proposal_id}/attachments",
    operation_id="renkei_api_attachment_add",
    summary="Upload an attachment",
    **op({201: (AttachmentOut, "Stored, with its SHA-256.")}, 400, 401, 403, 404, 422),
)
def attachment_add(
    request,
    proposal_id: ProposalId,
    file: Annotated[UploadedFile, File(description="The file (allowed types; size limit).")],
    document_id: Annotated[
        str,
        Form(
            min_length=1,
            max_length=40,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="Which required document this file is, e.g. `form1` or `quotations`.",
        ),
    ],
) -> Status:
    """Type allow-list (extension and content), size limit, SHA-256 of every byte."""
    proposal = visible_proposal(request, proposal_id)
    att = services.attachment_add(
        actor=request.user, proposal=proposal, document_id=document_id, upload=file
    )
    return Status(201, _attachment_out(att))


@router.post(
    "/proposals/{proposal_id}/submit",
    operation_id="renkei_api_proposal_submit",
    summary="Submit (⑤) and receive the receipt number (⑥)",
    **op(
        {200: (SubmitOut, "Submitted, or the result of the earlier submit with this key.")},
        400,
        401,
        403,
        404,
        422,
        extra={
            "parameters": [
                {
                    "in": "header",
                    "name": "Idempotency-Key",
                    "required": True,
                    "description": (
                        "A key you choose for this submission (e.g. a UUID): repeating the request "
                        "with the same key returns the same result and never makes a second "
                        "version. 1–80 printable ASCII characters."
                    ),
                    "schema": {"type": "string", "pattern": "^[!-~]{1,80}$"},
                }
            ]
        },
    ),
)
def proposal_submit(request, proposal_id: ProposalId) -> SubmitOut:
    """All or nothing, once per key. Refused (422) at or after the deadline (12:00 JST), with
    every problem when the proposal is incomplete."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise HttpError(400, _("The Idempotency-Key header is required (for example a UUID)."))
    if len(key) > IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise HttpError(
            400, _("The Idempotency-Key header must be 1–80 printable ASCII characters.")
        )
    proposal = visible_proposal(request, proposal_id)
    version = services.proposal_submit(actor=request.user, proposal=proposal, idempotency_key=key)
    return SubmitOut(
        proposal_id=version.proposal_id,
        receipt_number=version.proposal.receipt_number,
        version=version.number,
        submitted_at=jst(version.submitted_at),
        rulebook_id=version.rulebook_id,
        rulebook_version=version.rulebook_version,
        assessment_status=version.assessment_status,
    )


@router.post(
    "/proposals/{proposal_id}/revision",
    operation_id="renkei_api_proposal_open_revision",
    summary="Open a submitted proposal for revision (office)",
    **op({200: (ProposalOut, "Open for revision.")}, 400, 401, 403, 404, 422),
)
def proposal_open_revision(request, proposal_id: ProposalId, body: RevisionIn) -> ProposalOut:
    """The office reopens a submitted proposal, with a reason; the next submit is a new version."""
    proposal = visible_proposal(request, proposal_id)
    services.proposal_open_revision(actor=request.user, proposal=proposal, reason=body.reason)
    return _proposal_out(request.user, visible_proposal(request, proposal_id))


def _current_attachment(request: HttpRequest, proposal_id: int, attachment_id: int) -> Attachment:
    proposal = visible_proposal(request, proposal_id)
    attachment = proposal.attachments.current().filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return attachment


@router.delete(
    "/proposals/{proposal_id}/attachments/{attachment_id}",
    operation_id="renkei_api_attachment_remove",
    summary="Remove an attachment (the representative participant)",
    **op({200: (ProposalOut, "Removed.")}, 401, 403, 404, 422),
)
def attachment_remove(request, proposal_id: ProposalId, attachment_id: AttachmentId) -> ProposalOut:
    """While the proposal is editable. A draft's attachment goes with its file; one that was
    part of a submitted version stays with that version in the history."""
    attachment = _current_attachment(request, proposal_id, attachment_id)
    services.attachment_remove(actor=request.user, attachment=attachment)
    return _proposal_out(request.user, visible_proposal(request, proposal_id))


@router.post(
    "/proposals/{proposal_id}/attachments/{attachment_id}/replace",
    operation_id="renkei_api_attachment_replace",
    summary="Replace an attachment with a new file (the representative participant)",
    **op({201: (AttachmentOut, "Stored in its place, with its SHA-256.")}, 400, 401, 403, 404, 422),
)
def attachment_replace(
    request,
    proposal_id: ProposalId,
    attachment_id: AttachmentId,
    file: Annotated[UploadedFile, File(description="The new file (allowed types; size limit).")],
) -> Status:
    """The same document, a new file, in one step: both happen or neither does."""
    attachment = _current_attachment(request, proposal_id, attachment_id)
    new = services.attachment_replace(actor=request.user, attachment=attachment, upload=file)
    return Status(201, _attachment_out(new))


@router.post(
    "/proposals/{proposal_id}/partners",
    operation_id="renkei_api_proposal_partner_add",
    summary="Invite a partner participant (the representative participant)",
    **op(
        {200: (ProposalOut, "Invitation recorded (whether or not an account has the address).")},
        400,
        401,
        403,
        404,
        422,
    ),
)
def proposal_partner_add(request, proposal_id: ProposalId, body: PartnerIn) -> ProposalOut:
    """The representative participant invites a partner participant of its consortium by the
    e-mail address of one of its applicant accounts, while the proposal is editable. The answer
    is the same whether or not an account has the address; the account's users are told and
    accept (`POST /api/partner-invitations/{id}/accept`), and the partner is then listed."""
    proposal = visible_proposal(request, proposal_id)
    services.partner_add(actor=request.user, proposal=proposal, email=body.email)
    return _proposal_out(request.user, visible_proposal(request, proposal_id))


def _own_invitation(request: HttpRequest, invitation_id: int) -> PartnerInvitation:
    invitation = PartnerInvitation.objects.filter(pk=invitation_id).first()
    if invitation is None or not services.may_answer(request.user, invitation):
        raise Http404  # an invitation is only its invited account's to see
    return invitation


@router.post(
    "/partner-invitations/{invitation_id}/accept",
    operation_id="renkei_api_partner_invitation_accept",
    summary="Accept an invitation to a proposal (the invited account)",
    **op({200: (ProposalOut, "Accepted; your organisation sees the proposal.")}, 401, 404, 422),
)
def partner_invitation_accept(request, invitation_id: InvitationId) -> ProposalOut:
    """Your organisation becomes a partner participant, while the proposal is editable."""
    invitation = _own_invitation(request, invitation_id)
    services.partner_accept(actor=request.user, invitation=invitation)
    return _proposal_out(request.user, visible_proposal(request, invitation.proposal_id))


@router.post(
    "/partner-invitations/{invitation_id}/decline",
    operation_id="renkei_api_partner_invitation_decline",
    summary="Decline an invitation to a proposal (the invited account)",
    **op({200: (InvitationOut, "Declined.")}, 401, 404, 422),
)
def partner_invitation_decline(request, invitation_id: InvitationId) -> InvitationOut:
    """The representative participant is told that the address declined."""
    invitation = _own_invitation(request, invitation_id)
    services.partner_decline(actor=request.user, invitation=invitation)
    invitation.refresh_from_db()
    return InvitationOut(id=invitation.pk, state=invitation.state)


@router.delete(
    "/proposals/{proposal_id}/invitations/{invitation_id}",
    operation_id="renkei_api_partner_invitation_withdraw",
    summary="Withdraw an invitation still waiting for an answer (the representative participant)",
    **op({200: (ProposalOut, "Withdrawn.")}, 401, 403, 404, 422),
)
def partner_invitation_withdraw(
    request, proposal_id: ProposalId, invitation_id: InvitationId
) -> ProposalOut:
    """While the proposal is editable; refused (422) once the invitation was answered or
    withdrawn. The invited address can no longer accept it."""
    proposal = visible_proposal(request, proposal_id)
    invitation = proposal.partner_invitations.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    services.partner_invitation_withdraw(actor=request.user, invitation=invitation)
    return _proposal_out(request.user, visible_proposal(request, proposal_id))


@router.delete(
    "/proposals/{proposal_id}/partners/{partner_id}",
    operation_id="renkei_api_proposal_partner_remove",
    summary="Unlink a partner participant (the representative participant)",
    **op({200: (ProposalOut, "Unlinked.")}, 401, 403, 404, 422),
)
def proposal_partner_remove(request, proposal_id: ProposalId, partner_id: PartnerId) -> ProposalOut:
    """Its users no longer see the proposal."""
    proposal = visible_proposal(request, proposal_id)
    partner = proposal.partners.filter(pk=partner_id).first()
    if partner is None:
        raise Http404
    services.partner_remove(actor=request.user, partner=partner)
    return _proposal_out(request.user, visible_proposal(request, proposal_id))
