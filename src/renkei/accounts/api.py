"""Accounts in the REST API: the office's account requests (JCM call 5.(1)②③): list them, issue
the account (a login link is e-mailed to the requester) or refuse with a reason. The same
services and permissions as the account-requests page: anyone but the office is answered 404.
Mounted by ``renkei.api``; shared helpers from ``renkei.apikit``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from renkei import access
from renkei.access import account_requests_for
from renkei.accounts.models import AccountRequest, Role
from renkei.accounts.services import account_issue, account_reject
from renkei.apikit import jst, op, path_id, text, visible_or_404

router = Router(tags=["accounts"])

RequestId = path_id("Account request id.")
RequestState = Literal["pending", "issued", "rejected"]


class AccountRequestOut(Schema):
    id: int = Field(description="Account request id.")
    organisation_name: str = Field(description="The organisation named in the request.")
    organisation_country: str = Field(description="Its country (ISO 3166-1 alpha-2).")
    contact_name: str = Field(description="Contact person.")
    email: str = Field(description="E-mail address; the account's login once issued.")
    requested_at: dt.datetime = Field(description="Requested (+09:00).")
    status: RequestState = Field(description="pending, issued or rejected.")


class RejectIn(Schema):
    reason: Annotated[str, text(2000)] = Field(description="Why, told to the requester.")


def _out(r: AccountRequest) -> AccountRequestOut:
    return AccountRequestOut(
        id=r.pk,
        organisation_name=r.organisation_name,
        organisation_country=r.organisation_country,
        contact_name=r.contact_name,
        email=r.email,
        requested_at=jst(r.requested_at),
        status=r.status,
    )


def _request(request: HttpRequest, request_id: int) -> AccountRequest:
    return visible_or_404(account_requests_for(request.user), request_id)


_ERRORS = (400, 401, 403, 404, 422)


@router.get(
    "/account-requests",
    summary="Account requests (office)",
    **op({200: (list[AccountRequestOut], "Oldest first.")}, 401, 404, 422),
)
def account_requests_list(
    request,
    status: Annotated[
        RequestState | None, Query(description="Only requests in this state.")
    ] = None,
) -> list[AccountRequestOut]:
    """Requests for an application account (5.(1)②), to issue (5.(1)③) or refuse; 404 for
    anyone but the office."""
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404  # the office's business, as on the page
    qs = account_requests_for(request.user).order_by("requested_at", "pk")
    if status:
        qs = qs.filter(status=status)
    return [_out(r) for r in qs]


@router.post(
    "/account-requests/{request_id}/issue",
    summary="Issue the account (office)",
    **op({200: (AccountRequestOut, "Issued; a login link was e-mailed.")}, *_ERRORS),
)
def account_request_issue(request, request_id: RequestId) -> AccountRequestOut:
    """Create the applicant's account and e-mail a one-time link to set its password; refused
    (422) when the request was already handled or the address already has an account."""
    req = _request(request, request_id)
    account_issue(actor=request.user, request=req, base_url=request.build_absolute_uri("/")[:-1])
    return _out(_request(request, request_id))


@router.post(
    "/account-requests/{request_id}/reject",
    summary="Refuse the request, with the reason (office)",
    **op({200: (AccountRequestOut, "Refused; the requester was told why.")}, *_ERRORS),
)
def account_request_reject(request, request_id: RequestId, body: RejectIn) -> AccountRequestOut:
    """The reason is e-mailed to the requester; refused (422) when already handled."""
    req = _request(request, request_id)
    account_reject(actor=request.user, request=req, reason=body.reason)
    return _out(_request(request, request_id))
