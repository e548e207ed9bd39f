from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renkei import access, clock
from renkei.accounts.models import (
    AccountRequest,
    MembershipConsent,
    Organisation,
    PasswordResetRequest,
    Role,
    User,
)
from renkei.accounts.services import (
    EMAIL_MAX,
    account_attach,
    account_issue,
    account_reject,
    account_request_ask_consent,
    account_request_create,
    member_role,
    membership_consent_decide,
    organisation_index,
    organisation_matches,
    organisation_snapshot,
)
from renkei.services import ServiceError
from renkei.web.client_ip import client_ip
from renkei.web.lists import Column, OfficeList


class AccountRequestForm(forms.Form):
    organisation_name = forms.CharField(label=gettext_lazy("Organisation"), max_length=200)
    organisation_country = forms.CharField(
        label=gettext_lazy("Country (ISO code)"), max_length=2, initial="JP"
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=200)
    # the address becomes the login (User.username, 150 characters)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=EMAIL_MAX)


class LoginForm(AuthenticationForm):
    """The login field is the account's e-mail address (the demo's short logins work too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("E-mail address")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "inputmode": "email"}
        )
        self.error_messages = {
            **self.error_messages,
            "invalid_login": gettext_lazy(
                "The e-mail address or the password is not right (the password is "
                "case-sensitive). Forgot the password? Use the link below."
            ),
        }


class LogoutView(auth_views.LogoutView):
    pass


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes: too many failed log-ins for this login or from this address. Every attempt
    while locked out starts the cool-off again, so 'now + cool-off' is when to try again."""
    until = timezone.localtime(clock.now() + settings.AXES_COOLOFF_TIME)
    minutes = int(settings.AXES_COOLOFF_TIME / dt.timedelta(minutes=1))
    message = _(
        "Too many failed log-in attempts for this e-mail address or from your network. Log-in "
        "is paused: try again after %(time)s (in %(minutes)d minutes). If you forgot your "
        "password, reset it with the link below; the program office can also unlock the "
        "account."
    ) % {"time": until.strftime("%H:%M"), "minutes": minutes}
    if request.path.startswith("/api/") or request.headers.get("x-requested-with"):
        from django.http import JsonResponse

        return JsonResponse({"detail": message, "code": "login_locked"}, status=429)
    form = LoginForm(request, data=request.POST or None)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_message": message},
        status=429,
    )


class RenkeiPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email: str):
        """Active accounts with this e-mail, including those issued whose password was never
        set (their login link may have expired): the reset link sets it."""
        return (
            u
            for u in User.objects.filter(email__iexact=email, is_active=True)
            if u.email and u.email.casefold() == email.casefold()
        )


