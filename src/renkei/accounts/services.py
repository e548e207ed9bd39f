"""Account request (5.(1)②) and issue (5.(1)③): the office issues, the applicant sets a password
through an emailed one-time link."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from renkei import access
from renkei.accounts.models import AccountRequest, Organisation, Role, User
from renkei.audit.services import audit_record
from renkei.services import NotAllowed, ServiceError
from renkei.web.input_guard import check_lengths

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
        link, email = login_link(user, base_url), user.email
        message = _(
            "Your Renkei account has been issued. Set your password and log in here: %(link)s"
        ) % {"link": link}
        transaction.on_commit(lambda: send_mail(_("[Renkei] Your account"), message, None, [email]))
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
        email = req.email
        message = _("Your request for a Renkei account was not accepted. Reason: %(reason)s") % {
            "reason": reason.strip()
        }
        transaction.on_commit(
            lambda: send_mail(_("[Renkei] Your account request"), message, None, [email])
        )
    return req
