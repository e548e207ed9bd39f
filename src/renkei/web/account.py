"""The signed-in user's own pages: their notices (read and unread) and their account, with the
preferred language that their pages, notices and e-mails use.

Which language a page is in: the language switcher's cookie when there is one (it also saves
the choice as the user's preference), else the user's chosen preference, else the browser's
(Django's ``LocaleMiddleware``). Notices are rendered in the page's language when read; e-mails
go in ``User.preferred_language``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n
from django.views.decorators.http import require_POST

from renkei.accounts.models import Notice
from renkei.accounts.notices import (
    LANGUAGES,
    notice_mark_all_read,
    notice_open,
    user_set_language,
)

NOTICES_PER_PAGE = 30


class PreferredLanguageMiddleware:
    """After authentication: a signed-in user who chose a language and has no language cookie
    (a new browser) reads pages in that language rather than the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.language in LANGUAGES
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher, which also keeps the choice as the user's preference."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in LANGUAGES:
        user_set_language(actor=request.user, language=language)
    return response


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    page = Paginator(Notice.objects.filter(recipient=request.user), NOTICES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "notices.html", {"page": page})


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notice: it is marked read and the page it points at opens."""
    try:
        notice = notice_open(actor=request.user, notice_id=pk)
    except Notice.DoesNotExist:
        raise Http404 from None
    link = notice.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notices")


@login_required
@require_POST
def notices_read_all(request: HttpRequest) -> HttpResponse:
    count = notice_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)d notices marked read.") % {"count": count})
    return redirect("notices")


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of pages, notices and e-mails"),
        choices=[
            ("", gettext_lazy("Automatic")),
            ("ja", gettext_lazy("Japanese")),
            ("en", gettext_lazy("English")),
        ],
        required=False,
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's account: who they are on the platform and their preferred language."""
    user = request.user
    form = LanguageForm(request.POST or None, initial={"language": user.language})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        user_set_language(actor=user, language=language)
        chosen = language or user.preferred_language
        translation.activate(chosen)
        messages.success(request, _("Your language is saved."))
        response = redirect("account")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, chosen)
        return response
    return render(request, "account.html", {"form": form, "automatic": user.preferred_language})
