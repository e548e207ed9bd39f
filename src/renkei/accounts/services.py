"""Account request (5.(1)②) and issue (5.(1)③): the office issues, the applicant sets a password
through an emailed one-time link.

A request names its organisation in free text, so anyone can name an existing one. An account
joins an existing organisation (and so may edit and submit its proposals) only with that
organisation's consent (one of its members approves, ``membership_consent_decide``) or by an
explicit, audited office decision made with its members and proposals in view
(``account_attach``); plain ``account_issue`` always makes a new organisation and refuses while a
similar name exists, until the office says the new one is separate (issue 12)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access, clock
from renkei.accounts.models import (
    AccountRequest,
    MembershipConsent,
    Organisation,
    Role,
    User,
)
from renkei.accounts.notices import email_address, notify
from renkei.audit.services import audit_record
from renkei.services import NotAllowed, ServiceError, check_lengths

#: the longest e-mail address an account can have: it becomes the login (``User.username``)
EMAIL_MAX = User._meta.get_field("username").max_length


def email_too_long(email: str) -> str:
    return _(
        "The e-mail address is %(length)s characters long; an account's address (its login) "
        "takes at most %(limit)s."
    ) % {"length": len(email), "limit": EMAIL_MAX}


def account_request_create(
    *, actor: Any, organisation_name: str, organisation_country: str, contact_name: str, email: str
) -> AccountRequest:
    check_lengths(
        AccountRequest,
        organisation_name=organisation_name,
        organisation_country=organisation_country,
        contact_name=contact_name,
        email=email,
    )
    if len(email) > EMAIL_MAX:
        raise ServiceError(email_too_long(email))
    with transaction.atomic():
        req = AccountRequest.objects.create(
            organisation_name=organisation_name,
            organisation_country=organisation_country,
            contact_name=contact_name,
            email=email,
        )
        audit_record(actor=actor, obj=req, action="account_request_create", to_state="pending")
    return req


def login_link(user: User, base_url: str | None = None) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})
    return f"{base_url or settings.RENKEI_BASE_URL}{path}"


_JAPANESE_FORMS = (
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "一般財団法人",
    "公益社団法人", "公益財団法人", "特定非営利活動法人", "(株)", "(有)", "(同)", "(社)", "(財)",
)  # fmt: skip
_ENGLISH_FORMS = re.compile(
    r"\b(co\.?\s*,?\s*ltd|company\s+limited|corporation|corp|incorporated|inc|limited|ltd"
    r"|k\.?\s*k|llc|plc|gmbh|pte|pvt|jsc)\b\.?"
)


def organisation_key(name: str) -> str:
    """A name as compared for 'the same organisation': width and case folded (NFKC: ㈱ → (株),
    Ｋｅｎｙａ → kenya), legal forms (株式会社, (株), Co., Ltd., Inc. …) and every space and
    punctuation mark dropped: 'ケニア茶（株）', 'ケニア茶 株式会社' and '株式会社ケニア茶' share
    one key."""
    text = unicodedata.normalize("NFKC", name).casefold()
    for form in _JAPANESE_FORMS:
        text = text.replace(form, "")
    text = _ENGLISH_FORMS.sub("", text)
    return re.sub(r"[\W_]+", "", text)


def organisation_index() -> list[tuple[set[str], Organisation]]:
    """Every organisation with the keys of its names, computed once for a page of requests."""
    return [
        ({organisation_key(org.name), organisation_key(org.name_en or "")} - {""}, org)
        for org in Organisation.objects.order_by("name", "pk")
    ]


def organisation_matches(
    name: str, index: list[tuple[set[str], Organisation]] | None = None
) -> list[Organisation]:
    """Existing organisations (any country) whose name or English name has the same key as
    ``name``: a request naming one of them must not join it silently."""
    key = organisation_key(name)
    if not key:
        return []
    return [org for keys, org in (index or organisation_index()) if key in keys]


def organisation_snapshot(org: Organisation) -> dict[str, Any]:
    """What the office sees of an organisation before deciding to attach someone to it: its
    members and its proposals (as representative participant). ``seen`` fingerprints them, so a
    decision made on a page that has since gone stale is refused."""
    from renkei.proposals.models import Proposal

    members = [
        {
            "id": u.pk,
            "name": u.get_full_name() or u.username,
            "email": u.email,
            "active": u.is_active,
        }
        for u in org.members.order_by("pk")
    ]
    proposals = [
        {"id": p.pk, "title": p.title, "state": p.state, "receipt": p.receipt_number or ""}
        for p in Proposal.objects.filter(organisation=org).order_by("pk")
    ]
    seen = (
        "m"
        + ",".join(str(m["id"]) for m in members)
        + ";p"
        + ",".join(str(p["id"]) for p in proposals)
    )
    return {"organisation": org.pk, "members": members, "proposals": proposals, "seen": seen}


def _open_request(pk: int, *statuses: str) -> AccountRequest:
    req = AccountRequest.objects.select_for_update().get(pk=pk)
    if req.status not in (statuses or (AccountRequest.Status.PENDING,)):
        raise ServiceError(_("This request has already been handled."))
    return req


def member_role(org: Organisation) -> str:
    """The role of an account in ``org``: a third-party entity's people are its verifiers (JCM
    2.(1)③; they see only the monitoring periods assigned to it), everyone else's applicants."""
    return Role.VERIFIER if org.kind == Organisation.Kind.TPE else Role.APPLICANT


