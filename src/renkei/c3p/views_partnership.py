"""The C3P stage's partnership pages (issue 11; C3P §1.2, §3.2 Elig.(7)–(9), BOX 8):

- the list of city partnerships (the office: all, with search and .xlsx/CSV export; an applicant
  of a city: its own);
- a partnership: the two cities, the agreements and renewals, the intention to conclude one,
  the letters of interest (the partner city's with its Japanese translation) and the C3P
  proposals that link to it (the history of their projects), with the forms to record each;
- a new partnership (the office);
- picking the partnership of a C3P proposal (its representative participant, while editable),
  from the C3P editor: a request, which a member of the Japanese municipality confirms or
  declines on the partnership's page (shown as pending until then).

Who sees what is ``policy.partnership``: a partnership someone may not see is 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import access
from renkei.accounts.models import Organisation
from renkei.c3p.models import (
    CityPartnership,
    CollaborationAgreement,
    LetterOfInterest,
    PartnershipLink,
)
from renkei.c3p.policy.partnership import partnerships_for
from renkei.c3p.services import partnership as services
from renkei.proposals.models import Proposal
from renkei.services import NotAllowed, ServiceError
from renkei.web.forms_run import refused, require_can, run_form
from renkei.web.lists import Column, OfficeList


def _visible(request: HttpRequest, pk: int) -> CityPartnership:
    partnership = partnerships_for(request.user).filter(pk=pk).first()
    if partnership is None:
        raise Http404
    return partnership


# --- forms ---------------------------------------------------------------------------------


class PartnershipForm(forms.Form):
    japanese_city = forms.ModelChoiceField(
        label=gettext_lazy("Japanese municipality"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY, country="JP"),
    )
    partner_city = forms.ModelChoiceField(
        label=gettext_lazy("Partner city"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.PARTNER_CITY).exclude(
            country="JP"
        ),
    )
    intends_agreement = forms.BooleanField(
        label=gettext_lazy("No agreement yet: the cities intend to conclude one (C3P §3.2 (7))"),
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=5000, widget=forms.Textarea
    )


class UpdateForm(forms.Form):
    intends_agreement = forms.BooleanField(
        label=gettext_lazy("No agreement yet: the cities intend to conclude one (C3P §3.2 (7))"),
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=5000, widget=forms.Textarea
    )


class DateInput(forms.DateInput):
    input_type = "date"


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of agreement"), choices=CollaborationAgreement.Kind.choices
    )
    title = forms.CharField(label=gettext_lazy("Title of the agreement"), max_length=300)
    event = forms.ChoiceField(
        label=gettext_lazy("Event"), choices=CollaborationAgreement.Event.choices
    )
    signed_on = forms.DateField(label=gettext_lazy("Signed or renewed on"), widget=DateInput)
    expires_on = forms.DateField(label=gettext_lazy("Expires on"), required=False, widget=DateInput)
    renews = forms.ModelChoiceField(
        label=gettext_lazy("Renews"),
        required=False,
        queryset=CollaborationAgreement.objects.none(),
    )

    def __init__(self, *args: Any, partnership: CityPartnership, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["renews"].queryset = partnership.agreements.all()


class LetterForm(forms.Form):
    side = forms.ChoiceField(label=gettext_lazy("From"), choices=LetterOfInterest.Side.choices)
    signatory = forms.CharField(label=gettext_lazy("Signatory"), max_length=200)
    dated = forms.DateField(label=gettext_lazy("Dated"), widget=DateInput)
    states_intent_to_conclude = forms.BooleanField(
        label=gettext_lazy("The letter states the intention to conclude an agreement (BOX 8)"),
        required=False,
    )
    proposal = forms.ModelChoiceField(
        label=gettext_lazy("For the proposal"), required=False, queryset=Proposal.objects.none()
    )
    file = forms.FileField(label=gettext_lazy("The letter (a copy is accepted)"))
    translation = forms.FileField(
        label=gettext_lazy("Its Japanese translation (needed for the partner city's letter)"),
        required=False,
    )

    def __init__(self, *args: Any, partnership: CityPartnership, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].queryset = partnership.proposals.all()


# --- pages ---------------------------------------------------------------------------------


def _history(request: HttpRequest, partnership: CityPartnership) -> list[dict[str, Any]]:
    """The C3P proposals linked to the partnership: the history of its projects. The title,
    lead organisation, fiscal year and state are shown to the partnership's readers; the
    proposal itself only to who may see it."""
    visible = set(access.proposals_for(request.user).values_list("pk", flat=True))
    out = []
    for proposal in partnership.proposals.select_related("organisation", "call").order_by(
        "created_at", "pk"
    ):
        out.append(
            {
                "proposal": proposal,
                "fiscal_year": (proposal.document or {}).get("fiscal_year"),
                "visible": proposal.pk in visible,
            }
        )
    return out


class LinkDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Answer"),
        choices=[
            ("confirm", gettext_lazy("Confirm: the proposal names our partnership")),
            ("decline", gettext_lazy("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (when declining)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the municipality declines, for the applicant."))
        return data


def _requests(request: HttpRequest, partnership: CityPartnership, bound: Any = None) -> list:
    out = []
    links = partnership.link_requests.select_related(
        "proposal__organisation", "requested_by", "decided_by"
    ).order_by("-requested_at", "-pk")
    for link in links:
        form = None
        if link.state == PartnershipLink.State.REQUESTED and access.can(
            request.user, "decide_c3p_partnership_link", link
        ):
            form = bound if bound is not None and bound.link_pk == link.pk else LinkDecisionForm()
        out.append({"link": link, "form": form})
    return out


def _detail(request: HttpRequest, partnership: CityPartnership, **forms_: Any) -> HttpResponse:
    can_record = access.can(request.user, "record_c3p_partnership", partnership)
    context = {
        "requests": _requests(request, partnership, forms_.get("link_form")),
        "partnership": partnership,
        "agreements": partnership.agreements_in_order(),
        "letters": list(partnership.letters.select_related("proposal").all()),
        "history": _history(request, partnership),
        "can_record": can_record,
    }
    if can_record:
        context["update_form"] = forms_.get("update_form") or UpdateForm(
            initial={"intends_agreement": partnership.intends_agreement, "note": partnership.note}
        )
        context["agreement_form"] = forms_.get("agreement_form") or AgreementForm(
            partnership=partnership
        )
        context["letter_form"] = forms_.get("letter_form") or LetterForm(partnership=partnership)
    return render(request, "c3p/partnership/detail.html", context)


@login_required
def partnership_list(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "view_c3p_partnership_list", None):
        raise Http404
    rows = list(partnerships_for(request.user).prefetch_related("agreements", "proposals"))
    listing = OfficeList(
        request,
        rows,
        columns=[
            Column(_("Japanese municipality"), lambda p: p.japanese_city.name),
            Column(_("Partner city"), lambda p: p.partner_city.name),
            Column(_("Country"), lambda p: p.partner_city.country),
            Column(
                _("Agreement"),
                lambda p: a.title if (a := p.current_agreement()) else "",
            ),
            Column(
                _("Signed or renewed on"),
                lambda p: a.date_text if (a := p.current_agreement()) else "",
            ),
            Column(_("Proposals"), lambda p: p.proposals.count()),
            Column(_("Source"), lambda p: p.source),
        ],
        text=lambda p: " ".join(
            (
                p.japanese_city.name,
                p.japanese_city.name_en,
                p.partner_city.name,
                p.partner_city.country,
            )
        ),
        name="c3p-partnerships",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "c3p/partnership/list.html",
        {
            "listing": listing,
            "can_create": access.can(request.user, "create_c3p_partnership", None),
        },
    )


@login_required
def partnership_new(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "view_c3p_partnership_list", None):
        raise Http404
    require_can(request, "create_c3p_partnership", None)
    form = PartnershipForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        done = run_form(
            request,
            form,
            lambda d: services.partnership_create(actor=request.user, **d),
            done=_("The partnership was recorded."),
            then=lambda p: redirect("c3p:partnership_detail", pk=p.pk),
        )
        if done is not None:
            return done
    return render(request, "c3p/partnership/new.html", {"form": form})


@login_required
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


def _post_only(request: HttpRequest, pk: int) -> CityPartnership:
    partnership = _visible(request, pk)
    require_can(request, "record_c3p_partnership", partnership)
    return partnership


@login_required
def partnership_update(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _post_only(request, pk)
    if request.method != "POST":
        return redirect("c3p:partnership_detail", pk=pk)
    form = UpdateForm(request.POST)
    done = run_form(
        request,
        form,
        lambda d: services.partnership_update(actor=request.user, partnership=partnership, **d),
        done=_("Saved."),
        then=lambda p: redirect("c3p:partnership_detail", pk=pk),
    )
    return done or _detail(request, partnership, update_form=form)


@login_required
def partnership_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _post_only(request, pk)
    if request.method != "POST":
        return redirect("c3p:partnership_detail", pk=pk)
    form = AgreementForm(request.POST, partnership=partnership)
    done = run_form(
        request,
        form,
        lambda d: services.agreement_record(actor=request.user, partnership=partnership, **d),
        done=_("The agreement was recorded."),
        then=lambda a: redirect("c3p:partnership_detail", pk=pk),
    )
    return done or _detail(request, partnership, agreement_form=form)


@login_required
def partnership_letter(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _post_only(request, pk)
    if request.method != "POST":
        return redirect("c3p:partnership_detail", pk=pk)
    form = LetterForm(request.POST, request.FILES, partnership=partnership)
    done = run_form(
        request,
        form,
        lambda d: services.letter_add(
            actor=request.user,
            partnership=partnership,
            side=d["side"],
            signatory=d["signatory"],
            dated=d["dated"],
            upload=d["file"],
            translation=d["translation"],
            states_intent_to_conclude=d["states_intent_to_conclude"],
            proposal=d["proposal"],
        ),
        done=_("The letter of interest was added."),
        then=lambda letter: redirect("c3p:partnership_detail", pk=pk),
    )
    if done is None and request.method == "POST":
        # a file input cannot be shown again as chosen: say so beside the form
        form.add_error(None, _("Choose the files again: a browser never keeps a chosen file."))
    return done or _detail(request, partnership, letter_form=form)


@login_required
def partnership_letter_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    letter = get_object_or_404(LetterOfInterest.objects.select_related("partnership"), pk=pk)
    if not access.can(request.user, "view_c3p_partnership", letter) or which not in (
        "letter",
        "translation",
    ):
        raise Http404
    field = letter.file if which == "letter" else letter.translation
    if not field:
        raise Http404
    name = letter.original_name if which == "letter" else letter.translation_name
    return FileResponse(field.open("rb"), as_attachment=True, filename=name)


@login_required
def partnership_link_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A member of the Japanese municipality confirms or declines a proposal's request to name
    the partnership (its consent)."""
    link = get_object_or_404(PartnershipLink.objects.select_related("partnership"), pk=pk)
    partnership = _visible(request, link.partnership_id)
    require_can(request, "decide_c3p_partnership_link", link)
    if request.method != "POST":
        return redirect("c3p:partnership_detail", pk=partnership.pk)
    form = LinkDecisionForm(request.POST)
    form.link_pk = link.pk

    def decide(d: dict[str, Any]) -> PartnershipLink:
        if d["decision"] == "confirm":
            return services.partnership_link_confirm(actor=request.user, link=link)
        return services.partnership_link_decline(actor=request.user, link=link, reason=d["reason"])

    done = run_form(
        request,
        form,
        decide,
        done=_("Your answer was recorded and the applicant told."),
        then=lambda x: redirect("c3p:partnership_detail", pk=partnership.pk),
    )
    return done or _detail(request, partnership, link_form=form)


