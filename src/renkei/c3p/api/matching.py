"""The C3P stage's matching part in the REST API (issue 11; C3P §3.1 steps 2–4): the published
needs and solutions, a need with its ranked suggestions and their reasons, publishing either,
and the conversations between organisations (contacts only through the platform; no e-mail
address is ever returned). The same services and rules (``policy.matching``) as the pages."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from renkei import access
from renkei.apikit import op, path_id, text
from renkei.c3p.models import ContactRequest, Need, Sector, Solution
from renkei.c3p.policy.matching import contacts_for
from renkei.c3p.services import matching as services
from renkei.web.lists import matches, search_words

router = Router(tags=["c3p"])

NeedId = path_id("Need id.")
SolutionId = path_id("Solution id.")
ContactId = path_id("Contact request id.")


class C3pMatchingNeedOut(Schema):
    id: int = Field(description="Need id.")
    organisation: str = Field(description="The partner city.")
    country: str = Field(description="Its country.")
    sector: str = Field(description="Sector id (C3P §2.2).")
    title: str = Field(description="Title.")
    problem: str = Field(description="The problem.")
    scale: str = Field(description="Its scale.")
    priority: int = Field(description="1 = highest among the city's needs.")
    state: str = Field(description="open or closed.")
    published_at: dt.datetime = Field(description="When published.")


class C3pMatchingSolutionOut(Schema):
    id: int = Field(description="Solution id.")
    organisation: str = Field(description="The municipality or company.")
    title: str = Field(description="Title.")
    sectors: list[str] = Field(description="Sector ids.")
    technology: str = Field(description="Technology or knowledge.")
    experience: str = Field(description="Experience.")
    past_projects: str = Field(description="Past projects.")
    countries: list[str] = Field(description="Countries of experience or bases.")
    jcm_experience: bool = Field(description="Experience with the JCM.")
    state: str = Field(description="open or withdrawn.")
    published_at: dt.datetime = Field(description="When published.")


class C3pMatchingReasonOut(Schema):
    code: str = Field(description="Which criterion.")
    points: int = Field(description="Its points.")
    clause: str = Field(description="Where the guidebook names it.")
    detail: str = Field(description="What matched.")


class C3pMatchingSuggestionOut(Schema):
    solution: C3pMatchingSolutionOut = Field(description="The solution.")
    score: int = Field(description="The fit (higher is better).")
    reasons: list[C3pMatchingReasonOut] = Field(description="Why it fits.")


class C3pMatchingNeedDetailOut(Schema):
    need: C3pMatchingNeedOut = Field(description="The need.")
    suggestions: list[C3pMatchingSuggestionOut] = Field(description="Best first.")


class C3pMatchingNeedIn(Schema):
    sector: str = Field(description="Sector id (C3P §2.2).")
    title: text(200) = Field(description="Title.")
    problem: text(services.MAX_TEXT) = Field(description="The problem.")
    scale: text(300, min_length=0) = Field(default="", description="Its scale.")
    priority: int = Field(default=1, ge=1, le=9, description="1 (highest) to 9.")


class C3pMatchingSolutionIn(Schema):
    title: text(200) = Field(description="Title.")
    sectors: list[str] = Field(max_length=20, description="Sector ids.")
    technology: text(services.MAX_TEXT) = Field(description="Technology or knowledge.")
    experience: text(services.MAX_TEXT, min_length=0) = Field(default="", description="Experience.")
    past_projects: text(services.MAX_TEXT, min_length=0) = Field(
        default="", description="Past projects."
    )
    countries: list[str] = Field(
        default=[], max_length=60, description="Countries of experience or bases (ISO codes)."
    )
    jcm_experience: bool = Field(default=False, description="Experience with the JCM.")


class C3pMatchingMessageIn(Schema):
    message: text(services.MAX_MESSAGE, min_length=0) = Field(
        default="", description="The message (empty only when closing)."
    )
    close: bool = Field(default=False, description="Close the conversation.")


class C3pMatchingMessageOut(Schema):
    organisation: str = Field(description="Who wrote (the organisation, never an address).")
    text: str = Field(description="The message.")
    sent_at: dt.datetime = Field(description="When.")


class C3pMatchingContactOut(Schema):
    id: int = Field(description="Contact request id.")
    need_id: int | None = Field(description="About this need, or")
    solution_id: int | None = Field(description="about this solution.")
    sender: str = Field(description="The organisation that asked.")
    recipient: str = Field(description="The organisation asked.")
    state: str = Field(description="open or closed.")
    messages: list[C3pMatchingMessageOut] = Field(description="The conversation.")


class C3pMatchingFilter(Schema):
    q: text(200, min_length=0) = Field(default="", description="Words to search.")
    sector: str = Field(default="", description="Only this sector.")


def _reads(request) -> None:
    if not access.can(request.user, "view_c3p_matching", None):
        raise Http404


def need_out(n: Need) -> C3pMatchingNeedOut:
    return C3pMatchingNeedOut(
        id=n.pk,
        organisation=n.organisation.name,
        country=n.organisation.country,
        sector=n.sector,
        title=n.title,
        problem=n.problem,
        scale=n.scale,
        priority=n.priority,
        state=n.state,
        published_at=n.published_at,
    )


def solution_out(s: Solution) -> C3pMatchingSolutionOut:
    return C3pMatchingSolutionOut(
        id=s.pk,
        organisation=s.organisation.name,
        title=s.title,
        sectors=s.sectors,
        technology=s.technology,
        experience=s.experience,
        past_projects=s.past_projects,
        countries=s.countries,
        jcm_experience=s.jcm_experience,
        state=s.state,
        published_at=s.published_at,
    )


def contact_out(c: ContactRequest) -> C3pMatchingContactOut:
    return C3pMatchingContactOut(
        id=c.pk,
        need_id=c.need_id,
        solution_id=c.solution_id,
        sender=c.sender.name,
        recipient=c.recipient.name,
        state=c.state,
        messages=[
            C3pMatchingMessageOut(organisation=m.organisation.name, text=m.text, sent_at=m.sent_at)
            for m in c.messages.select_related("organisation")
        ],
    )


@router.get(
    "/c3p/matching/needs",
    summary="Open needs of partner cities",
    **op({200: (list[C3pMatchingNeedOut], "Newest first.")}, 400, 401, 404, 422),
)
def need_list(request, filters: Query[C3pMatchingFilter]) -> list[C3pMatchingNeedOut]:
    """Open needs, newest first; ``q`` searches the title and problem, ``sector`` filters."""
    _reads(request)
    qs = Need.objects.filter(state="open").select_related("organisation")
    if filters.sector in Sector.values:
        qs = qs.filter(sector=filters.sector)
    words = search_words(filters.q)
    rows = [n for n in qs[:1000] if not words or matches(words, f"{n.title} {n.problem}")]
    return [need_out(n) for n in rows[:200]]


@router.post(
    "/c3p/matching/needs",
    summary="Publish a need (a partner city's applicants)",
    **op({201: (C3pMatchingNeedOut, "Published.")}, 400, 401, 403, 404, 422),
)
def need_publish(request, body: C3pMatchingNeedIn) -> Status:
    """A partner city's applicants publish a need: sector, problem, scale, priority (C3P §3.1
    step 3)."""
    _reads(request)
    return Status(201, need_out(services.need_publish(actor=request.user, **body.dict())))


@router.get(
    "/c3p/matching/needs/{need_id}",
    summary="A need with the solutions suggested for it",
    **op({200: (C3pMatchingNeedDetailOut, "The need and its suggestions.")}, 401, 404, 422),
)
def need_get(request, need_id: NeedId) -> C3pMatchingNeedDetailOut:
    """The need and the open solutions that fit it, best first, each with the reasons it fits
    and where the guidebook names each criterion (``renkei.c3p.matching_score``)."""
    _reads(request)
    need = Need.objects.select_related("organisation").filter(pk=need_id).first()
    if need is None:
        raise Http404
    return C3pMatchingNeedDetailOut(
        need=need_out(need),
        suggestions=[
            C3pMatchingSuggestionOut(
                solution=solution_out(solution),
                score=s.score,
                reasons=[
                    C3pMatchingReasonOut(
                        code=r.code, points=r.points, clause=r.clause, detail=r.detail
                    )
                    for r in s.reasons
                ],
            )
            for solution, s in services.suggestions_for(need)
        ],
    )


@router.get(
    "/c3p/matching/solutions",
    summary="Open solutions of Japanese municipalities and companies",
    **op({200: (list[C3pMatchingSolutionOut], "Newest first.")}, 400, 401, 404, 422),
)
def solution_list(request, filters: Query[C3pMatchingFilter]) -> list[C3pMatchingSolutionOut]:
    """Open solutions, newest first; ``q`` searches the title, technology and experience."""
    _reads(request)
    words = search_words(filters.q)
    rows = [
        s
        for s in Solution.objects.filter(state="open").select_related("organisation")[:1000]
        if (not filters.sector or filters.sector in s.sectors)
        and (not words or matches(words, f"{s.title} {s.technology} {s.experience}"))
    ]
    return [solution_out(s) for s in rows[:200]]


@router.post(
    "/c3p/matching/solutions",
    summary="Publish a solution (a Japanese municipality's or company's applicants)",
    **op({201: (C3pMatchingSolutionOut, "Published.")}, 400, 401, 403, 404, 422),
)
def solution_publish(request, body: C3pMatchingSolutionIn) -> Status:
    """A Japanese municipality's or company's applicants publish a solution (C3P §3.1 step 4)."""
    _reads(request)
    return Status(201, solution_out(services.solution_publish(actor=request.user, **body.dict())))


def _contact(request, model: type, pk: int, body: C3pMatchingMessageIn) -> Status:
    _reads(request)
    record = model.objects.select_related("organisation").filter(pk=pk).first()
    if record is None:
        raise Http404
    contact = services.contact_request(actor=request.user, record=record, message=body.message)
    return Status(201, contact_out(contact))


@router.post(
    "/c3p/matching/needs/{need_id}/contacts",
    summary="Contact the partner city about its need, through the platform",
    **op({201: (C3pMatchingContactOut, "Sent.")}, 400, 401, 403, 404, 422),
)
def need_contact(request, need_id: NeedId, body: C3pMatchingMessageIn) -> Status:
    """A first message to the partner city's applicants, told by notice; at most one open
    conversation per organisation and need."""
    return _contact(request, Need, need_id, body)


@router.post(
    "/c3p/matching/solutions/{solution_id}/contacts",
    summary="Contact the organisation about its solution, through the platform",
    **op({201: (C3pMatchingContactOut, "Sent.")}, 400, 401, 403, 404, 422),
)
def solution_contact(request, solution_id: SolutionId, body: C3pMatchingMessageIn) -> Status:
    """A first message to the organisation's applicants, told by notice; at most one open
    conversation per organisation and solution."""
    return _contact(request, Solution, solution_id, body)


def _visible_contact(request, pk: int) -> ContactRequest:
    _reads(request)
    contact = contacts_for(request.user).filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


@router.get(
    "/c3p/matching/contacts/{contact_id}",
    summary="A conversation",
    **op({200: (C3pMatchingContactOut, "The conversation.")}, 401, 404, 422),
)
def contact_get(request, contact_id: ContactId) -> C3pMatchingContactOut:
    """The conversation, for the two organisations' applicants and the office; authors are
    organisations, never e-mail addresses."""
    return contact_out(_visible_contact(request, contact_id))


@router.post(
    "/c3p/matching/contacts/{contact_id}/messages",
    summary="Write in a conversation and/or close it",
    **op({201: (C3pMatchingContactOut, "Sent.")}, 400, 401, 403, 404, 422),
)
def contact_reply(request, contact_id: ContactId, body: C3pMatchingMessageIn) -> Status:
    """Either organisation's applicants write (at most 2,000 characters) and/or close it."""
    contact = _visible_contact(request, contact_id)
    contact = services.contact_reply(
        actor=request.user, contact=contact, message=body.message, close=body.close
    )
    return Status(201, contact_out(contact))
