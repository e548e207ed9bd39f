"""The C3P stage's matching pages (issue 11; C3P §3.1 steps 2–4, §2.3):

- the published needs and solutions, searched and filtered by sector;
- a need with the solutions suggested for it, each with the reasons it fits
  (``renkei.c3p.matching_score``); a solution;
- publishing a need (a partner city's applicants) or a solution (a Japanese municipality's or a
  company's), closing one's own;
- contacting the other organisation only through the platform: a contact request, then the
  conversation, each message told to the other side by notice; no e-mail address is shown.

Who sees what is ``policy.matching``: other roles get 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import access
from renkei.c3p.models import Need, Sector, Solution
from renkei.c3p.policy.matching import contacts_for
from renkei.c3p.services import matching as services
from renkei.web.forms_run import require_can, run_form
from renkei.web.lists import matches, search_words

REASONS = {
    "same_sector": gettext_lazy("The same sector as the need"),
    "call_sector": gettext_lazy("A target sector of the call"),
    "country": gettext_lazy("Experience or a base in the partner city's country"),
    "partnership": gettext_lazy("A city partnership already links the two cities"),
    "jcm_experience": gettext_lazy("Experience with the JCM"),
    "shared_words": gettext_lazy("Words the need and the solution share"),
}


def _reads(request: HttpRequest) -> None:
    if not access.can(request.user, "view_c3p_matching", None):
        raise Http404


class NeedForm(forms.Form):
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), choices=Sector.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    problem = forms.CharField(
        label=gettext_lazy("Problem"), max_length=services.MAX_TEXT, widget=forms.Textarea
    )
    scale = forms.CharField(
        label=gettext_lazy("Scale (e.g. population served, facilities, tonnes per day)"),
        max_length=300,
        required=False,
    )
    priority = forms.IntegerField(
        label=gettext_lazy("Priority among your needs (1 = highest)"),
        min_value=1,
        max_value=9,
        initial=1,
    )


class SolutionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    sectors = forms.MultipleChoiceField(
        label=gettext_lazy("Sectors"),
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    technology = forms.CharField(
        label=gettext_lazy("Technology or knowledge"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea,
    )
    experience = forms.CharField(
        label=gettext_lazy("Experience"),
        max_length=services.MAX_TEXT,
        required=False,
        widget=forms.Textarea,
    )
    past_projects = forms.CharField(
        label=gettext_lazy("Past projects"),
        max_length=services.MAX_TEXT,
        required=False,
        widget=forms.Textarea,
    )
    countries = forms.CharField(
        label=gettext_lazy("Countries of experience or bases (ISO codes, e.g. VN PH)"),
        max_length=300,
        required=False,
    )
    jcm_experience = forms.BooleanField(
        label=gettext_lazy("Experience with the JCM"), required=False
    )

    def clean_countries(self) -> list[str]:
        return self.cleaned_data["countries"].replace(",", " ").split()


class MessageForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message"), max_length=services.MAX_MESSAGE, widget=forms.Textarea
    )


class ReplyForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=services.MAX_MESSAGE,
        required=False,
        widget=forms.Textarea,
    )
    close = forms.BooleanField(label=gettext_lazy("Close the conversation"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("message") or "").strip() and not data.get("close"):
            raise forms.ValidationError(_("Write a message, or tick “Close the conversation”."))
        return data


@login_required
def matching_index(request: HttpRequest) -> HttpResponse:
    _reads(request)
    query = request.GET.get("q", "")[:200].strip()
    sector = request.GET.get("sector", "")
    words = search_words(query)
    needs = Need.objects.filter(state="open").select_related("organisation")
    solutions = Solution.objects.filter(state="open").select_related("organisation")
    if sector in Sector.values:
        needs = needs.filter(sector=sector)
        solutions = [s for s in solutions if sector in s.sectors]
    if words:
        needs = [
            n
            for n in needs
            if matches(words, f"{n.title} {n.problem} {n.scale} {n.organisation.name}")
        ]
        solutions = [
            s
            for s in solutions
            if matches(
                words,
                f"{s.title} {s.technology} {s.experience} {s.past_projects} "
                f"{s.organisation.name} {' '.join(s.countries)}",
            )
        ]
    return render(
        request,
        "c3p/matching/index.html",
        {
            "needs": list(needs)[:100],
            "solutions": list(solutions)[:100],
            "query": query,
            "sector": sector,
            "sectors": Sector.choices,
            "can_need": access.can(request.user, "publish_c3p_need", None),
            "can_solution": access.can(request.user, "publish_c3p_solution", None),
        },
    )


@login_required
def matching_need_new(request: HttpRequest) -> HttpResponse:
    _reads(request)
    require_can(request, "publish_c3p_need", None)
    form = NeedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        done = run_form(
            request,
            form,
            lambda d: services.need_publish(actor=request.user, **d),
            done=_("The need was published."),
            then=lambda n: redirect("c3p:matching_need", pk=n.pk),
        )
        if done is not None:
            return done
    return render(request, "c3p/matching/new.html", {"form": form, "kind": "need"})


@login_required
def matching_solution_new(request: HttpRequest) -> HttpResponse:
    _reads(request)
    require_can(request, "publish_c3p_solution", None)
    form = SolutionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        done = run_form(
            request,
            form,
            lambda d: services.solution_publish(actor=request.user, **d),
            done=_("The solution was published."),
            then=lambda s: redirect("c3p:matching_solution", pk=s.pk),
        )
        if done is not None:
            return done
    return render(request, "c3p/matching/new.html", {"form": form, "kind": "solution"})


def _record(request: HttpRequest, model: type, pk: int) -> Any:
    _reads(request)
    record = model.objects.select_related("organisation").filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def _record_page(request: HttpRequest, record: Any, form: Any = None) -> HttpResponse:
    is_need = isinstance(record, Need)
    mine = contacts_for(request.user).filter(
        **({"need": record} if is_need else {"solution": record})
    )
    context = {
        "record": record,
        "kind": "need" if is_need else "solution",
        "can_contact": access.can(request.user, "contact_c3p_matching", record),
        "can_close": record.state == "open"
        and access.can(request.user, "close_c3p_matching_record", record),
        "contacts": list(mine),
        "form": form or MessageForm(),
        "reasons": REASONS,
    }
    if is_need:
        context["suggestions"] = services.suggestions_for(record)
    return render(request, "c3p/matching/record.html", context)


@login_required
def matching_need(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_page(request, _record(request, Need, pk))


@login_required
def matching_solution(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_page(request, _record(request, Solution, pk))


def _contact(request: HttpRequest, model: type, pk: int) -> HttpResponse:
    record = _record(request, model, pk)
    name = "c3p:matching_need" if model is Need else "c3p:matching_solution"
    if request.method != "POST":
        return redirect(name, pk=pk)
    require_can(request, "contact_c3p_matching", record)
    form = MessageForm(request.POST)
    done = run_form(
        request,
        form,
        lambda d: services.contact_request(actor=request.user, record=record, message=d["message"]),
        done=_("Your message was sent through the platform."),
        then=lambda c: redirect("c3p:matching_contact", pk=c.pk),
    )
    return done or _record_page(request, record, form)


@login_required
def matching_need_contact(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact(request, Need, pk)


@login_required
def matching_solution_contact(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact(request, Solution, pk)


def _close(request: HttpRequest, model: type, pk: int) -> HttpResponse:
    record = _record(request, model, pk)
    name = "c3p:matching_need" if model is Need else "c3p:matching_solution"
    if request.method == "POST":
        require_can(request, "close_c3p_matching_record", record)
        services.matching_record_close(actor=request.user, record=record)
    return redirect(name, pk=pk)


@login_required
def matching_need_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _close(request, Need, pk)


@login_required
def matching_solution_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _close(request, Solution, pk)


@login_required
def matching_contacts(request: HttpRequest) -> HttpResponse:
    _reads(request)
    return render(
        request,
        "c3p/matching/contacts.html",
        {"contacts": list(contacts_for(request.user).prefetch_related("messages")[:200])},
    )


@login_required
def matching_contact(request: HttpRequest, pk: int) -> HttpResponse:
    _reads(request)
    contact = contacts_for(request.user).filter(pk=pk).first()
    if contact is None:
        raise Http404
    can_answer = access.can(request.user, "answer_c3p_contact", contact)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require_can(request, "answer_c3p_contact", contact)
        done = run_form(
            request,
            form,
            lambda d: services.contact_reply(
                actor=request.user, contact=contact, message=d["message"], close=d["close"]
            ),
            done=_("Sent."),
            then=lambda c: redirect("c3p:matching_contact", pk=pk),
        )
        if done is not None:
            return done
    return render(
        request,
        "c3p/matching/contact.html",
        {
            "contact": contact,
            "thread": list(contact.messages.select_related("organisation")),
            "form": form,
            "can_answer": can_answer,
        },
    )


urlpatterns = [
    path("c3p/matching/", matching_index, name="matching_index"),
    path("c3p/matching/needs/new/", matching_need_new, name="matching_need_new"),
    path("c3p/matching/solutions/new/", matching_solution_new, name="matching_solution_new"),
    path("c3p/matching/needs/<int:pk>/", matching_need, name="matching_need"),
    path("c3p/matching/solutions/<int:pk>/", matching_solution, name="matching_solution"),
    path(
        "c3p/matching/needs/<int:pk>/contact/",
        matching_need_contact,
        name="matching_need_contact",
    ),
    path(
        "c3p/matching/solutions/<int:pk>/contact/",
        matching_solution_contact,
        name="matching_solution_contact",
    ),
    path("c3p/matching/needs/<int:pk>/close/", matching_need_close, name="matching_need_close"),
    path(
        "c3p/matching/solutions/<int:pk>/close/",
        matching_solution_close,
        name="matching_solution_close",
    ),
    path("c3p/matching/contacts/", matching_contacts, name="matching_contacts"),
    path("c3p/matching/contacts/<int:pk>/", matching_contact, name="matching_contact"),
]