def _issue_into(
    *,
    actor: Any,
    req: AccountRequest,
    org: Organisation,
    base_url: str | None,
    payload: dict[str, Any],
) -> User:
    """Inside the caller's transaction: the applicant's account in ``org``, the request issued,
    audited, and the one-time link emailed once committed."""
    if len(req.email) > EMAIL_MAX:  # a request stored before the limit: the login column
        raise ServiceError(
            _(
                "The address %(email)s is %(length)s characters long; a login is at most "
                "%(limit)s. Ask the requester for a shorter address and refuse this request."
            )
            % {"email": req.email, "length": len(req.email), "limit": EMAIL_MAX}
        )
    if User.objects.filter(username=req.email).exists():
        raise ServiceError(_("An account for %(email)s already exists.") % {"email": req.email})
    user = User(
        username=req.email,
        email=req.email,
        first_name=req.contact_name,
        role=member_role(org),
        organisation=org,
    )
    user.set_unusable_password()
    user.save()
    from_state = req.status
    req.status, req.user = AccountRequest.Status.ISSUED, user
    req.save()
    audit_record(
        actor=actor,
        obj=req,
        action="account_issue",
        from_state=from_state,
        to_state="issued",
        payload={"user": user.pk, "organisation": org.pk, **payload},
    )
    email_address(
        user.email,
        subject=gettext_noop("[Renkei] Your account"),
        message=gettext_noop(
            "Your Renkei account has been issued. Set your password and log in here: %(link)s"
        ),
        values={"link": login_link(user, base_url)},
        lang=user.preferred_language,
    )
    return user


def _require_office(actor: Any) -> None:
    if not access.can(actor, "issue_account"):
        raise NotAllowed(_("Only the program office issues accounts."))


def account_issue(
    *,
    actor: Any,
    request: AccountRequest,
    base_url: str | None = None,
    separate: bool = False,
    organisation_name: str = "",
    tpe: bool = False,
) -> User:
    """Create the applicant's account in a new organisation and email a one-time link to set a
    password; the link points at ``base_url`` (the host the office is using) or RENKEI_BASE_URL.
    ``tpe``: the new organisation is a third-party entity (kind ``tpe``) and the account its
    verifier (JCM 2.(1)③); further verifiers join it only with its members' consent.

    The account never joins an existing organisation here: when one of a similar name exists the
    office must choose (``separate=True`` for a new, separate organisation, named
    ``organisation_name`` if given; or ``account_request_ask_consent``; or ``account_attach``)."""
    _require_office(actor)
    with transaction.atomic():
        req = _open_request(request.pk)
        name = (organisation_name or req.organisation_name).strip()
        if not name:
            raise ServiceError(_("Give the new organisation's name."))
        matches = organisation_matches(name) if not separate else []
        if matches:
            raise ServiceError(
                _(
                    "An organisation with a similar name already exists (%(names)s). Choose: "
                    "a new, separate organisation; ask its members to consent; or attach the "
                    "account by an office decision."
                )
                % {"names": ", ".join(f"{o.name} ({o.country})" for o in matches)}
            )
        country = req.organisation_country
        if Organisation.objects.filter(name=name, country=country).exists():
            raise ServiceError(
                _(
                    "An organisation named %(name)s already exists in %(country)s; give the "
                    "new, separate organisation a name that tells them apart."
                )
                % {"name": name, "country": country}
            )
        kind = Organisation.Kind.TPE if tpe else Organisation.Kind.COMPANY
        org = Organisation.objects.create(name=name, country=country, kind=kind)
        return _issue_into(
            actor=actor,
            req=req,
            org=org,
            base_url=base_url,
            payload={"new_organisation": True, "separate_from_similar": separate, "kind": kind},
        )


