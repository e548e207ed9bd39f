from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei.accounts.models import User
from renkei.accounts.services import account_request_create


class AccountRequestForm(forms.Form):
    organisation_name = forms.CharField(label=gettext_lazy("Organisation"), max_length=200)
    organisation_country = forms.CharField(
        label=gettext_lazy("Country (ISO code)"), max_length=2, initial="JP"
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Email"))


def account_request(request: HttpRequest) -> HttpResponse:
    form = AccountRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_request_create(actor=request.user, **form.cleaned_data)
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
