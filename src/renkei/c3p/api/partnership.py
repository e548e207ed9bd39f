"""The C3P stage's partnership part in the REST API (issue 11; C3P §1.2, §3.2 Elig.(7)–(9),
BOX 8): the city partnerships the caller may see, one with its agreements, letters of interest
and linked proposals; a new partnership (the office), an agreement or renewal (the office or the
two cities); the letters of interest (list, upload with the partner city's Japanese translation,
download); a C3P proposal's partnership (its representative participant asks) and the Japanese
municipality's answer (confirm or decline). The same services and rules
(``policy.partnership``) as the pages; a partnership the caller may not see is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import FileResponse, Http404
from ninja import File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from renkei import access
from renkei.accounts.models import Organisation
from renkei.apikit import Id, op, path_id, text
from renkei.c3p.models import (
    CityPartnership,
    CollaborationAgreement,
    LetterOfInterest,
    PartnershipLink,
)
from renkei.c3p.policy.partnership import partnerships_for
from renkei.c3p.services import partnership as services

router = Router(tags=["c3p"])

PartnershipId = path_id("City partnership id.")
ProposalId = path_id("Proposal id.")
LinkId = path_id("Partnership link request id.")
LetterId = path_id("Letter of interest id.")


class C3pPartnershipCityOut(Schema):
    organisation_id: int = Field(description="The organisation's id.")
    name: str = Field(description="Its name.")
    name_en: str = Field(description="Its English name.")
    country: str = Field(description="ISO 3166-1 alpha-2.")


class C3pPartnershipAgreementOut(Schema):
    id: int = Field(description="Agreement id.")
    kind: str = Field(description="sister_city, mou or other.")
    title: str = Field(description="Title of the agreement.")
    event: str = Field(description="signed or renewed.")
    signed_on: dt.date = Field(description="Signed or renewed on.")
    precision: str = Field(description="day, or month when only the month is known (BOX 8).")
    expires_on: dt.date | None = Field(description="Expiry, if any.")
    renews_id: int | None = Field(description="The agreement it renews, if known.")
    source: str = Field(description="Where the record comes from, if reference data.")


class C3pPartnershipLetterOut(Schema):
    id: int = Field(description="Letter id.")
    side: str = Field(description="japanese_city, partner_city or other.")
    signatory: str = Field(description="Who signed it.")
    dated: dt.date = Field(description="Its date.")
    states_intent_to_conclude: bool = Field(description="States the intention (BOX 8).")
    file_name: str = Field(description="The file's name.")
    sha256: str = Field(description="SHA-256 of the file.")
    translation_name: str = Field(description="The Japanese translation's file name, if any.")
    proposal_id: int | None = Field(description="The proposal it was written for, if one.")


class C3pPartnershipProposalOut(Schema):
    id: int = Field(description="Proposal id.")
    title: str = Field(description="Its title.")
    organisation: str = Field(description="Its lead organisation.")
    state: str = Field(description="Its state.")


class C3pPartnershipLinkOut(Schema):
    id: int = Field(description="Link request id.")
    proposal_id: int = Field(description="The C3P proposal that asks to name the partnership.")
    proposal_title: str = Field(description="Its title.")
    organisation: str = Field(description="Its lead organisation.")
    partnership_id: int = Field(description="The partnership asked for.")
    state: str = Field(
        description="requested (awaiting the Japanese municipality), confirmed or declined."
    )
    requested_at: dt.datetime = Field(description="When the representative asked.")
    decided_at: dt.datetime | None = Field(description="When the municipality answered.")
    reason: str = Field(description="The municipality's reason, when it declined.")


class C3pPartnershipOut(Schema):
    id: int = Field(description="City partnership id.")
    japanese_city: C3pPartnershipCityOut = Field(description="The Japanese municipality.")
    partner_city: C3pPartnershipCityOut = Field(description="The partner city overseas.")
    intends_agreement: bool = Field(description="No agreement yet, one intended (Elig.(7)).")
    note: str = Field(description="Note.")
    source: str = Field(description="Where the record comes from, if reference data.")
    agreements: list[C3pPartnershipAgreementOut] = Field(description="In date order.")
    letters: list[C3pPartnershipLetterOut] = Field(description="Letters of interest.")
    proposals: list[C3pPartnershipProposalOut] = Field(
        description="The C3P proposals linked to it (their projects' history)."
    )
    link_requests: list[C3pPartnershipLinkOut] = Field(
        description="C3P proposals' requests to name it, and the municipality's answers."
    )


class C3pPartnershipIn(Schema):
    japanese_city_id: Id = Field(description="Organisation id of the Japanese municipality.")
    partner_city_id: Id = Field(description="Organisation id of the partner city.")
    intends_agreement: bool = Field(default=False, description="An agreement is intended.")
    note: text(5000, min_length=0) = Field(default="", description="Note.")


class C3pPartnershipAgreementIn(Schema):
    kind: str = Field(description="sister_city, mou or other.")
    title: text(300) = Field(description="Title of the agreement.")
    event: str = Field(description="signed or renewed.")
    signed_on: dt.date = Field(description="Signed or renewed on.")
    expires_on: dt.date | None = Field(default=None, description="Expiry, if any.")
    renews_id: Id | None = Field(default=None, description="The agreement it renews.")


class C3pPartnershipPickIn(Schema):
    partnership_id: Id | None = Field(description="The partnership; null to unlink.")


class C3pPartnershipPickOut(Schema):
    proposal_id: int = Field(description="Proposal id.")
    partnership_id: int | None = Field(
        description="The partnership it names (only once the municipality confirmed), if any."
    )
    link: C3pPartnershipLinkOut | None = Field(
        description="The request and its state (requested: awaiting the municipality)."
    )


class C3pPartnershipLinkDeclineIn(Schema):
    reason: text(2000) = Field(description="Why the municipality declines (told the applicant).")


def link_out(x: PartnershipLink) -> C3pPartnershipLinkOut:
    return C3pPartnershipLinkOut(
        id=x.pk,
        proposal_id=x.proposal_id,
        proposal_title=x.proposal.title,
        organisation=x.proposal.organisation.name,
        partnership_id=x.partnership_id,
        state=x.state,
        requested_at=x.requested_at,
        decided_at=x.decided_at,
        reason=x.reason,
    )


def letter_out(x: LetterOfInterest) -> C3pPartnershipLetterOut:
    return C3pPartnershipLetterOut(
        id=x.pk,
        side=x.side,
        signatory=x.signatory,
        dated=x.dated,
        states_intent_to_conclude=x.states_intent_to_conclude,
        file_name=x.original_name,
        sha256=x.sha256,
        translation_name=x.translation_name,
        proposal_id=x.proposal_id,
    )


def _city(org: Organisation) -> C3pPartnershipCityOut:
    return C3pPartnershipCityOut(
        organisation_id=org.pk, name=org.name, name_en=org.name_en, country=org.country
    )


def partnership_out(p: CityPartnership) -> C3pPartnershipOut:
    return C3pPartnershipOut(
        id=p.pk,
        japanese_city=_city(p.japanese_city),
        partner_city=_city(p.partner_city),
        intends_agreement=p.intends_agreement,
        note=p.note,
        source=p.source,
        agreements=[
            C3pPartnershipAgreementOut(
                id=a.pk,
                kind=a.kind,
                title=a.title,
                event=a.event,
                signed_on=a.signed_on,
                precision=a.precision,
                expires_on=a.expires_on,
                renews_id=a.renews_id,
                source=a.source,
            )
            for a in p.agreements_in_order()
        ],
        letters=[letter_out(x) for x in p.letters.all()],
        proposals=[
            C3pPartnershipProposalOut(
                id=q.pk, title=q.title, organisation=q.organisation.name, state=q.state
            )
            for q in p.proposals.select_related("organisation").order_by("created_at", "pk")
        ],
        link_requests=[
            link_out(x)
            for x in p.link_requests.select_related("proposal__organisation").order_by(
                "-requested_at", "-pk"
            )
        ],
    )


def _visible(request, pk: int) -> CityPartnership:
    p = partnerships_for(request.user).filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


@router.get(
    "/c3p/partnerships",
    summary="The city partnerships the caller may see",
    **op(
        {200: (list[C3pPartnershipOut], "The office: all; a city's applicants: its own.")}, 401, 404
    ),
)
def partnership_list(request) -> list[C3pPartnershipOut]:
    """The office: every partnership; an applicant: those of its organisation's cities."""
    if not access.can(request.user, "view_c3p_partnership_list", None):
        raise Http404
    return [partnership_out(p) for p in partnerships_for(request.user)[:500]]


