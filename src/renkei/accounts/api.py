"""Accounts in the REST API: the office's account requests (JCM call 5.(1)②③): list them with
the existing organisations their name matches (members and proposals, as the page shows them),
issue the account (a login link is e-mailed to the requester) to a new organisation, ask a
matching organisation's members to consent, attach it by a recorded office decision, or refuse
with a reason; and a member's answer to a consent request. A request naming an existing
organisation never joins it silently (``renkei.accounts.services``). The same services and
permissions as the pages: the office's requests and a member's consent are answered 404 to
anyone else. Mounted by ``renkei.api``; shared helpers from ``renkei.apikit``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from renkei import access
from renkei.access import account_requests_for
from renkei.accounts.models import AccountRequest, MembershipConsent, Organisation, Role
from renkei.accounts.services import (
    EMAIL_MAX,
    account_attach,
    account_issue,
    account_reject,
    account_request_ask_consent,
    account_request_create,
    membership_consent_decide,
    organisation_index,
    organisation_matches,
    organisation_snapshot,
)
from renkei.apikit import (
    Country,
    Id,
    Name,
    email,
    jst,
    op,
    path_id,
    public_form,
    text,
    visible_or_404,
)
from renkei.services import ServiceError

router = Router(tags=["accounts"])

RequestId = path_id("Account request id.")
ConsentId = path_id("Membership consent id.")
RequestState = Literal["pending", "awaiting_consent", "issued", "rejected"]
ConsentDecision = Literal["pending", "approved", "declined", "withdrawn"]
# text stripped, within its length, without NUL (``text(...)`` is the type itself: wrapped in
# another ``Annotated[str, ...]`` its constraints would be ignored)
RejectReason = text(2000)
OptionalName = text(200, min_length=0)
DecisionReason = text(500)
Fingerprint = text(20000)
Note = text(500, min_length=0)
AccountEmail = email(EMAIL_MAX)  # it becomes the account's login (User.username)


class AccountRequestIn(Schema):
    organisation_name: Name = Field(description="The applicant organisation (company name).")
    organisation_country: Country = Field(
        default="JP", description="Its country, ISO 3166-1 alpha-2 code (e.g. `JP`)."
    )
    contact_name: Name = Field(description="Contact person.")
    email: AccountEmail = Field(
        description=f"E-mail address: the account's login once issued (at most {EMAIL_MAX} "
        "characters).",
        json_schema_extra={"format": "email"},
    )


class AccountRequestReceivedOut(Schema):
    requested_at: dt.datetime = Field(description="When it was received (+09:00).")
    status: Literal["pending"] = Field(description="Always `pending`: the office decides.")


class MemberOut(Schema):
    id: int = Field(description="User id.")
    name: str = Field(description="Full name (or login).")
    email: str = Field(description="E-mail address.")
    active: bool = Field(description="The account is active.")


class OrganisationProposalOut(Schema):
    id: int = Field(description="Proposal id.")
    title: str = Field(description="Project title.")
    state: str = Field(description="Workflow state (stable identifier).")
    receipt: str = Field(description="Receipt number (empty for a draft never submitted).")


class OrganisationMatchOut(Schema):
    id: int = Field(description="Organisation id (for asking consent or attaching).")
    name: str = Field(description="Its name.")
    name_en: str = Field(description="Its English name (may be empty).")
    country: str = Field(description="Its country (ISO 3166-1 alpha-2).")
    members: list[MemberOut] = Field(description="Its members.")
    proposals: list[OrganisationProposalOut] = Field(
        description="Its proposals as representative participant."
    )
    seen: str = Field(
        description="Fingerprint of the members and proposals shown: send it back to attach "
        "(refused if they changed meanwhile)."
    )


class ConsentOut(Schema):
    id: int = Field(description="Membership consent id.")
    organisation_id: int = Field(description="The organisation asked.")
    organisation: str = Field(description="Its name.")
    asked_at: dt.datetime = Field(description="Asked (+09:00).")
    decision: ConsentDecision = Field(description="pending, approved, declined or withdrawn.")
    decided_at: dt.datetime | None = Field(description="Answered or withdrawn (+09:00).")
    reason: str = Field(description="The member's note (may be empty).")


class AccountRequestOut(Schema):
    id: int = Field(description="Account request id.")
    organisation_name: str = Field(description="The organisation named in the request.")
    organisation_country: str = Field(description="Its country (ISO 3166-1 alpha-2).")
    contact_name: str = Field(description="Contact person.")
    email: str = Field(description="E-mail address; the account's login once issued.")
    requested_at: dt.datetime = Field(description="Requested (+09:00).")
    status: RequestState = Field(
        description="pending, awaiting_consent (a matching organisation's members were asked), "
        "issued or rejected."
    )
    matches: list[OrganisationMatchOut] = Field(
        description="Existing organisations whose name (or English name) matches the one "
        "requested, up to width, case, spaces and legal form, with their members and proposals "
        "(open requests only). While there is one, `issue` is refused: choose `issue-separate`, "
        "`ask-consent` or `attach`."
    )
    consents: list[ConsentOut] = Field(description="Consents asked for it, newest first.")


class RejectIn(Schema):
    reason: RejectReason = Field(description="Why, told to the requester.")


class SeparateIn(Schema):
    organisation_name: OptionalName = Field(
        default="",
        description="Name of the new organisation; default: the name requested. Must differ "
        "from an existing organisation's in the same country.",
    )
    tpe: bool = Field(
        default=False,
        description="The new organisation is a third-party entity (TPE, JCM 2.(1)③) and the "
        "account its verifier.",
    )


class OrganisationIn(Schema):
    organisation_id: Id = Field(description="One of the request's `matches`.")


class AttachIn(Schema):
    organisation_id: Id = Field(description="One of the request's `matches`.")
    reason: DecisionReason = Field(
        description="Why (e.g. how the organisation confirmed the person); recorded and told "
        "to its members."
    )
    seen: Fingerprint = Field(
        description="The match's `seen` fingerprint, from the request as you read it."
    )


class ConsentDecisionIn(Schema):
    decision: Literal["approve", "decline"] = Field(
        description="approve: the account is issued into your organisation; decline: the "
        "request goes back to the office."
    )
    reason: Note = Field(default="", description="A note for the program office (optional).")


class MembershipConsentOut(Schema):
    id: int = Field(description="Membership consent id.")
    organisation: str = Field(description="Your organisation, which is asked.")
    contact_name: str = Field(description="Who asks to join.")
    email: str = Field(description="Their e-mail address (the account's login if issued).")
    requested_at: dt.datetime = Field(description="When they asked for an account (+09:00).")
    organisation_name: str = Field(description="The organisation as they typed it.")
    organisation_country: str = Field(description="The country they gave.")
    your_proposals: list[str] = Field(
        description="Titles of your organisation's proposals, which they could edit and submit."
    )
    decision: ConsentDecision = Field(description="pending, approved, declined or withdrawn.")
    decided_at: dt.datetime | None = Field(description="Answered (+09:00).")


def _match_out(org: Organisation) -> OrganisationMatchOut:
    snap = organisation_snapshot(org)
    return OrganisationMatchOut(
        id=org.pk,
        name=org.name,
        name_en=org.name_en or "",
        country=org.country,
        members=[MemberOut(**m) for m in snap["members"]],
        proposals=[OrganisationProposalOut(**p) for p in snap["proposals"]],
        seen=snap["seen"],
    )


_OPEN = (AccountRequest.Status.PENDING, AccountRequest.Status.AWAITING_CONSENT)


def _out(r: AccountRequest, index: list | None = None) -> AccountRequestOut:
    matches = organisation_matches(r.organisation_name, index) if r.status in _OPEN else []
    return AccountRequestOut(
        id=r.pk,
        organisation_name=r.organisation_name,
        organisation_country=r.organisation_country,
        contact_name=r.contact_name,
        email=r.email,
        requested_at=jst(r.requested_at),
        status=r.status,
        matches=[_match_out(org) for org in matches],
        consents=[
            ConsentOut(
                id=c.pk,
                organisation_id=c.organisation_id,
                organisation=c.organisation.name,
                asked_at=jst(c.asked_at),
                decision=c.decision,
                decided_at=jst(c.decided_at),
                reason=c.reason,
            )
            for c in r.consents.select_related("organisation").order_by("-asked_at", "-pk")
        ],
    )


def _organisation(organisation_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise ServiceError(
            _("There is no organisation %(id)s; choose one of the request's matches.")
            % {"id": organisation_id}
        )
    return org


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")[:-1]


def _request(request: HttpRequest, request_id: int) -> AccountRequest:
    return visible_or_404(account_requests_for(request.user), request_id)


_ERRORS = (400, 401, 403, 404, 422)


@router.post(
    "/account-requests",
    auth=public_form,
    operation_id="renkei_accounts_api_account_request_create",
    summary="Request an application account (5.(1)②, public)",
    **op({201: (AccountRequestReceivedOut, "Received; the office decides.")}, 400, 403, 422),
)
def account_request_create_op(request, body: AccountRequestIn) -> Status:
    """Public form, as the page: no login needed (a logged-in caller sends the CSRF token,
    403 without). The program office issues the account (a login link is e-mailed) or refuses
    it; a request naming an existing organisation never joins it without that organisation's
    consent or an explicit office decision. Nothing in the answer tells whether the
    organisation or the address is known."""
    req = account_request_create(
        actor=request.user,
        organisation_name=body.organisation_name,
        organisation_country=body.organisation_country.upper(),
        contact_name=body.contact_name,
        email=body.email,
    )
    return Status(
        201, AccountRequestReceivedOut(requested_at=jst(req.requested_at), status="pending")
    )


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
    rows = list(qs)
    index = organisation_index() if any(r.status in _OPEN for r in rows) else []
    return [_out(r, index) for r in rows]


@router.post(
    "/account-requests/{request_id}/issue",
    summary="Issue the account (office)",
    **op({200: (AccountRequestOut, "Issued; a login link was e-mailed.")}, *_ERRORS),
)
def account_request_issue(
    request,
    request_id: RequestId,
    tpe: Annotated[
        bool,
        Query(
            description="The new organisation is a third-party entity (TPE, JCM 2.(1)③) and "
            "the account its verifier."
        ),
    ] = False,
) -> AccountRequestOut:
    """Create the applicant's account in a new organisation of the name requested and e-mail a
    one-time link to set its password; refused (422) while an organisation of a similar name
    exists (the request's `matches`: choose `issue-separate`, `ask-consent` or `attach`), when
    the request was already handled or the address already has an account."""
    req = _request(request, request_id)
    account_issue(actor=request.user, request=req, base_url=_base_url(request), tpe=tpe)
    return _out(_request(request, request_id))


@router.post(
    "/account-requests/{request_id}/issue-separate",
    summary="Issue the account to a new, separate organisation (office)",
    **op({200: (AccountRequestOut, "Issued; a login link was e-mailed.")}, *_ERRORS),
)
def account_request_issue_separate(
    request, request_id: RequestId, body: SeparateIn
) -> AccountRequestOut:
    """The office decides that the requester's organisation is not the similar one that
    exists: a new organisation (named as requested, or `organisation_name`) is made and the
    account issued into it. Refused (422) when an organisation of that exact name exists in
    the same country."""
    req = _request(request, request_id)
    account_issue(
        actor=request.user,
        request=req,
        base_url=_base_url(request),
        separate=True,
        organisation_name=body.organisation_name,
        tpe=body.tpe,
    )
    return _out(_request(request, request_id))


@router.post(
    "/account-requests/{request_id}/ask-consent",
    operation_id="renkei_accounts_api_account_request_ask_consent",
    summary="Ask an existing organisation's members to consent (office)",
    **op({200: (AccountRequestOut, "Asked; the request awaits their answer.")}, *_ERRORS),
)
def account_request_ask_consent_op(
    request, request_id: RequestId, body: OrganisationIn
) -> AccountRequestOut:
    """The organisation's active members get a notice and an e-mail; one of them approves
    (the account is issued into the organisation) or declines (the request comes back,
    `pending`). Refused (422) when it has no active member to ask."""
    req = _request(request, request_id)
    account_request_ask_consent(
        actor=request.user,
        request=req,
        organisation=_organisation(body.organisation_id),
        base_url=_base_url(request),
    )
    return _out(_request(request, request_id))


@router.post(
    "/account-requests/{request_id}/attach",
    summary="Issue the account into an existing organisation by office decision (office)",
    **op({200: (AccountRequestOut, "Issued into it; its members were told.")}, *_ERRORS),
)
def account_request_attach(request, request_id: RequestId, body: AttachIn) -> AccountRequestOut:
    """An explicit, audited decision made with the organisation's members and proposals in
    view: send the match's `seen` fingerprint as you read it; refused (422) if they changed
    since, or without a reason. The reason and what was shown are recorded; its members are
    told."""
    req = _request(request, request_id)
    account_attach(
        actor=request.user,
        request=req,
        organisation=_organisation(body.organisation_id),
        reason=body.reason,
        seen=body.seen,
        base_url=_base_url(request),
    )
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


# --- a member's answer ---------------------------------------------------------------------------
def _member_consent(request: HttpRequest, consent_id: int) -> MembershipConsent:
    """A consent, for the members of the organisation asked only (anyone else: 404)."""
    consent = (
        MembershipConsent.objects.select_related("request", "organisation")
        .filter(pk=consent_id)
        .first()
    )
    user = request.user
    if consent is None or not (
        access.role_of(user) == Role.APPLICANT and user.organisation_id == consent.organisation_id
    ):
        raise Http404
    return consent


def _consent_out(c: MembershipConsent) -> MembershipConsentOut:
    r = c.request
    return MembershipConsentOut(
        id=c.pk,
        organisation=c.organisation.name,
        contact_name=r.contact_name,
        email=r.email,
        requested_at=jst(r.requested_at),
        organisation_name=r.organisation_name,
        organisation_country=r.organisation_country,
        your_proposals=[p["title"] for p in organisation_snapshot(c.organisation)["proposals"]],
        decision=c.decision,
        decided_at=jst(c.decided_at),
    )


@router.get(
    "/membership-consents/{consent_id}",
    summary="A request to join your organisation (its members)",
    **op({200: (MembershipConsentOut, "Who asks, and your answer so far.")}, 401, 404, 422),
)
def membership_consent_detail(request, consent_id: ConsentId) -> MembershipConsentOut:
    """The program office asks your organisation whether this person may join it (and so see,
    edit and submit its proposals); 404 for anyone but its members."""
    return _consent_out(_member_consent(request, consent_id))


@router.post(
    "/membership-consents/{consent_id}/decide",
    operation_id="renkei_accounts_api_membership_consent_decide",
    summary="Approve or decline a request to join your organisation (its members)",
    **op({200: (MembershipConsentOut, "Answered; the office was told.")}, *_ERRORS),
)
def membership_consent_decide_op(
    request, consent_id: ConsentId, body: ConsentDecisionIn
) -> MembershipConsentOut:
    """Approve: the account is issued into your organisation and a login link e-mailed to
    them. Decline: the request goes back to the program office. Refused (422) once answered."""
    consent = _member_consent(request, consent_id)
    membership_consent_decide(
        actor=request.user,
        consent=consent,
        approve=body.decision == "approve",
        reason=body.reason,
        base_url=_base_url(request),
    )
    return _consent_out(_member_consent(request, consent_id))
