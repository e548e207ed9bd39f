"""The selection operations in the REST API (same services, same access policy as the pages):
hearing, candidate, PIN to the JCM secretariat, the Joint Committee's answer, 内示,
non-selection, and the public list of adopted projects. Mounted by ``renkei.api``; shared
helpers from ``renkei.apikit``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field

from renkei import access
from renkei.adoption import api_optimiser, services
from renkei.adoption.models import Hearing, PinQuery, ProjectIdeaNote, Selection, SelectionState
from renkei.adoption.selectors import naiji_for, review_total
from renkei.apikit import ERROR_TEXT, JST, MAX_ID, ErrorOut, Reason, op, text, visible_or_404
from renkei.proposals.api import visible_proposal
from renkei.services import ServiceError

router = Router(tags=["selection"])

PinId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="PIN id.")]
ProposalId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Proposal id.")]
QueryId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Query id.")]
Required = text(2000)
Place = text(200)


class HearingOut(Schema):
    scheduled_at: dt.datetime = Field(description="Date and time of the hearing (+09:00).")
    place: str = Field(description="Where it is held (the call holds hearings in Tokyo).")
    held_at: dt.datetime | None = Field(description="When it was recorded as held.")
    record: str = Field(description="The office's record of the hearing.")


class SelectionOut(Schema):
    proposal_id: int = Field(description="The proposal.")
    state: Literal[
        "undecided",
        "candidate",
        "pin_sent",
        "with_joint_committee",
        "no_objection",
        "objection",
        "adopted",
        "not_adopted",
    ] = Field(description="Where the proposal stands in 3.(1)–(4) of the call.")
    hearing: HearingOut | None = Field(description="The hearing, once scheduled.")
    warnings: list[str] = Field(
        default_factory=list, description="Departures from the call's schedule (a guide)."
    )
    total_score: Decimal | None = Field(description="Total score when it became a candidate.")
    subsidy_jpy: int | None = Field(description="Subsidy assessed on the selected version.")
    pin_id: int | None = Field(description="The PIN sent to the JCM secretariat, if any.")
    naiji_number: str | None = Field(description="内示 number once adopted.")
    naiji_amount_jpy: int | None = Field(description="Subsidy of the 内示 in yen.")
    reason: str = Field(description="Reason given to the applicant when not adopted.")


class PinOut(Schema):
    id: int = Field(description="PIN id.")
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    sha256: str = Field(description="SHA-256 of the PIN content as sent.")
    sent_at: dt.datetime = Field(description="Sent to the JCM secretariat (+09:00).")
    forwarded_at: dt.datetime | None = Field(description="Forwarded to the Joint Committee.")
    response: Literal["", "no_objection", "objection"] = Field(
        description="The Joint Committee's answer (empty until given)."
    )
    response_comment: str = Field(description="Comment with the answer (the objection's reason).")
    content: dict[str, Any] = Field(description="The PIN (form 3-16) in English, as sent.")


class QueryOut(Schema):
    id: int = Field(description="Query id.")
    pin_id: int = Field(description="The PIN asked about.")
    question: str = Field(description="The question of the partner country's side.")
    asked_at: dt.datetime = Field(description="When it was asked (+09:00).")
    asked_by_role: str = Field(description="secretariat or joint_committee.")
    answer: str = Field(description="The applicant's answer (empty until given).")
    answered_at: dt.datetime | None = Field(description="When it was answered (+09:00).")


class QuestionIn(Schema):
    question: Required = Field(description="What the partner country's side asks.")


class QueryAnswerIn(Schema):
    answer: Required = Field(description="The applicant's answer.")


class AdoptedOut(Schema):
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    title: str = Field(description="Project name as published.")
    title_en: str = Field(description="English project name, if the applicant gave one.")
    company: str = Field(description="Representative participant.")
    company_en: str = Field(description="Its English name, if the applicant gave one.")
    partners: list[str] = Field(description="Partner participants.")
    annual_reduction_tco2: str = Field(description="Expected reductions, tCO2eq per year.")
    lifetime_reduction_tco2: str = Field(description="Expected reductions over the useful lives.")
    published_on: dt.date = Field(description="Date of publication (the 内示 date, JST).")


class HearingIn(Schema):
    at: dt.datetime = Field(description="Date and time with its offset, e.g. +09:00.")
    place: Place = Field(description="Place, e.g. 東京.")


class RecordIn(Schema):
    record: Required = Field(description="Who attended, what was asked.")


class AnswerIn(Schema):
    answer: Literal["no_objection", "objection"] = Field(
        description="No objection to the selection, or an objection."
    )
    comment: Reason = Field(default="", description="Required for an objection.")


class AdoptionReasonIn(Schema):
    reason: Required = Field(description="Reason sent to the applicant.")


def _selection_out(proposal, warnings: list[str] | None = None) -> SelectionOut:
    hearing = Hearing.objects.filter(proposal=proposal).first()
    s = Selection.objects.filter(proposal=proposal).first()
    pin = ProjectIdeaNote.objects.filter(selection=s).first() if s else None
    return SelectionOut(
        proposal_id=proposal.pk,
        state=s.state if s else "undecided",
        hearing=HearingOut(
            scheduled_at=hearing.scheduled_at.astimezone(JST),
            place=hearing.place,
            held_at=hearing.held_at.astimezone(JST) if hearing.held_at else None,
            record=hearing.record,
        )
        if hearing
        else None,
        warnings=warnings or [],
        total_score=s.total_score if s else None,
        subsidy_jpy=s.subsidy_jpy if s else None,
        pin_id=pin.pk if pin else None,
        naiji_number=s.naiji_number if s else None,
        naiji_amount_jpy=s.naiji_amount_jpy if s else None,
        reason=s.reason if s else "",
    )


def _officevisible_proposal(request: HttpRequest, proposal_id: int):
    proposal = visible_proposal(request, proposal_id)
    if access.role_of(request.user) != "office":
        raise Http404  # the selection of a proposal is the office's business
    return proposal


def _pin_out(pin: ProjectIdeaNote) -> PinOut:
    return PinOut(
        id=pin.pk,
        country=pin.country,
        sha256=pin.sha256,
        sent_at=pin.sent_at.astimezone(JST),
        forwarded_at=pin.forwarded_at.astimezone(JST) if pin.forwarded_at else None,
        response=pin.response,
        response_comment=pin.response_comment,
        content=pin.content,
    )


def _query_out(q: PinQuery) -> QueryOut:
    return QueryOut(
        id=q.pk,
        pin_id=q.pin_id,
        question=q.question,
        asked_at=q.asked_at.astimezone(JST),
        asked_by_role=q.asked_by.role,
        answer=q.answer,
        answered_at=q.answered_at.astimezone(JST) if q.answered_at else None,
    )


def _visible_pin(request: HttpRequest, pin_id: int) -> ProjectIdeaNote:
    return visible_or_404(access.pins_for(request.user), pin_id)


_OFFICE_ERRORS = (400, 401, 403, 404, 422)


@router.get(
    "/proposals/{proposal_id}/selection",
    summary="Where a proposal stands in the selection (office)",
    **op({200: (SelectionOut, "The hearing and the decision so far.")}, 401, 404, 422),
)
def selection_detail(request, proposal_id: ProposalId) -> SelectionOut:
    """The hearing and the selection decision of a submitted proposal, for the office."""
    return _selection_out(_officevisible_proposal(request, proposal_id))


@router.post(
    "/proposals/{proposal_id}/hearing",
    summary="Schedule or move the hearing (office)",
    **op({200: (SelectionOut, "Scheduled; the applicant is notified.")}, *_OFFICE_ERRORS),
)
def hearing_schedule(request, proposal_id: ProposalId, body: HearingIn) -> SelectionOut:
    """Schedule (or move) the hearing of a proposal that passed basic screening (3.(2)); a date
    later than the call's guide (four weeks after the deadline) comes back as a warning."""
    proposal = _officevisible_proposal(request, proposal_id)
    done = services.hearing_schedule(
        actor=request.user, proposal=proposal, at=body.at, place=body.place
    )
    return _selection_out(proposal, done.warnings)


