"""Account request (5.(1)②) and issue (5.(1)③): the office issues, the applicant sets a password
through an emailed one-time link."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access
from renkei.accounts.models import AccountRequest, Organisation, Role, User
from renkei.accounts.notices import email_address
from renkei.audit.services import audit_record
from renkei.services import NotAllowed, ServiceError


def account_request_create(
    *, actor: Any, organisation_name: str, organisation_country: str, contact_name: str, email: str
) -> AccountRequest:
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


def account_issue(*, actor: Any, request: AccountRequest, base_url: str | None = None) -> User:
    """Create the applicant's account and email a one-time link to set a password; the link
    points at ``base_url`` (the host the office is using) or RENKEI_BASE_URL."""
    if not access.can(actor, "issue_account"):
        raise NotAllowed(_("Only the program office issues accounts."))
    with transaction.atomic():
        req = AccountRequest.objects.select_for_update().get(pk=request.pk)
        if req.status != AccountRequest.Status.PENDING:
            raise ServiceError(_("This request has already been handled."))
        if User.objects.filter(username=req.email).exists():
            raise ServiceError(_("An account for %(email)s already exists.") % {"email": req.email})
        org, _created = Organisation.objects.get_or_create(
            name=req.organisation_name, country=req.organisation_country
        )
        user = User(
            username=req.email,
            email=req.email,
            first_name=req.contact_name,
            role=Role.APPLICANT,
            organisation=org,
        )
        user.set_unusable_password()
        user.save()
        req.status, req.user = AccountRequest.Status.ISSUED, user
        req.save()
        audit_record(
            actor=actor,
            obj=req,
            action="account_issue",
            from_state="pending",
            to_state="issued",
            payload={"user": user.pk},
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


def account_reject(*, actor: Any, request: AccountRequest, reason: str) -> AccountRequest:
    """Refuse an account request, telling the requester why (e.g. not an eligible applicant)."""
    if not access.can(actor, "issue_account"):
        raise NotAllowed(_("Only the program office issues accounts."))
    if not reason.strip():
        raise ServiceError(_("Give the reason, for the requester."))
    with transaction.atomic():
        req = AccountRequest.objects.select_for_update().get(pk=request.pk)
        if req.status != AccountRequest.Status.PENDING:
            raise ServiceError(_("This request has already been handled."))
        req.status = AccountRequest.Status.REJECTED
        req.save()
        audit_record(
            actor=actor,
            obj=req,
            action="account_reject",
            from_state="pending",
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