def account_attach(
    *,
    actor: Any,
    request: AccountRequest,
    organisation: Organisation,
    reason: str,
    seen: str,
    base_url: str | None = None,
) -> User:
    """The office's explicit decision to issue the account into an existing organisation,
    having seen its members and proposals (``seen``: the fingerprint of the page shown); the
    audit event records them and the reason. The organisation's members are told."""
    _require_office(actor)
    if organisation.kind == Organisation.Kind.TPE:
        raise ServiceError(
            _(
                "%(org)s is a third-party entity (TPE): its verifiers see the monitoring data "
                "assigned to it, so an account joins it only with its members' consent. Ask its "
                "members to consent instead."
            )
            % {"org": organisation.name}
        )
    if not reason.strip():
        raise ServiceError(
            _(
                "Give the reason for attaching the account (for example how the organisation "
                "confirmed the person)."
            )
        )
    with transaction.atomic():
        req = _open_request(request.pk)
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        snapshot = organisation_snapshot(org)
        if snapshot["seen"] != seen:
            raise ServiceError(
                _(
                    "The organisation's members or proposals changed since the page was shown. "
                    "Check them again before deciding."
                )
            )
        user = _issue_into(
            actor=actor,
            req=req,
            org=org,
            base_url=base_url,
            payload={"office_decision": reason.strip(), "shown": snapshot},
        )
        _tell_members(
            org,
            exclude=user.pk,
            message=gettext_noop(
                "The program office added %(name)s (%(email)s) to your organisation %(org)s: "
                "they can edit and submit its proposals. Reason: %(reason)s"
            ),
            values={
                "name": req.contact_name,
                "email": req.email,
                "org": org.name,
                "reason": reason,
            },
        )
    return user


def _members(org: Organisation) -> list[User]:
    return list(org.members.filter(is_active=True, role=member_role(org)).order_by("pk"))


def _tell_members(
    org: Organisation,
    *,
    exclude: int | None,
    message: str,
    values: dict[str, Any],
    path: str = "",
) -> None:
    """A notice (linking ``path``) and an e-mail to the organisation's active members, each in
    the member's language (``message`` is an untranslated message id)."""
    notify(
        [u for u in _members(org) if u.pk != exclude],
        subject=gettext_noop("[Renkei] Your organisation"),
        message=message,
        values=values,
        link=path,
    )


def account_request_ask_consent(
    *, actor: Any, request: AccountRequest, organisation: Organisation, base_url: str | None = None
) -> MembershipConsent:
    """Ask ``organisation``'s members whether the requester may join it; they get a notice and an
    e-mail with the page where one of them approves or declines."""
    _require_office(actor)
    with transaction.atomic():
        req = _open_request(request.pk)
        org = Organisation.objects.get(pk=organisation.pk)
        if not _members(org):
            raise ServiceError(
                _(
                    "%(org)s has no active member to ask. Issue the account to a new, separate "
                    "organisation, or attach it by an office decision."
                )
                % {"org": org.name}
            )
        consent = MembershipConsent.objects.create(request=req, organisation=org, asked_by=actor)
        req.status = AccountRequest.Status.AWAITING_CONSENT
        req.save(update_fields=["status"])
        audit_record(
            actor=actor,
            obj=req,
            action="account_consent_ask",
            from_state="pending",
            to_state="awaiting_consent",
            payload={"organisation": org.pk, "consent": consent.pk},
        )
        path = reverse("accounts:consent", args=[consent.pk])
        _tell_members(
            org,
            exclude=None,
            message=gettext_noop(
                "%(name)s (%(email)s) asks for a verifier's account in your third-party entity "
                "%(org)s, which would let them see and verify the monitoring reports assigned "
                "to it. Approve or decline: %(link)s"
            )
            if org.kind == Organisation.Kind.TPE
            else gettext_noop(
                "%(name)s (%(email)s) asks for an account in your organisation %(org)s, which "
                "would let them edit and submit its proposals. Approve or decline: %(link)s"
            ),
            values={
                "name": req.contact_name,
                "email": req.email,
                "org": org.name,
                "link": f"{base_url or settings.RENKEI_BASE_URL}{path}",
            },
            path=path,
        )
    return consent


