"""The C3P exit part's pages (issue 11; guidebook §1.2, §2.3, Ref. Tables 7 and 8):

- start a JCM Model Project proposal from a C3P project (``/c3p/projects/<pk>/exits/jcm/``): the
  lead organisation picks the round, the title and the technologies; the page says what will be
  prefilled and from where; a draft already open is named with its link;
- record an exit into another scheme (``/c3p/projects/<pk>/exits/new/``): a row of Tables 7 and 8
  or a scheme they do not list, its status and link; move its status
  (``/c3p/exits/<pk>/status/``);
- the office's funnel (``/c3p/funnel/``): partnerships → C3P projects → JCM proposals →
  submitted → adopted → credits, filtered by country and fiscal year, each stage's list below it
  (``?stage=``) with its .xlsx/CSV export.

A refused form comes back as typed with the reason (the guidebook's place and what would be
right). The project page shows the exits through ``c3p/exit/_panel.html``; a JCM proposal's page
says which C3P project it was prepared under through ``c3p/exit/_origin.html``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei import access
from renkei.c3p import selectors_exit as selectors
from renkei.c3p.models import C3pExit, C3pProject
from renkei.c3p.policy.project import projects_for
from renkei.c3p.services import exit as svc
from renkei.proposals.editor import technology_options
from renkei.rules.c3p.exits import exit_schemes
from renkei.services import NotAllowed, ServiceError
from renkei.web.forms_run import refused, require_can
from renkei.web.lists import Column, OfficeList

SUPPORT_TYPES = {
    "subsidy": gettext_lazy("Subsidy"),
    "grant": gettext_lazy("Grant"),
    "project_subsidies_technical_cooperation": gettext_lazy(
        "Project subsidies, technical cooperation"
    ),
    "technical_cooperation": gettext_lazy("Technical cooperation"),
    "commissioned_project": gettext_lazy("Commissioned project"),
    "financial_assistance": gettext_lazy("Financial assistance"),
    "hosting_staff": gettext_lazy("Hosting staff from overseas"),
    "specialist_dispatch": gettext_lazy("Specialist dispatch"),
}


def _ja() -> bool:
    return not (get_language() or "ja").startswith("en")


def scheme_rows() -> list[dict[str, Any]]:
    """Tables 7 and 8 as the pages show them (agency in the page's language, type translated)."""
    book = exit_schemes(svc.RULEBOOK)
    rows = []
    for s in book.schemes:
        agency = book.agency(s.agency)
        rows.append(
            {
                "id": s.id,
                "table": s.table,
                "row": s.row,
                "agency": agency.name_ja if _ja() else agency.name_en,
                "name": s.name_en,
                "type": SUPPORT_TYPES[s.type],
                "printed": s.printed,
                "url": s.url,
                "url_note": s.url_note,
                "star": s.star,
                "requirements": s.requirements,
                "clause": s.clause,
            }
        )
    return rows


# --- forms ---------------------------------------------------------------------------------
class StartForm(forms.Form):
    round = forms.ChoiceField(label=gettext_lazy("Round of the JCM Model Project call"))
    title = forms.CharField(label=gettext_lazy("Title of the JCM proposal"), max_length=300)
    technologies = forms.MultipleChoiceField(
        label=gettext_lazy("Technologies (JCM annex 3)"),
        required=False,
        widget=forms.SelectMultiple({"size": 8}),
    )

    def __init__(self, *args: Any, rounds=(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rounds = {str(r.pk): r for r in rounds}
        self.fields["round"].choices = [
            (str(r.pk), f"{r.call} / {r.name} ({r.deadline:%Y-%m-%d})") for r in rounds
        ]
        book = rounds[0].call.rulebook_id if rounds else "jcm-model-project/fy2024"
        self.fields["technologies"].choices = list(technology_options(book))


class RecordForm(forms.Form):
    scheme_id = forms.ChoiceField(label=gettext_lazy("Scheme (C3P Ref. Tables 7 and 8)"))
    other_name = forms.CharField(
        label=gettext_lazy("Name of the scheme, if not in the tables"),
        max_length=200,
        required=False,
    )
    other_agency = forms.CharField(
        label=gettext_lazy("Its agency or organisation"), max_length=200, required=False
    )
    support_type = forms.CharField(
        label=gettext_lazy("Its type of support"), max_length=200, required=False
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=C3pExit.Status.choices)
    link = forms.CharField(
        label=gettext_lazy("Link (the scheme's page or your application)"),
        max_length=500,
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", gettext_lazy("Another scheme (give its name)"))]
        for r in scheme_rows():
            if r["id"] != "jcm_model_project":
                choices.append(
                    (r["id"], f"Table {r['table']} row {r['row']}: {r['agency']} · {r['name']}")
                )
        self.fields["scheme_id"].choices = choices
        self.fields["scheme_id"].required = False


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"), choices=C3pExit.Status.choices)
    link = forms.CharField(label=gettext_lazy("Link"), max_length=500, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=10_000, required=False)


# --- helpers -------------------------------------------------------------------------------
def _visible(request: HttpRequest, pk: int) -> C3pProject:
    project = projects_for(request.user).filter(pk=pk).first()
    if project is None or not access.can(request.user, "view_c3p_exits", project):
        raise Http404
    return project


# --- start a JCM proposal ------------------------------------------------------------------
@login_required
def exit_start(request: HttpRequest, pk: int) -> HttpResponse:
    project = _visible(request, pk)
    require_can(request, "start_c3p_jcm_exit", project)
    rounds = svc.open_jcm_rounds()
    c3p = svc._c3p_document(project)
    initial_title = ((c3p.get("project") or {}).get("title_ja") or project.proposal.title)[:300]
    form = StartForm(
        request.POST or None, rounds=rounds, initial={"title": f"JCM: {initial_title}"[:300]}
    )
    existing = project.jcm_proposals.filter(
        organisation=request.user.organisation_id, state="draft"
    ).first()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                exit_ = svc.c3p_exit_start_jcm(
                    actor=request.user,
                    project=project,
                    round=form.rounds[form.cleaned_data["round"]],
                    title=form.cleaned_data["title"],
                    technologies=form.cleaned_data["technologies"],
                )
            except NotAllowed as exc:
                raise PermissionDenied from exc
            except svc.DraftAlreadyOpen as exc:
                existing = exc.proposal
                refused(form, exc)
            except ServiceError as exc:
                refused(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The JCM Model Project proposal is started, linked to the C3P project and "
                        "prefilled from it; complete it in the editor."
                    ),
                )
                return redirect("proposals:edit", pk=exit_.proposal_id)
        status = 400
    preview: list[dict[str, str]] = []
    if rounds:
        _doc, preview = svc.jcm_prefill(
            project, rounds[0], request.user.organisation, title=initial_title
        )
    return render(
        request,
        "c3p/exit/start.html",
        {
            "project": project,
            "form": form,
            "rounds": rounds,
            "existing": existing,
            "preview": preview,
            "estimates": c3p.get("estimates") or {},
        },
        status=status,
    )


# --- another scheme ------------------------------------------------------------------------
@login_required
def exit_record(request: HttpRequest, pk: int) -> HttpResponse:
    project = _visible(request, pk)
    require_can(request, "record_c3p_exit", project)
    form = RecordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                svc.c3p_exit_record(actor=request.user, project=project, **form.cleaned_data)
            except NotAllowed as exc:
                raise PermissionDenied from exc
            except ServiceError as exc:
                refused(form, exc)
            else:
                messages.success(request, _("The exit is recorded."))
                return redirect(reverse("c3p:project_detail", args=[project.pk]) + "#exits")
        status = 400
    return render(
        request,
        "c3p/exit/record.html",
        {"project": project, "form": form, "schemes": scheme_rows()},
        status=status,
    )


@login_required
@require_POST
def exit_status(request: HttpRequest, pk: int) -> HttpResponse:
    exit_ = get_object_or_404(C3pExit.objects.select_related("project"), pk=pk)
    project = _visible(request, exit_.project_id)
    require_can(request, "change_c3p_exit", exit_)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            svc.c3p_exit_status_change(
                actor=request.user,
                exit=exit_,
                status=form.cleaned_data["status"],
                link=form.cleaned_data["link"] or None,
                note=form.cleaned_data["note"],
            )
        except NotAllowed as exc:
            raise PermissionDenied from exc
        except ServiceError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("The exit's status is changed."))
            return redirect(reverse("c3p:project_detail", args=[project.pk]) + "#exits")
    # refused: the form again as typed, with the reason
    return render(
        request,
        "c3p/exit/status.html",
        {"project": project, "exit": exit_, "form": form, "name": svc.scheme_name(exit_)},
        status=400,
    )


# --- the office's funnel -------------------------------------------------------------------
COLUMNS = (
    Column(gettext_lazy("Stage"), lambda r: str(selectors.STAGES[r.stage])),
    Column(gettext_lazy("Title"), lambda r: r.title),
    Column(gettext_lazy("Organisation"), lambda r: r.organisation),
    Column(gettext_lazy("Country"), lambda r: r.country),
    Column(gettext_lazy("State"), lambda r: r.state),
    Column(gettext_lazy("Detail"), lambda r: r.detail),
)


def funnel_filters(request: HttpRequest) -> dict[str, str]:
    """The funnel's filters as typed; a value that is not one is dropped, and said so."""
    country = request.GET.get("country", "").strip()[:10]
    fiscal_year = request.GET.get("fiscal_year", "").strip()[:10]
    chosen = {"country": "", "fiscal_year": ""}
    if country:
        if len(country) == 2 and country.isalpha() and country.isascii():
            chosen["country"] = country.upper()
        else:
            messages.warning(
                request,
                _("“%(value)s” is not a country code; type its two letters (e.g. VN).")
                % {"value": country},
            )
    if fiscal_year:
        if fiscal_year.isdigit() and len(fiscal_year) == 4:
            chosen["fiscal_year"] = fiscal_year
        else:
            messages.warning(
                request,
                _("“%(value)s” is not a fiscal year; type four digits (e.g. 2025).")
                % {"value": fiscal_year},
            )
    return chosen


@login_required
def exit_funnel(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "view_c3p_funnel"):
        raise Http404
    filters = funnel_filters(request)
    stage = request.GET.get("stage", "")
    if stage and stage not in selectors.STAGES:
        messages.warning(
            request,
            _("“%(value)s” is not a stage of the funnel; choose one of: %(choices)s.")
            % {"value": stage[:40], "choices": ", ".join(selectors.STAGES)},
        )
        stage = ""
    rows = selectors.stage_rows(stage or "projects", filters)
    listing = OfficeList(request, rows, columns=COLUMNS, text=lambda r: r.text(), name="c3p-funnel")
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "c3p/exit/funnel.html",
        {
            "filters": filters,
            "stages": selectors.funnel(filters),
            "stage": stage or "projects",
            "stage_label": selectors.STAGES[stage or "projects"],
            "issued_tco2": selectors.issued_tco2(filters),
            "scheme_exits": [
                (label, selectors.scheme_exits(filters).get(value, 0))
                for value, label in C3pExit.Status.choices
            ],
            "listing": listing,
            "rows": listing.rows,
        },
    )


urlpatterns = [
    path("c3p/projects/<int:pk>/exits/jcm/", exit_start, name="exit_start"),
    path("c3p/projects/<int:pk>/exits/new/", exit_record, name="exit_record"),
    path("c3p/exits/<int:pk>/status/", exit_status, name="exit_status"),
    path("c3p/funnel/", exit_funnel, name="exit_funnel"),
]
