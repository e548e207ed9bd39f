"""Office pages: the intake list and basic screening. Writes go through reviews.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei import access
from renkei.accounts.models import Role
from renkei.calls.models import Call
from renkei.proposals.models import Proposal, ProposalState
from renkei.reviews import services
from renkei.reviews.models import Decision, Screening, ScreeningItem
from renkei.services import ServiceError


def _office(request: HttpRequest) -> None:
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    _office(request)
    qs = access.proposals_for(request.user).order_by("submitted_at")
    filters = {k: request.GET.get(k, "") for k in ("call", "round", "country", "state")}
    if filters["call"]:
        qs = qs.filter(call__rulebook_id=filters["call"])
    if filters["round"]:
        qs = qs.filter(round__code=filters["round"])
    if filters["country"]:
        qs = qs.filter(country=filters["country"].upper())
    if filters["state"]:
        qs = qs.filter(state=filters["state"])
    rows = [(p, p.screenings.order_by("-started_at").first()) for p in qs]
    return render(
        request,
        "reviews/intake.html",
        {
            "rows": rows,
            "filters": filters,
            "calls": Call.objects.all(),
            "states": [s for s in ProposalState.choices if s[0] != ProposalState.DRAFT],
        },
    )


@login_required
def screening(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    if not access.can(request.user, "view", proposal):
        raise Http404
    if request.method == "POST":
        try:
            services.screening_start(actor=request.user, proposal=proposal)
        except ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("reviews:screening", pk=pk)
    current = proposal.screenings.order_by("-started_at").first()
    english = (get_language() or "ja").startswith("en")
    return render(
        request,
        "reviews/screening.html",
        {
            "proposal": proposal,
            "screening": current,
            "english": english,
            "items": current.items.all() if current else [],
            "decisions": Decision.choices,
            "can_screen": access.can(request.user, "screen", proposal),
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    item = get_object_or_404(ScreeningItem, pk=pk)
    try:
        services.screening_item_decide(
            actor=request.user,
            item=item,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:screening", pk=item.screening.proposal_id)


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    screening = get_object_or_404(Screening, pk=pk)
    try:
        done = services.screening_complete(actor=request.user, screening=screening)
        messages.success(
            request,
            _("Basic screening completed: %(outcome)s") % {"outcome": done.get_outcome_display()},
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:screening", pk=screening.proposal_id)
