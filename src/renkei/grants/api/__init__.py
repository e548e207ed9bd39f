"""The grant stage in the REST API (JCM call 4.): the grant itself here, and one router per
part of the stage (``award``, ``closing``, ``schedule``), all through the same services and the
same access policy as the pages. Mounted by ``renkei.api``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Path, Router, Schema, Status
from pydantic import Field

from renkei import access
from renkei.adoption.models import Selection
from renkei.apikit import MAX_ID, op, visible_or_404
from renkei.grants.api import award, closing, portfolio, schedule
from renkei.grants.models import Grant, GrantState
from renkei.grants.services.core import grant_open
from renkei.proposals.api import visible_proposal

router = Router(tags=["grants"])

GrantId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Grant id.")]
ProposalId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Proposal id.")]


class GrantOut(Schema):
    id: int = Field(description="Grant id.")
    number: str = Field(description="Grant number (G-<receipt number>).")
    proposal_id: int = Field(description="The adopted proposal.")
    title: str = Field(description="The proposal's title.")
    state: str = Field(description="State: " + ", ".join(s.value for s in GrantState) + ".")
    decided_on: dt.date | None = Field(description="Grant decision date (交付決定日).")
    completion_due: dt.date | None = Field(description="Completion due under the decision.")
    completed_on: dt.date | None = Field(description="Completion date (補助事業の完了した日).")
    operation_started_on: dt.date | None = Field(description="Start of operation (稼働).")


def grant_out(grant: Grant) -> GrantOut:
    return GrantOut(
        id=grant.pk,
        number=grant.number,
        proposal_id=grant.selection.proposal_id,
        title=grant.selection.proposal.title,
        state=grant.state,
        decided_on=grant.decided_on,
        completion_due=grant.completion_due,
        completed_on=grant.completed_on,
        operation_started_on=grant.operation_started_on,
    )


def visible_grant(request, grant_id: int) -> Grant:
    """The grant if the caller may see it; 404 otherwise, as if it did not exist."""
    return visible_or_404(access.grants_for(request.user), grant_id)


@router.get(
    "/grants",
    summary="Grants the caller may see",
    **op({200: (list[GrantOut], "The office: every grant; applicants: their consortium's.")}, 401),
)
def grant_list(request) -> list[GrantOut]:
    """Every grant the caller may see, by number."""
    return [grant_out(g) for g in access.grants_for(request.user).order_by("number")[:1000]]


@router.get(
    "/grants/{grant_id}",
    summary="One grant",
    **op({200: (GrantOut, "The grant.")}, 401, 404, 422),
)
def grant_detail(request, grant_id: GrantId) -> GrantOut:
    """The grant with its state and key dates."""
    return grant_out(visible_grant(request, grant_id))


@router.post(
    "/proposals/{proposal_id}/grant",
    summary="Open the grant application of an adopted proposal",
    **op(
        {201: (GrantOut, "Opened: the application's first version is prefilled.")},
        400,
        401,
        403,
        404,
        422,
    ),
)
def grant_create(request, proposal_id: ProposalId) -> Status:
    """The representative participant (or the office) opens the grant application of an
    adopted JCM proposal (内示 issued; JCM 4.(1)); once per proposal."""
    proposal = visible_proposal(request, proposal_id)
    selection = Selection.objects.filter(proposal=proposal).first()
    if selection is None:
        from django.http import Http404

        raise Http404
    return Status(201, grant_out(grant_open(actor=request.user, selection=selection)))


router.add_router("", award.router)
router.add_router("", closing.router)
router.add_router("", schedule.router)
router.add_router("", portfolio.router)
