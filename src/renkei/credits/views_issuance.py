"""The credits stage's issuance pages (JCM 2.(1)③, 2.(5)②(カ); spec §2.5): the issuance panel of
a JCM project (its due dates with their clauses, its requests, the filer's form for a new
request from the verified periods no request holds), its own page (``issuance_project``), the
page of one request (``issuance_request``: its periods, the filer's period choice, submission
and withdrawal, the Joint Committee's decision), and one URL per action, each calling one
service. On a refusal or a bad value the page is shown again with the form as typed and why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renkei import access
from renkei.credits.models import IssuanceRequest, JcmProject, RequestState
from renkei.credits.policy import projects_for
from renkei.credits.policy.issuance import RULES, requests_for, sees_request
from renkei.credits.services import issuance as services
from renkei.web.forms_run import require_can, run_form
from renkei.web.lists import Column, OfficeList

R = RequestState
TEXTAREA = forms.Textarea(attrs={"rows": 3})


# --- forms -------------------------------------------------------------------------------------
def _period_label(period, tonnes: int) -> str:
    return f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d} (v{period.version}): {tonnes} tCO2"


class PeriodsForm(forms.Form):
    periods = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Verified monitoring periods"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy(
                "Choose at least one verified monitoring period for the issuance request."
            ),
            "invalid_choice": gettext_lazy(
                "%(value)s is not a verified period free to request; choose from the list."
            ),
        },
    )

    def __init__(self, *args, choices: list[tuple[Any, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["periods"].choices = [(p.pk, _period_label(p, t)) for p, t in choices]


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the refusal"),
        widget=TEXTAREA,
        max_length=services.TEXT_LIMIT,
    )


class ActionForm(forms.Form):
    """A button without fields (submit, withdraw): only the service's refusal to show."""