class PickForm(forms.Form):
    partnership = forms.ModelChoiceField(
        label=gettext_lazy("City partnership"),
        required=False,
        queryset=CityPartnership.objects.select_related("japanese_city", "partner_city"),
        empty_label=gettext_lazy("— none: type the cities in the editor —"),
    )


@login_required
def partnership_pick(request: HttpRequest, proposal_pk: int) -> HttpResponse:
    """The C3P editor's partnership: picked from every recorded partnership (their public facts:
    the cities and the agreement, BOX 8), instead of typing the cities."""
    proposal = access.proposals_for(request.user).filter(pk=proposal_pk).first()
    if proposal is None:
        raise Http404
    if not access.can(request.user, "pick_c3p_partnership", proposal):
        raise PermissionDenied
    form = PickForm(
        request.POST if request.method == "POST" else None,
        initial={"partnership": proposal.c3p_partnership_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_link_proposal(
                actor=request.user,
                proposal=proposal,
                partnership=form.cleaned_data["partnership"],
            )
        except NotAllowed as exc:
            raise PermissionDenied from exc
        except ServiceError as exc:
            refused(form, exc)
        else:
            proposal.refresh_from_db()
            messages.success(
                request,
                _("The proposal no longer names a partnership: type the cities.")
                if not form.cleaned_data["partnership"]
                else _(
                    "The proposal's cities, agreement and letters now come from the partnership."
                )
                if proposal.c3p_partnership_id
                else _(
                    "Asked: the Japanese municipality confirms or declines naming its "
                    "partnership; until then the proposal keeps the cities as typed."
                ),
            )
            return redirect("proposals:edit", pk=proposal.pk)
    rows = [
        {"partnership": p, "agreement": p.current_agreement()}
        for p in PickForm.base_fields["partnership"].queryset.prefetch_related("agreements")
    ]
    return render(
        request,
        "c3p/partnership/pick.html",
        {
            "proposal": proposal,
            "form": form,
            "rows": rows,
            "link": PartnershipLink.objects.filter(proposal=proposal)
            .select_related("partnership__japanese_city", "partnership__partner_city")
            .first(),
        },
    )


urlpatterns = [
    path("c3p/partnerships/", partnership_list, name="partnership_list"),
    path("c3p/partnerships/new/", partnership_new, name="partnership_new"),
    path("c3p/partnerships/<int:pk>/", partnership_detail, name="partnership_detail"),
    path("c3p/partnerships/<int:pk>/update/", partnership_update, name="partnership_update"),
    path(
        "c3p/partnerships/<int:pk>/agreements/",
        partnership_agreement,
        name="partnership_agreement",
    ),
    path("c3p/partnerships/<int:pk>/letters/", partnership_letter, name="partnership_letter"),
    path(
        "c3p/partnerships/letters/<int:pk>/<str:which>/",
        partnership_letter_file,
        name="partnership_letter_file",
    ),
    path("c3p/partnerships/pick/<int:proposal_pk>/", partnership_pick, name="partnership_pick"),
    path(
        "c3p/partnerships/links/<int:pk>/decide/",
        partnership_link_decide,
        name="partnership_link_decide",
    ),
]