@router.post(
    "/proposals/{proposal_id}/hearing/record",
    summary="Record the hearing as held (office)",
    **op({200: (SelectionOut, "Recorded.")}, *_OFFICE_ERRORS),
)
def hearing_record(request, proposal_id: ProposalId, body: RecordIn) -> SelectionOut:
    """Record, once its time has come, that the hearing was held, with its record."""
    proposal = _officevisible_proposal(request, proposal_id)
    hearing = Hearing.objects.filter(proposal=proposal).first()
    if hearing is None:
        raise ServiceError(_("Schedule the hearing first."))
    services.hearing_record(actor=request.user, hearing=hearing, record=body.record)
    return _selection_out(proposal)


@router.post(
    "/proposals/{proposal_id}/candidate",
    summary="Make the proposal a selection candidate (office)",
    **op({200: (SelectionOut, "A candidate; the applicant is notified.")}, *_OFFICE_ERRORS),
)
def nominate(request, proposal_id: ProposalId) -> SelectionOut:
    """After the hearing and at least one submitted evaluation: the proposal becomes a
    selection candidate and enters the PIN process (3.(3)); the applicant is told."""
    proposal = _officevisible_proposal(request, proposal_id)
    services.selection_nominate(
        actor=request.user, proposal=proposal, total_score=review_total(proposal)
    )
    return _selection_out(proposal)