@router.get(
    "/c3p/partnerships/{partnership_id}",
    summary="A city partnership",
    **op({200: (C3pPartnershipOut, "The partnership.")}, 401, 404, 422),
)
def partnership_get(request, partnership_id: PartnershipId) -> C3pPartnershipOut:
    """The two cities, the agreements and renewals, the letters of interest and the linked
    proposals."""
    return partnership_out(_visible(request, partnership_id))


@router.post(
    "/c3p/partnerships",
    summary="Record a city partnership (the office)",
    **op({201: (C3pPartnershipOut, "Recorded.")}, 400, 401, 403, 404, 422),
)
def partnership_create(request, body: C3pPartnershipIn) -> Status:
    """The office records a partnership between a Japanese municipality and a partner city
    (C3P §1.2); each pair once."""
    if not access.can(request.user, "view_c3p_partnership_list", None):
        raise Http404
    orgs = Organisation.objects.in_bulk([body.japanese_city_id, body.partner_city_id])
    if body.japanese_city_id not in orgs or body.partner_city_id not in orgs:
        raise Http404
    p = services.partnership_create(
        actor=request.user,
        japanese_city=orgs[body.japanese_city_id],
        partner_city=orgs[body.partner_city_id],
        intends_agreement=body.intends_agreement,
        note=body.note,
    )
    return Status(201, partnership_out(p))