class ApproveForm(forms.Form):
    """One field per period of the request: the credits issued for it (whole tCO2)."""

    def __init__(self, *args, request_obj: IssuanceRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(
            request_obj.periods.select_related("period").order_by(
                "period__start", "period__version"
            )
        )
        for row in self.rows:
            self.fields[f"p{row.period_id}"] = forms.IntegerField(
                label=_period_label(row.period, row.verified_tco2),
                min_value=0,
                max_value=row.verified_tco2,
                initial=row.verified_tco2,
                help_text=gettext_lazy("Whole tCO2, from 0 to the verified reductions."),
            )

    def issued(self) -> dict[int, int]:
        return {row.period_id: self.cleaned_data[f"p{row.period_id}"] for row in self.rows}


# --- the panel ---------------------------------------------------------------------------------
def panel(request: HttpRequest, project: JcmProject, bound: dict | None = None) -> dict:
    """The context of this part's panel on the JCM project's page: the issuance due dates (with
    clause and readings), the requests the viewer sees, and the filer's form for a new request.
    ``bound`` holds the form that was posted, kept as typed."""
    bound = bound or {}
    user = request.user
    if not access.can(user, "view_issuance_schedule", project):
        return {"issuance_visible": False}
    requests = [
        r
        for r in IssuanceRequest.objects.filter(project=project)
        .select_related("issuance")
        .prefetch_related("periods__period")
        .order_by("-created_at", "-pk")
        if sees_request(user, r)
    ]
    can_create = access.can(user, "create_issuance_request", project)
    free = services.issuable_periods(project) if can_create else []
    return {
        "issuance_visible": True,
        "issuance_project": project,
        "issuance_schedule": services.issuance_due_dates(project),
        "issuance_requests": requests,
        "issuance_can_create": can_create,
        "issuance_free_periods": free,
        "issuance_new_form": bound.get("new") or PeriodsForm(choices=free),
    }


def _project(request: HttpRequest, pk: int) -> JcmProject:
    project = projects_for(request.user).filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


def _request(request: HttpRequest, pk: int) -> IssuanceRequest:
    found = (
        IssuanceRequest.objects.filter(pk=pk)
        .select_related("project__plan__grant__selection__proposal")
        .first()
    )
    if found is None or not sees_request(request.user, found):
        raise Http404
    return found


def _project_page(request: HttpRequest, project: JcmProject, bound: dict) -> HttpResponse:
    context = {"project": project, "grant": project.plan.grant}
    context.update(panel(request, project, bound))
    return render(request, "credits/issuance/project.html", context)


@login_required
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    require_can(request, "view_issuance_schedule", project)
    return _project_page(request, project, {})


@login_required
@require_POST
def request_new(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    require_can(request, "create_issuance_request", project)
    form = PeriodsForm(request.POST, choices=services.issuable_periods(project))
    answered = run_form(
        request,
        form,
        lambda c: services.issuance_request_create(
            actor=request.user, project=project, periods=c["periods"]
        ),
        done=str(gettext_lazy("The issuance request is drafted; submit it when it is complete.")),
        then=lambda r: redirect("credits:issuance_request", pk=r.pk),
    )
    return answered or _project_page(request, project, {"new": form})


# --- the requests the viewer sees ----------------------------------------------------------------
COLUMNS = (
    Column(gettext_lazy("Issuance request"), lambda r: r.pk),
    Column(gettext_lazy("JCM project reference"), lambda r: str(r.project)),
    Column(gettext_lazy("Grant"), lambda r: r.project.plan.grant.number),
    Column(gettext_lazy("Country"), lambda r: r.project.plan.grant.selection.proposal.country),
    Column(gettext_lazy("State"), lambda r: r.get_state_display()),
    Column(gettext_lazy("Verified (tCO2)"), lambda r: r.verified_total),
    Column(
        gettext_lazy("Issued (tCO2)"),
        lambda r: getattr(r, "issuance", None) and r.issuance.issued_tco2,
    ),
)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """Every issuance request the viewer sees (the Joint Committee: its country's submitted and
    decided ones; the registry: the decided ones to record), those waiting for a decision first;
    ``?state=`` keeps one state; searchable and exported as the office's lists are. Nobody who
    sees no JCM project has anything here (404)."""
    if not projects_for(request.user).exists():
        raise Http404
    state = request.GET.get("state", "")
    rows = list(
        requests_for(request.user)
        .select_related("project__plan__grant__selection__proposal", "issuance")
        .prefetch_related("periods")
        .order_by("-submitted_at", "-pk")
    )
    if state in R.values:
        rows = [r for r in rows if r.state == state]
    for r in rows:
        r.verified_total = sum(p.verified_tco2 for p in r.periods.all())
    rows.sort(key=lambda r: r.state != R.SUBMITTED)
    listing = OfficeList(
        request,
        rows,
        columns=COLUMNS,
        text=lambda r: f"{r.pk} {r.project} {r.project.plan.grant.number}",
        name="issuance-requests",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "credits/issuance/list.html",
        {"listing": listing, "rows": listing.rows, "state": state, "states": R.choices},
    )


# --- one request -------------------------------------------------------------------------------
def _choices(obj: IssuanceRequest) -> list[tuple[Any, int]]:
    own = [(row.period, row.verified_tco2) for row in obj.periods.select_related("period")]
    return sorted(
        own + services.issuable_periods(obj.project), key=lambda pv: (pv[0].start, pv[0].version)
    )


def _request_page(
    request: HttpRequest, obj: IssuanceRequest, bound: dict, status: int = 200
) -> HttpResponse:
    user = request.user
    can = {action: access.can(user, action, obj) for action in RULES}
    rows = list(obj.periods.select_related("period").order_by("period__start", "period__version"))
    periods_form = bound.get("periods")
    if periods_form is None and can["edit_issuance_request"] and obj.state == R.DRAFT:
        periods_form = PeriodsForm(
            choices=_choices(obj), initial={"periods": [r.period_id for r in rows]}
        )
    context = {
        "project": obj.project,
        "grant": obj.project.plan.grant,
        "req": obj,
        "rows": rows,
        "verified_total": sum(r.verified_tco2 for r in rows),
        "issuance": getattr(obj, "issuance", None),
        "can": can,
        "R": R,
        "periods_form": periods_form,
        "action_form": bound.get("action"),
        "approve_form": bound.get("approve") or ApproveForm(request_obj=obj),
        "refuse_form": bound.get("refuse") or RefuseForm(),
    }
    return render(request, "credits/issuance/request.html", context, status=status)


@login_required
def request_page(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _request(request, pk)
    return _request_page(request, obj, {})


def _view(name: str, action: str, *, key: str, form, run, done):
    """The view of one action on a request: the request the viewer sees, else 404; then the
    permission (403); ``run(actor, request, form)`` calls the service."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        obj = _request(request, pk)
        require_can(request, action, obj)
        bound = form(request, obj)
        answered = run_form(
            request,
            bound,
            lambda c: run(request.user, obj, bound),
            done=str(done),
            then=lambda _r: redirect("credits:issuance_request", pk=obj.pk),
        )
        return answered or _request_page(request, obj, {key: bound})

    view.__name__ = name
    return view


set_periods = _view(
    "set_periods",
    "edit_issuance_request",
    key="periods",
    form=lambda request, obj: PeriodsForm(request.POST, choices=_choices(obj)),
    run=lambda u, r, f: services.issuance_request_set_periods(
        actor=u, request=r, periods=f.cleaned_data["periods"]
    ),
    done=gettext_lazy("The request's periods are saved."),
)
submit = _view(
    "submit",
    "submit_issuance_request",
    key="action",
    form=lambda request, obj: ActionForm(request.POST),
    run=lambda u, r, f: services.issuance_request_submit(actor=u, request=r),
    done=gettext_lazy("The issuance request is submitted to the Joint Committee."),
)
withdraw = _view(
    "withdraw",
    "withdraw_issuance_request",
    key="action",
    form=lambda request, obj: ActionForm(request.POST),
    run=lambda u, r, f: services.issuance_request_withdraw(actor=u, request=r),
    done=gettext_lazy("The issuance request is withdrawn; its periods may be requested again."),
)
approve = _view(
    "approve",
    "decide_issuance_request",
    key="approve",
    form=lambda request, obj: ApproveForm(request.POST, request_obj=obj),
    run=lambda u, r, f: services.issuance_request_approve(actor=u, request=r, issued=f.issued()),
    done=gettext_lazy("The credits are issued."),
)
refuse = _view(
    "refuse",
    "decide_issuance_request",
    key="refuse",
    form=lambda request, obj: RefuseForm(request.POST),
    run=lambda u, r, f: services.issuance_request_refuse(
        actor=u, request=r, reason=f.cleaned_data["reason"]
    ),
    done=gettext_lazy("The issuance request is refused."),
)


Q = "credits/issuance/requests/<int:pk>/"
urlpatterns: list = [
    path("credits/issuance/requests/", request_list, name="issuance_list"),
    path("credits/projects/<int:pk>/issuance/", project_page, name="issuance_project"),
    path("credits/projects/<int:pk>/issuance/requests/", request_new, name="issuance_request_new"),
    path(Q, request_page, name="issuance_request"),
    path(Q + "periods/", set_periods, name="issuance_request_periods"),
    path(Q + "submit/", submit, name="issuance_request_submit"),
    path(Q + "withdraw/", withdraw, name="issuance_request_withdraw"),
    path(Q + "approve/", approve, name="issuance_request_approve"),
    path(Q + "refuse/", refuse, name="issuance_request_refuse"),
]