def _selection_of(proposal) -> Selection:
    selection = Selection.objects.filter(proposal=proposal).first()
    if selection is None:
        raise ServiceError(_("The proposal is not a selection candidate."))
    return selection


@router.post(
    "/proposals/{proposal_id}/pin",
    summary="Generate the PIN (form 3-16) and send it to the JCM secretariat (office)",
    **op({200: (SelectionOut, "Sent.")}, *_OFFICE_ERRORS),
)
def pin_send(request, proposal_id: ProposalId) -> SelectionOut:
    """Generate the PIN in English from the selected version and send it, frozen with its
    SHA-256, to the JCM secretariat."""
    proposal = _officevisible_proposal(request, proposal_id)
    services.pin_send(actor=request.user, selection=_selection_of(proposal))
    return _selection_out(proposal)


@router.post(
    "/proposals/{proposal_id}/naiji",
    summary="Issue the 内示 within the budget (office)",
    **op({200: (SelectionOut, "Adopted; the applicant is notified.")}, *_OFFICE_ERRORS),
)
def naiji_issue(request, proposal_id: ProposalId) -> SelectionOut:
    """After the Joint Committee's no-objection, adopt the proposal with a 内示 for the assessed
    subsidy, refused beyond the remaining budget; the applicant is told the deadlines."""
    proposal = _officevisible_proposal(request, proposal_id)
    services.naiji_issue(actor=request.user, selection=_selection_of(proposal))
    return _selection_out(proposal)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "/proposals/{proposal_id}/naiji.docx",
    summary="Download the notice of selection (交付内示通知, .docx)",
    response={code: ErrorOut for code in (401, 404, 422)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The 内示 notice as a Word document (attachment).",
                "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
            },
            401: {"description": ERROR_TEXT[401]},
            404: {
                "description": "No such proposal, not visible to you, not yours to download, or "
                "no 内示 issued for it (yet)."
            },
            422: {"description": ERROR_TEXT[422]},
        }
    },
)
def naiji_download(request, proposal_id: ProposalId) -> HttpResponse:
    """The formal notice of an adopted JCM proposal's 内示 (3.(4)) with its number, amount and
    deadlines, for the office and the proposal's consortium (as on the page); 404 for anyone
    else and before the 内示 is issued."""
    from renkei.adoption.naiji import naiji_docx

    proposal = visible_proposal(request, proposal_id)
    selection = naiji_for(request.user, proposal)
    if selection is None:
        raise Http404
    response = HttpResponse(naiji_docx(selection), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="naiji_{selection.naiji_number}.docx"'
    return response


@router.post(
    "/proposals/{proposal_id}/not-adopted",
    summary="Not adopted, with the reason sent to the applicant (office)",
    **op({200: (SelectionOut, "Decided; the applicant is notified.")}, *_OFFICE_ERRORS),
)
def reject(request, proposal_id: ProposalId, body: AdoptionReasonIn) -> SelectionOut:
    """Not adopted, from any open stage or undecided; the applicant is told the reason."""
    proposal = _officevisible_proposal(request, proposal_id)
    services.selection_reject(actor=request.user, proposal=proposal, reason=body.reason)
    return _selection_out(proposal)


@router.get(
    "/pins",
    summary="PINs visible to the caller",
    **op({200: (list[PinOut], "Newest first.")}, 401),
)
def pins_list(request) -> list[PinOut]:
    """The office and the JCM secretariat see every PIN sent; a Joint Committee contact only
    their country's once forwarded; applicants their own proposals'."""
    return [_pin_out(p) for p in access.pins_for(request.user).order_by("-sent_at", "-pk")]


@router.get(
    "/pins/{pin_id}",
    summary="One PIN",
    **op({200: (PinOut, "The PIN as sent.")}, 401, 404, 422),
)
def pin_detail(request, pin_id: PinId) -> PinOut:
    """One PIN visible to the caller (404 otherwise)."""
    return _pin_out(_visible_pin(request, pin_id))


@router.post(
    "/pins/{pin_id}/forward",
    summary="Forward the PIN to the Joint Committee (JCM secretariat)",
    **op({200: (PinOut, "Forwarded.")}, 400, 401, 403, 404, 422),
)
def pin_forward(request, pin_id: PinId) -> PinOut:
    """The JCM secretariat confirms the PIN covers the necessary information and forwards it
    to the partner country's Joint Committee."""
    pin = _visible_pin(request, pin_id)
    services.pin_forward(actor=request.user, pin=pin)
    return _pin_out(_visible_pin(request, pin_id))


@router.post(
    "/pins/{pin_id}/answer",
    summary="Record the Joint Committee's answer (its contact for the country)",
    **op({200: (PinOut, "Recorded.")}, 400, 401, 403, 404, 422),
)
def pin_answer(request, pin_id: PinId, body: AnswerIn) -> PinOut:
    """The Joint Committee contact of the PIN's country answers: no objection, or an objection
    with its reason."""
    pin = _visible_pin(request, pin_id)
    services.pin_respond(
        actor=request.user,
        pin=pin,
        objection=body.answer == "objection",
        comment=body.comment,
    )
    return _pin_out(_visible_pin(request, pin_id))


@router.get(
    "/pins/{pin_id}/queries",
    summary="Queries from the partner country's side on a PIN (3.(3))",
    **op({200: (list[QueryOut], "Oldest first.")}, 401, 404, 422),
)
def pin_queries(request, pin_id: PinId) -> list[QueryOut]:
    """Questions of the JCM secretariat or the Joint Committee contact and the applicant's
    answers, to whoever may see the PIN."""
    pin = _visible_pin(request, pin_id)
    return [_query_out(q) for q in pin.queries.select_related("asked_by")]


@router.post(
    "/pins/{pin_id}/queries",
    summary="Ask the applicant about a PIN (JCM secretariat or Joint Committee contact)",
    **op({200: (QueryOut, "Sent to the office and the applicants.")}, 400, 401, 403, 404, 422),
)
def pin_query_ask(request, pin_id: PinId, body: QuestionIn) -> QueryOut:
    """The partner country's side asks through the JCM secretariat and the office (3.(3)),
    until the Joint Committee has answered."""
    pin = _visible_pin(request, pin_id)
    return _query_out(services.pin_query_ask(actor=request.user, pin=pin, question=body.question))


@router.post(
    "/pins/{pin_id}/queries/{query_id}/answer",
    summary="Answer a query on a PIN (an applicant of the proposal, or the office)",
    **op({200: (QueryOut, "Answered; the secretariat is told.")}, 400, 401, 403, 404, 422),
)
def pin_query_answer(request, pin_id: PinId, query_id: QueryId, body: QueryAnswerIn) -> QueryOut:
    """Each query is answered once."""
    pin = _visible_pin(request, pin_id)
    query = pin.queries.filter(pk=query_id).first()
    if query is None:
        raise Http404
    return _query_out(
        services.pin_query_answer(actor=request.user, query=query, answer=body.answer)
    )


@router.get(
    "/adopted",
    auth=None,
    summary="Adopted projects (public, 3.(4))",
    **op({200: (list[AdoptedOut], "In the order of their 内示.")}),
)
def adopted(request) -> list[AdoptedOut]:
    """What the call publishes of adopted projects: country, project name, company and
    expected reductions; nothing else."""
    rows = Selection.objects.filter(state=SelectionState.ADOPTED).order_by("naiji_at", "pk")
    return [
        AdoptedOut(
            country=s.published["country"],
            title=s.published["title"],
            title_en=s.published.get("title_en", ""),
            company=s.published["company"],
            company_en=s.published.get("company_en", ""),
            partners=s.published.get("partners", []),
            annual_reduction_tco2=s.published["annual_reduction_tco2"],
            lifetime_reduction_tco2=s.published["lifetime_reduction_tco2"],
            published_on=dt.date.fromisoformat(s.published["published_on"]),
        )
        for s in rows
    ]


# the selection optimiser beside the ranking (issue 13)
router.add_router("", api_optimiser.router)