@router.post(
    "/c3p/partnerships/{partnership_id}/agreements",
    summary="Record an agreement or a renewal (the office or the two cities)",
    **op({201: (C3pPartnershipOut, "Recorded.")}, 400, 401, 403, 404, 422),
)
def agreement_record(
    request, partnership_id: PartnershipId, body: C3pPartnershipAgreementIn
) -> Status:
    """An agreement signed, or a renewal of one of the partnership's (BOX 8); a renewal comes
    after what it renews, an expiry after the signing."""
    p = _visible(request, partnership_id)
    renews = None
    if body.renews_id is not None:
        renews = CollaborationAgreement.objects.filter(pk=body.renews_id).first()
        if renews is None:
            raise Http404
    data = body.dict()
    data.pop("renews_id")
    services.agreement_record(actor=request.user, partnership=p, renews=renews, **data)
    return Status(201, partnership_out(p))


@router.put(
    "/c3p/proposals/{proposal_id}/partnership",
    summary="Pick the city partnership of a C3P proposal (its representative participant)",
    **op({200: (C3pPartnershipPickOut, "Linked (or unlinked).")}, 400, 401, 403, 404, 422),
)
def partnership_pick(request, proposal_id: ProposalId, body: C3pPartnershipPickIn):
    """A request to the partnership's Japanese municipality, which confirms or declines it; once
    confirmed, the proposal's cities, agreement and letters are taken from the partnership (C3P
    §3.2 (7)–(9)). A member of the municipality who leads the proposal confirms in asking. null
    unlinks at once (the cities stay as they were, typed from then on)."""
    proposal = access.proposals_for(request.user).filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404
    partnership = None
    if body.partnership_id is not None:
        partnership = CityPartnership.objects.filter(pk=body.partnership_id).first()
        if partnership is None:
            raise Http404
    proposal = services.partnership_link_proposal(
        actor=request.user, proposal=proposal, partnership=partnership
    )
    link = (
        PartnershipLink.objects.filter(proposal=proposal)
        .select_related("proposal__organisation")
        .first()
    )
    return C3pPartnershipPickOut(
        proposal_id=proposal.pk,
        partnership_id=proposal.c3p_partnership_id,
        link=None if link is None else link_out(link),
    )


def _link(request, link_id: int) -> PartnershipLink:
    link = (
        PartnershipLink.objects.filter(partnership__in=partnerships_for(request.user), pk=link_id)
        .select_related("proposal__organisation", "partnership")
        .first()
    )
    if link is None:
        raise Http404
    return link