def membership_consent_decide(
    *,
    actor: Any,
    consent: MembershipConsent,
    approve: bool,
    reason: str = "",
    base_url: str | None = None,
) -> MembershipConsent:
    """A member of the organisation approves (the account is issued into it) or declines (the
    request returns to the office, which may issue it to a new organisation or refuse it)."""
    with transaction.atomic():
        c = (
            MembershipConsent.objects.select_for_update()
            .select_related("organisation")
            .get(pk=consent.pk)
        )
        if not (
            getattr(actor, "is_authenticated", False)
            and actor.is_active
            and actor.role == member_role(c.organisation)
            and actor.organisation_id == c.organisation_id
        ):
            raise NotAllowed(_("Only a member of the organisation answers this request."))
        if c.decision != MembershipConsent.Decision.PENDING:
            raise ServiceError(_("This request has already been answered."))
        req = _open_request(c.request_id, AccountRequest.Status.AWAITING_CONSENT)
        c.decided_by, c.decided_at, c.reason = actor, clock.now(), reason.strip()[:500]
        if approve:
            c.decision = MembershipConsent.Decision.APPROVED
            c.save()
            _issue_into(
                actor=actor,
                req=req,
                org=c.organisation,
                base_url=base_url,
                payload={"consent": c.pk, "approved_by": actor.pk},
            )
        else:
            c.decision = MembershipConsent.Decision.DECLINED
            c.save()
            req.status = AccountRequest.Status.PENDING
            req.save(update_fields=["status"])
            audit_record(
                actor=actor,
                obj=req,
                action="account_consent_decline",
                from_state="awaiting_consent",
                to_state="pending",
                payload={"consent": c.pk, "reason": c.reason},
            )
        asker = User.objects.filter(pk=c.asked_by_id)
        notify(
            asker,
            subject=gettext_noop("[Renkei] Account request"),
            message=(
                gettext_noop(
                    "%(member)s approved %(email)s joining %(org)s; the account was issued."
                )
                if approve
                else gettext_noop(
                    "%(member)s declined %(email)s joining %(org)s; the request is back with you."
                )
            ),
            values={
                "member": actor.get_full_name() or actor.username,
                "email": req.email,
                "org": c.organisation.name,
            },
            link=reverse("accounts:requests"),
            email=False,
        )
    return c


def account_reject(*, actor: Any, request: AccountRequest, reason: str) -> AccountRequest:
    """Refuse an account request, telling the requester why (e.g. not an eligible applicant)."""
    _require_office(actor)
    if not reason.strip():
        raise ServiceError(_("Give the reason, for the requester."))
    with transaction.atomic():
        req = _open_request(
            request.pk, AccountRequest.Status.PENDING, AccountRequest.Status.AWAITING_CONSENT
        )
        from_state = req.status
        req.consents.filter(decision=MembershipConsent.Decision.PENDING).update(
            decision=MembershipConsent.Decision.WITHDRAWN, decided_at=clock.now()
        )
        req.status = AccountRequest.Status.REJECTED
        req.save()
        audit_record(
            actor=actor,
            obj=req,
            action="account_reject",
            from_state=from_state,
            to_state="rejected",
            payload={"reason": reason.strip()},
        )
        email_address(
            req.email,
            subject=gettext_noop("[Renkei] Your account request"),
            message=gettext_noop(
                "Your request for a Renkei account was not accepted. Reason: %(reason)s"
            ),
            values={"reason": reason.strip()},
            lang="ja" if req.organisation_country == "JP" else "en",
        )
    return req
