"""The C3P stage's partnership part in the REST API (issue 11; C3P §1.2, §3.2 Elig.(7)–(9),
BOX 8): the city partnerships the caller may see, one with its agreements, letters of interest
(their names and SHA-256; the files are downloaded from the page) and linked proposals; a new
partnership (the office), an agreement or renewal (the office or the two cities), and a C3P
proposal's partnership (its representative participant). The same services and rules
(``policy.partnership``) as the pages; a partnership the caller may not see is 404."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field

from renkei import access
from renkei.accounts.models import Organisation
from renkei.apikit import Id, op, path_id, text
from renkei.c3p.models import CityPartnership, CollaborationAgreement
from renkei.c3p.policy.partnership import partnerships_for
from renkei.c3p.services import partnership as services

router = Router(tags=["c3p"])

PartnershipId = path_id("City partnership id.")
ProposalId = path_id("Proposal id.")


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
    partnership_id: int | None = Field(description="Its partnership, if any.")


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
        letters=[
            C3pPartnershipLetterOut(
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
            for x in p.letters.all()
        ],
        proposals=[
            C3pPartnershipProposalOut(
                id=q.pk, title=q.title, organisation=q.organisation.name, state=q.state
            )
            for q in p.proposals.select_related("organisation").order_by("created_at", "pk")
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
    """The proposal's cities, agreement and letters are then taken from the partnership (C3P
    §3.2 (7)–(9)); null unlinks (the cities stay as they were, typed from then on)."""
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
    return C3pPartnershipPickOut(
        proposal_id=proposal.pk, partnership_id=proposal.c3p_partnership_id
    )