@router.post(
    "/c3p/partnership-links/{link_id}/confirm",
    summary="Confirm a proposal's request to name the partnership (the Japanese municipality)",
    **op(
        {200: (C3pPartnershipLinkOut, "Confirmed: the proposal names it.")}, 400, 401, 403, 404, 422
    ),
)
def partnership_link_confirm(request, link_id: LinkId) -> C3pPartnershipLinkOut:
    """The municipality's consent; only while the request is pending and the proposal editable."""
    link = services.partnership_link_confirm(actor=request.user, link=_link(request, link_id))
    return link_out(_link(request, link.pk))


@router.post(
    "/c3p/partnership-links/{link_id}/decline",
    summary="Decline a proposal's request to name the partnership (the Japanese municipality)",
    **op(
        {200: (C3pPartnershipLinkOut, "Declined; the applicant is told.")}, 400, 401, 403, 404, 422
    ),
)
def partnership_link_decline(
    request, link_id: LinkId, body: C3pPartnershipLinkDeclineIn
) -> C3pPartnershipLinkOut:
    """With the reason, told to the proposal's representative in its language."""
    link = services.partnership_link_decline(
        actor=request.user, link=_link(request, link_id), reason=body.reason
    )
    return link_out(_link(request, link.pk))


# --- letters of interest (C3P §3.2 Elig.(9); §3.4 Doc.(10)) --------------------------------------
@router.get(
    "/c3p/partnerships/{partnership_id}/letters",
    summary="The letters of interest of a city partnership",
    **op({200: (list[C3pPartnershipLetterOut], "In date order.")}, 401, 404, 422),
)
def letter_list(request, partnership_id: PartnershipId) -> list[C3pPartnershipLetterOut]:
    """Both cities' letters and other stakeholders', with their files' names and SHA-256."""
    return [letter_out(x) for x in _visible(request, partnership_id).letters.all()]


@router.post(
    "/c3p/partnerships/{partnership_id}/letters",
    summary="Upload a letter of interest (the office or the two cities)",
    **op({201: (C3pPartnershipLetterOut, "Stored, with its SHA-256.")}, 400, 401, 403, 404, 422),
)
def letter_add(
    request,
    partnership_id: PartnershipId,
    file: Annotated[
        UploadedFile, File(description="The letter (a scan or a copy; allowed types; size limit).")
    ],
    side: Annotated[
        Literal["japanese_city", "partner_city", "other"],
        Form(description="Whose letter: a city uploads its own, or another stakeholder's."),
    ],
    signatory: Annotated[text(200), Form(description="Who signed it.")],
    dated: Annotated[dt.date, Form(description="Its date.")],
    translation: Annotated[
        UploadedFile | None,
        File(description="The Japanese translation: required with the partner city's (Elig.(9))."),
    ] = None,
    states_intent_to_conclude: Annotated[
        bool, Form(description="It states the intention to conclude an agreement (BOX 8).")
    ] = False,
    proposal_id: Annotated[
        Id | None, Form(description="The linked C3P proposal it was written for, if one.")
    ] = None,
) -> Status:
    """The same checks as the page: file type, content and size (the proposals' limits), the
    partner city's letter with its Japanese translation, each city its own letter."""
    p = _visible(request, partnership_id)
    proposal = None
    if proposal_id is not None:
        proposal = p.proposals.filter(pk=proposal_id).first()
        if proposal is None:
            raise Http404
    letter = services.letter_add(
        actor=request.user,
        partnership=p,
        side=side,
        signatory=signatory,
        dated=dated,
        upload=file,
        translation=translation,
        states_intent_to_conclude=states_intent_to_conclude,
        proposal=proposal,
    )
    return Status(201, letter_out(letter))


@router.get(
    "/c3p/letters/{letter_id}/{which}",
    summary="Download a letter of interest or its Japanese translation",
    **op({200: (None, "The file.")}, 401, 404, 422),
)
def letter_download(
    request,
    letter_id: LetterId,
    which: Annotated[
        Literal["letter", "translation"],
        Path(..., description="`letter` (the letter as signed) or `translation` (its Japanese)."),
    ],
):
    """For whoever sees the partnership."""
    letter = LetterOfInterest.objects.filter(
        partnership__in=partnerships_for(request.user), pk=letter_id
    ).first()
    if letter is None:
        raise Http404
    field = letter.file if which == "letter" else letter.translation
    if not field:
        raise Http404
    name = letter.original_name if which == "letter" else letter.translation_name
    return FileResponse(field.open("rb"), as_attachment=True, filename=name)
