from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renkei import access
from renkei.accounts.models import AccountRequest, Role, User
from renkei.accounts.services import (
    EMAIL_MAX,
    account_issue,
    account_reject,
    account_request_create,
)
from renkei.services import ServiceError
from renkei.web.lists import Column, OfficeList


class AccountRequestForm(forms.Form):
    organisation_name = forms.CharField(label=gettext_lazy("Organisation"), max_length=200)
    organisation_country = forms.CharField(
        label=gettext_lazy("Country (ISO code)"), max_length=2, initial="JP"
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=200)
    # the address becomes the login (User.username, 150 characters)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=EMAIL_MAX)


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
        login(request, user)
        messages.success(request, _("Your password is set."))
        return redirect("home")
    return render(request, "accounts/set_password.html", {"form": form})


def _office(request: HttpRequest) -> None:
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404


@login_required
def requests(request: HttpRequest) -> HttpResponse:
    """Office: account requests (5.(1)②) to issue (5.(1)③) or refuse, with the organisation's
    pre-registrations beside them."""
    from renkei.proposals.models import PreRegistration

    _office(request)
    pending = AccountRequest.objects.filter(status=AccountRequest.Status.PENDING).order_by(
        "requested_at", "pk"
    )
    rows = [
        (r, PreRegistration.objects.filter(email__iexact=r.email).order_by("registered_at"))
        for r in pending
    ]
    listing = OfficeList(
        request,
        rows,
        columns=_REQUEST_COLUMNS,
        text=lambda row: f"{row[0].organisation_name} {row[0].contact_name} {row[0].email}",
        name="account-requests",
    )
    if listing.export is not None:
        return listing.export
    handled = AccountRequest.objects.exclude(status=AccountRequest.Status.PENDING).order_by(
        "-requested_at", "-pk"
    )[:50]
    return render(
        request,
        "accounts/requests.html",
        {"rows": listing.rows, "listing": listing, "handled": handled},
    )


_REQUEST_COLUMNS = (
    Column(gettext_lazy("Requested at"), lambda row: row[0].requested_at),
    Column(gettext_lazy("Organisation"), lambda row: row[0].organisation_name),
    Column(gettext_lazy("Country"), lambda row: row[0].organisation_country),
    Column(gettext_lazy("Contact person"), lambda row: row[0].contact_name),
    Column(gettext_lazy("Email"), lambda row: row[0].email),
    Column(
        gettext_lazy("Pre-registrations"),
        lambda row: "; ".join(f"{p.title} · {p.round}" for p in row[1]),
    ),
)


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    req = get_object_or_404(AccountRequest, pk=pk)
    try:
        if request.POST.get("decision") == "issue":
            user = account_issue(
                actor=request.user, request=req, base_url=request.build_absolute_uri("/")[:-1]
            )
            messages.success(
                request,
                _("Account issued; a login link was emailed to %(email)s.") % {"email": user.email},
            )
        elif request.POST.get("decision") == "reject":
            account_reject(actor=request.user, request=req, reason=request.POST.get("reason", ""))
            messages.success(request, _("The request was refused; the requester was told."))
        else:
            messages.error(request, _("Choose to issue the account or to refuse the request."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("accounts:requests")
