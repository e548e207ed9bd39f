"""The grant's pages: the list of grants, one grant's page (each part of the stage adds its
panel: ``views_award``, ``views_closing``, ``views_schedule``) and opening the grant from an
adopted proposal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from renkei import access
from renkei.adoption.models import Selection
from renkei.grants import views_award, views_closing, views_schedule
from renkei.grants.models import Grant
from renkei.grants.services.core import grant_open
from renkei.services import ServiceError


def visible_grant(request: HttpRequest, pk: int) -> Grant:
    """The grant if the viewer may see it; 404 otherwise (never revealing that it exists)."""
    grant = access.grants_for(request.user).filter(pk=pk).first()
    if grant is None:
        raise Http404
    return grant


@login_required
def grant_list(request: HttpRequest) -> HttpResponse:
    """An applicant's grants (its consortium's), and the adopted proposals whose grant
    application the viewer may open (the office reads the grants on the portfolio)."""
    role = access.role_of(request.user)
    if role not in ("office", "applicant"):
        raise Http404
    # the office reads every grant on the portfolio (paged, filtered, exported); here it finds
    # the adopted proposals whose grant application it may open for the representative
    grants = access.grants_for(request.user).order_by("number") if role == "applicant" else None
    openable = [
        s
        for s in Selection.objects.filter(state="adopted", grant__isnull=True)
        .select_related("proposal__call")
        .filter(proposal__in=access.proposals_for(request.user))
        if access.can(request.user, "open_grant", s)
    ]
    return render(request, "grants/list.html", {"grants": grants, "openable": openable})


@login_required
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = visible_grant(request, pk)
    context = {"grant": grant, "proposal": grant.selection.proposal}
    context.update(views_award.panel(request, grant))
    context.update(views_closing.panel(request, grant))
    context.update(views_schedule.panel(request, grant))
    return render(request, "grants/detail.html", context)


@login_required
@require_POST
def grant_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the grant application of the adopted proposal ``pk``."""
    proposal = get_object_or_404(access.proposals_for(request.user), pk=pk)
    selection = Selection.objects.filter(proposal=proposal).first()
    if selection is None or not access.can(request.user, "open_grant", selection):
        raise Http404
    try:
        grant = grant_open(actor=request.user, selection=selection)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("grants:list")
    return redirect("grants:detail", pk=grant.pk)