def _limit(text: str) -> tuple[int, dt.timedelta]:
    count, per = text.split("/")
    return int(count), {"m": dt.timedelta(minutes=1), "h": dt.timedelta(hours=1)}[per]


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an e-mail address and always answers the same way, whether an account has it or
    not; a reset link is sent only to an account's own address. Throttled per e-mail address and
    per client address (RENKEI_PASSWORD_RESET_LIMIT, counted in the database, so across
    workers)."""

    form_class = RenkeiPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: RenkeiPasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"].strip().casefold()
        address = client_ip(self.request)
        count, per = _limit(settings.RENKEI_PASSWORD_RESET_LIMIT)
        since = clock.now() - per
        recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
        if (
            recent.filter(email=email).count() >= count
            or recent.filter(ip_address=address).count() >= count * 2
        ):
            first = (
                recent.filter(email=email).order_by("requested_at").first()
                or recent.filter(ip_address=address).order_by("requested_at").first()
            )
            until = timezone.localtime(first.requested_at + per) if first else clock.now() + per
            form.add_error(
                None,
                _(
                    "Too many password reset requests for this address or from your network. "
                    "Try again after %(time)s; a link already sent stays valid for %(days)d days."
                )
                % {
                    "time": until.strftime("%H:%M"),
                    "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
                },
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        PasswordResetRequest.objects.create(email=email, ip_address=address or None)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = True
    post_reset_login_backend = "renkei.accounts.backends.EmailOrUsernameBackend"

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        from axes.utils import reset

        response = super().form_valid(form)
        for key in {self.user.username.casefold(), self.user.email.casefold()} - {""}:
            reset(username=key)  # a new password ends a lock-out on this account's login
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def account_request(request: HttpRequest) -> HttpResponse:
    form = AccountRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_request_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Your request was received. The office will email you a "
                    "login link when the account is issued."
                ),
            )
            return redirect("home")
    return render(request, "accounts/request.html", {"form": form})


def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/link_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        login(request, user, backend="renkei.accounts.backends.EmailOrUsernameBackend")
        messages.success(request, _("Your password is set."))
        return redirect("home")
    return render(request, "accounts/set_password.html", {"form": form})


def _office(request: HttpRequest) -> None:
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404


@login_required
def requests(request: HttpRequest) -> HttpResponse:
    """Office: account requests (5.(1)②) to issue (5.(1)③) or refuse, with the organisation's
    pre-registrations beside them. A request naming an organisation that already exists (same
    name up to width, case, spaces and legal form) shows that organisation's members and
    proposals, and the office chooses: a new, separate organisation; ask its members to consent;
    or attach by a recorded office decision."""
    from renkei.proposals.models import PreRegistration

    _office(request)
    open_statuses = (AccountRequest.Status.PENDING, AccountRequest.Status.AWAITING_CONSENT)
    pending = AccountRequest.objects.filter(status__in=open_statuses).order_by("requested_at", "pk")
    rows = []
    index = organisation_index() if pending else []
    for r in pending:
        matches = [
            (org, organisation_snapshot(org))
            for org in organisation_matches(r.organisation_name, index)
        ]
        rows.append(
            {
                "request": r,
                "preregs": PreRegistration.objects.filter(email__iexact=r.email).order_by(
                    "registered_at"
                ),
                "matches": matches,
                "consents": r.consents.select_related("organisation", "decided_by").order_by(
                    "-asked_at"
                ),
            }
        )
    listing = OfficeList(
        request,
        rows,
        columns=_REQUEST_COLUMNS,
        text=lambda row: (
            f"{row['request'].organisation_name} {row['request'].contact_name} "
            f"{row['request'].email}"
        ),
        name="account-requests",
    )
    if listing.export is not None:
        return listing.export
    handled = AccountRequest.objects.exclude(status__in=open_statuses).order_by(
        "-requested_at", "-pk"
    )[:50]
    return render(
        request,
        "accounts/requests.html",
        {"rows": listing.rows, "listing": listing, "handled": handled},
    )


_REQUEST_COLUMNS = (
    Column(gettext_lazy("Requested at"), lambda row: row["request"].requested_at),
    Column(gettext_lazy("Organisation"), lambda row: row["request"].organisation_name),
    Column(gettext_lazy("Country"), lambda row: row["request"].organisation_country),
    Column(gettext_lazy("Contact person"), lambda row: row["request"].contact_name),
    Column(gettext_lazy("Email"), lambda row: row["request"].email),
    Column(gettext_lazy("Status"), lambda row: row["request"].get_status_display()),
    Column(
        gettext_lazy("Pre-registrations"),
        lambda row: "; ".join(f"{p.title} · {p.round}" for p in row["preregs"]),
    ),
)


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    req = get_object_or_404(AccountRequest, pk=pk)
    base_url = request.build_absolute_uri("/")[:-1]
    decision = request.POST.get("decision")
    post = request.POST
    try:
        if decision in ("issue", "issue_separate"):
            user = account_issue(
                actor=request.user,
                request=req,
                base_url=base_url,
                separate=decision == "issue_separate",
                organisation_name=post.get("organisation_name", "")[:200],
                tpe=post.get("tpe") == "1",
            )
            messages.success(
                request,
                _("Account issued; a login link was emailed to %(email)s.") % {"email": user.email},
            )
        elif decision in ("ask_consent", "attach"):
            org = Organisation.objects.filter(pk=_int(post.get("organisation"))).first()
            if org is None:
                raise ServiceError(_("Choose one of the organisations shown."))
            if decision == "ask_consent":
                account_request_ask_consent(
                    actor=request.user, request=req, organisation=org, base_url=base_url
                )
                messages.success(
                    request,
                    _("The members of %(org)s were asked to approve or decline.")
                    % {"org": org.name},
                )
            else:
                user = account_attach(
                    actor=request.user,
                    request=req,
                    organisation=org,
                    reason=post.get("reason", "")[:500],
                    seen=post.get("seen", ""),
                    base_url=base_url,
                )
                messages.success(
                    request,
                    _(
                        "Account issued into %(org)s by your decision (recorded); a login link "
                        "was emailed to %(email)s and the members were told."
                    )
                    % {"org": org.name, "email": user.email},
                )
        elif decision == "reject":
            account_reject(actor=request.user, request=req, reason=post.get("reason", ""))
            messages.success(request, _("The request was refused; the requester was told."))
        else:
            messages.error(request, _("Choose to issue the account or to refuse the request."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('accounts:requests')}#request-{req.pk}")


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


@login_required
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """A member of an organisation answers the office's question: may this person join it?"""
    c = get_object_or_404(
        MembershipConsent.objects.select_related("request", "organisation", "decided_by"), pk=pk
    )
    user = request.user
    if not (user.role == member_role(c.organisation) and user.organisation_id == c.organisation_id):
        raise Http404
    if request.method == "POST":
        choice = request.POST.get("decision")
        if choice not in ("approve", "decline"):
            messages.error(request, _("Choose to approve or to decline."))
        else:
            try:
                membership_consent_decide(
                    actor=user,
                    consent=c,
                    approve=choice == "approve",
                    reason=request.POST.get("reason", ""),
                    base_url=request.build_absolute_uri("/")[:-1],
                )
            except ServiceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("Approved: the account was issued into your organisation.")
                    if choice == "approve"
                    else _("Declined: the program office was told."),
                )
        return redirect("accounts:consent", pk=pk)
    return render(
        request,
        "accounts/consent.html",
        {"consent": c, "snapshot": organisation_snapshot(c.organisation)},
    )
